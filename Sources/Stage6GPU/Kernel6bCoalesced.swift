// 6b — coalesced. The one idea: let neighbouring threads take neighbouring COLUMNS of C.
//
// The only change from 6a is which index THREAD_X feeds. Now a warp's 32 threads share one row
// of A (one load, broadcast to all) and read 32 consecutive floats of a row of B and write 32
// consecutive floats of C: each is one 128-byte transaction, "coalesced". Every thread still
// reads all of its row of A and column of B from global memory: 2 loads per FMA.

extension GPUKernel {
    static let coalescedBody = """
    KERNEL void matmul(int m, int n, int k, GLOBAL const float *RESTRICT a,
                       GLOBAL const float *RESTRICT b, GLOBAL float *RESTRICT c) {
        // lesson: 6b
        const int col = BLOCK_X * BLOCK_SIZE_X + THREAD_X;   // x walks along a row of C
        const int row = BLOCK_Y * BLOCK_SIZE_Y + THREAD_Y;
        // end lesson: 6b
        if (row < m && col < n) {
            float sum = 0.0f;
            for (int p = 0; p < k; p++) sum += a[row * k + p] * b[p * n + col];
            c[row * n + col] = sum;
        }
    }
    """
}
