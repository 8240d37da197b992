// 6a — naive. The one idea: one thread per element of C, each running Stage 1's inner loop.
//
// What it costs: threads run in groups of 32 (a warp) that issue each load together. Here
// neighbouring threads (THREAD_X) take neighbouring ROWS of C, so one load instruction of a warp
// touches 32 different rows of A, k floats apart: 32 separate memory transactions where one would
// do. The same goes for the stores to C.

extension GPUKernel {
    static let naiveBody = """
    KERNEL void matmul(int m, int n, int k, GLOBAL const float *RESTRICT a,
                       GLOBAL const float *RESTRICT b, GLOBAL float *RESTRICT c) {
        // lesson: 6a
        const int row = BLOCK_X * BLOCK_SIZE_X + THREAD_X;   // x walks down the rows of C
        const int col = BLOCK_Y * BLOCK_SIZE_Y + THREAD_Y;
        if (row < m && col < n) {
            float sum = 0.0f;
            for (int p = 0; p < k; p++) sum += a[row * k + p] * b[p * n + col];
            c[row * n + col] = sum;
        }
        // end lesson: 6a
    }
    """
}
