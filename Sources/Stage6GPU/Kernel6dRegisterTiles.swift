// 6d — register tiles. The one idea: each thread computes an 8×8 patch of C in registers, so each
// value it reads from shared memory feeds 8 FMAs instead of 1.
//
// Stage 4's micro-kernel, on the GPU. A block of 16×16 threads owns a BM×BN = 128×128 tile of C.
// For each step of BK = 8 along k it loads a 128×8 slice of A and an 8×128 slice of B into shared
// memory, four floats per load instruction (float4: fewer, wider transactions), storing A's slice
// transposed so that a column of it is contiguous. Then, for each of the 8 values of p, a thread
// reads 8 values of A and 8 of B into registers and does 8×8 = 64 FMAs: 16 shared loads for 64
// FMAs, where 6c needed 128. A thread's 8 rows are two groups of 4, half a tile apart (and the same
// for columns), so the 16 threads along x read 16 consecutive float4s of a row of shared memory:
// no two threads of a warp wait on the same memory bank.
//
// What it costs: registers. 64 accumulators and 16 operands per thread, plus indices and addresses:
// left alone ptxas uses 162 per thread on sm_90, and a multiprocessor's 65536 then hold one block of
// 256 threads (occupancy 256 of 2048 threads); LAUNCH_BOUNDS asks for two. And tiles at the edges of C
// take a slower path with bounds checks and single-float loads.

extension GPUKernel {
    static let registerTilesBody = """
    // BM, BN: the block's tile of C; BK: the k-slice per step; 8×8 results per thread.
    #define THREADS ((BM / 8) * (BN / 8))
    // Two blocks per multiprocessor: without the bound ptxas gives each thread 162 registers (sm_90),
    // so only one 256-thread block fits in a multiprocessor's 65536; with it, at most 128.
    KERNEL void LAUNCH_BOUNDS(THREADS, 2) matmul(int m, int n, int k, GLOBAL const float *RESTRICT a,
                       GLOBAL const float *RESTRICT b, GLOBAL float *RESTRICT c) {
        SHARED float aTile[BK][BM];   // transposed: aTile[p][i] = A[rowBase + i][p0 + p]
        SHARED float bTile[BK][BN];   //             bTile[p][j] = B[p0 + p][colBase + j]
        const int tx = THREAD_X, ty = THREAD_Y, thread = ty * (BN / 8) + tx;
        const int rowBase = BLOCK_Y * BM, colBase = BLOCK_X * BN;

        float acc[8][8];
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < 8; j++) acc[i][j] = 0.0f;

        for (int p0 = 0; p0 < k; p0 += BK) {
            // Load the slices, a float4 at a time where the whole slice lies inside the matrix and
            // rows start on 16-byte boundaries; element by element, padding with 0, at the edges
            // (`sliceLoads`, below; 6e and 6f load theirs the same way).
            \(sliceLoads)
            SYNC_THREADS();

            #pragma unroll
            // lesson: 6d
            for (int p = 0; p < BK; p++) {
                float aValues[8], bValues[8];
                for (int e = 0; e < 4; e++) {
                    aValues[e] = aTile[p][ty * 4 + e];
                    aValues[e + 4] = aTile[p][BM / 2 + ty * 4 + e];
                    bValues[e] = bTile[p][tx * 4 + e];
                    bValues[e + 4] = bTile[p][BN / 2 + tx * 4 + e];
                }
                for (int i = 0; i < 8; i++)
                    for (int j = 0; j < 8; j++) acc[i][j] += aValues[i] * bValues[j];
            }
            // end lesson: 6d
            SYNC_THREADS();
        }

        // Store the 8×8 patch: rows ty*4.. and BM/2 + ty*4.., columns tx*4.. and BN/2 + tx*4...
        for (int i = 0; i < 8; i++) {
            const int row = rowBase + (i / 4) * (BM / 2) + ty * 4 + i % 4;
            if (row >= m) continue;
            for (int side = 0; side < 2; side++) {
                const int col = colBase + side * (BN / 2) + tx * 4;
                const int j = side * 4;
                if (col + 4 <= n && n % 4 == 0) {
                    STORE_FLOAT4(MAKE_FLOAT4(acc[i][j], acc[i][j + 1], acc[i][j + 2], acc[i][j + 3]), c, row * n + col);
                } else {
                    for (int e = 0; e < 4; e++)
                        if (col + e < n) c[row * n + col + e] = acc[i][j + e];
                }
            }
        }
    }
    """
}

extension GPUKernel {
    /// 6d's loads of one step's slices into shared memory, which 6e and 6f share: A's BM × BK slice
    /// (stored transposed) and B's BK × BN, a float4 at a time where the whole slice lies inside the
    /// matrix and rows start on 16-byte boundaries, element by element with zeros past the edges.
    /// Uses the kernel's `thread`, `rowBase`, `colBase`, `p0`, `aTile`, `bTile` and THREADS.
    static let sliceLoads = """
    const bool aInside = rowBase + BM <= m && p0 + BK <= k && k % 4 == 0;
    for (int q = thread; q < BM * BK / 4; q += THREADS) {
        const int i = q / (BK / 4), p = (q % (BK / 4)) * 4;
        if (aInside) {
            const float4 v = LOAD_FLOAT4(a, (rowBase + i) * k + p0 + p);
            aTile[p][i] = v.x; aTile[p + 1][i] = v.y; aTile[p + 2][i] = v.z; aTile[p + 3][i] = v.w;
        } else {
            for (int e = 0; e < 4; e++)
                aTile[p + e][i] = (rowBase + i < m && p0 + p + e < k) ? a[(rowBase + i) * k + p0 + p + e] : 0.0f;
        }
    }
    const bool bInside = colBase + BN <= n && p0 + BK <= k && n % 4 == 0;
    for (int q = thread; q < BK * BN / 4; q += THREADS) {
        const int p = q / (BN / 4), j = (q % (BN / 4)) * 4;
        if (bInside) {
            const float4 v = LOAD_FLOAT4(b, (p0 + p) * n + colBase + j);
            bTile[p][j] = v.x; bTile[p][j + 1] = v.y; bTile[p][j + 2] = v.z; bTile[p][j + 3] = v.w;
        } else {
            for (int e = 0; e < 4; e++)
                bTile[p][j + e] = (p0 + p < k && colBase + j + e < n) ? b[(p0 + p) * n + colBase + j + e] : 0.0f;
        }
    }
    """
}
