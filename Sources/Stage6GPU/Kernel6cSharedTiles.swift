// 6c — shared-memory tiles. The one idea: a block of TILE×TILE threads loads a TILE×TILE tile of A
// and of B into shared memory once, and every thread of the block reads them from there.
//
// Stage 4's cache blocking, by hand: shared memory is a small (up to 228 KB per multiprocessor on
// an H100) on-chip memory the program manages itself. Each element loaded from global memory is
// now used TILE times, so global traffic falls by a factor of TILE. The cost: two barriers per
// tile (every thread must finish loading before any reads, and finish reading before the next
// load overwrites), and each FMA still needs two shared-memory loads.

extension GPUKernel {
    static let sharedTilesBody = """
    KERNEL void matmul(int m, int n, int k, GLOBAL const float *RESTRICT a,
                       GLOBAL const float *RESTRICT b, GLOBAL float *RESTRICT c) {
        SHARED float aTile[TILE][TILE];
        SHARED float bTile[TILE][TILE];
        const int tx = THREAD_X, ty = THREAD_Y;
        const int row = BLOCK_Y * TILE + ty, col = BLOCK_X * TILE + tx;
        float sum = 0.0f;
        // lesson: 6c
        for (int p0 = 0; p0 < k; p0 += TILE) {
            // Each thread loads one element of each tile; outside A or B it stores 0, which adds
            // nothing to the sums, so sizes need not be multiples of TILE.
            aTile[ty][tx] = (row < m && p0 + tx < k) ? a[row * k + p0 + tx] : 0.0f;
            bTile[ty][tx] = (p0 + ty < k && col < n) ? b[(p0 + ty) * n + col] : 0.0f;
            SYNC_THREADS();
            for (int p = 0; p < TILE; p++) sum += aTile[ty][p] * bTile[p][tx];
            SYNC_THREADS();
        }
        // end lesson: 6c
        if (row < m && col < n) c[row * n + col] = sum;
    }
    """
}
