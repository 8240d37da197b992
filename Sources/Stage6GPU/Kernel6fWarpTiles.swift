// 6f — warp tiles. The one idea: a level of tiling between the block and the thread. A warp (32
// threads that issue together) owns a WM × WN sub-tile of the block's BM × BN tile, and its
// threads' patches lie inside that sub-tile. So the shared-memory values one warp reads for a step
// come from a WM-long strip of A and a WN-long strip of B, not the whole block's, and each thread
// computes WMITER × WNITER small TM × TN patches, WM / WMITER rows and WN / WNITER columns apart,
// from registers it loads once per step.
//
// The layout, with the standard sizes: 128 threads (4 warps) per block, a 128×128 tile of C, BK =
// 16; each warp a 64×64 sub-tile, split into WMITER × WNITER = 1 × 4 pieces of 64×16; in each
// piece the 32 threads form an 8 × 4 grid of 8×4 patches. A thread: 1 · 4 · 8 · 4 = 128 results.
// Simon Boehm's worklog "How to Optimize a CUDA Matmul Kernel for cuBLAS-like Performance"
// reports 93.7% of cuBLAS on an RTX A6000 at 4096² with warp tiling (his kernel 10); these are the
// sizes he reports there. What it costs: even more registers per thread (128 accumulators), and
// code that only pays on a GPU whose warps really run together. On OpenCL a "warp" is simply 32
// consecutive work-items: the product is the same on any device, the speed is not.

extension GPUKernel {
    static let warpTilesBody = """
    // A block of THREADS threads (THREADS / 32 warps) owns BM × BN of C; a warp owns WM × WN, in
    // WMITER × WNITER pieces of WSUBM × WSUBN; a thread owns a TM × TN patch of each piece.
    #define WARPS_X (BN / WN)
    #define WNITER (WN / WSUBN)
    #define WMITER (WM / WSUBM)
    #define LANES_X (WSUBN / TN)
    KERNEL void LAUNCH_BOUNDS(THREADS, 1) matmul(int m, int n, int k, GLOBAL const float *RESTRICT a,
                                                 GLOBAL const float *RESTRICT b, GLOBAL float *RESTRICT c) {
        SHARED float aTile[BK][BM];   // transposed, as in 6d
        SHARED float bTile[BK][BN];
        const int thread = THREAD_X, warp = thread / 32, lane = thread % 32;
        const int warpRow = warp / WARPS_X, warpCol = warp % WARPS_X;
        const int laneRow = lane / LANES_X, laneCol = lane % LANES_X;
        const int rowBase = BLOCK_Y * BM, colBase = BLOCK_X * BN;

        float acc[WMITER * TM][WNITER * TN];
        for (int i = 0; i < WMITER * TM; i++)
            for (int j = 0; j < WNITER * TN; j++) acc[i][j] = 0.0f;

        for (int p0 = 0; p0 < k; p0 += BK) {
            // The slices into shared memory, as 6d loads them (`sliceLoads`).
            \(sliceLoads)
            SYNC_THREADS();

            // lesson: 6f
            for (int p = 0; p < BK; p++) {
                float aValues[WMITER * TM], bValues[WNITER * TN];
                for (int wm = 0; wm < WMITER; wm++)
                    for (int i = 0; i < TM; i++)
                        aValues[wm * TM + i] = aTile[p][warpRow * WM + wm * WSUBM + laneRow * TM + i];
                for (int wn = 0; wn < WNITER; wn++)
                    for (int j = 0; j < TN; j++)
                        bValues[wn * TN + j] = bTile[p][warpCol * WN + wn * WSUBN + laneCol * TN + j];
                for (int i = 0; i < WMITER * TM; i++)
                    for (int j = 0; j < WNITER * TN; j++) acc[i][j] += aValues[i] * bValues[j];
            }
            // end lesson: 6f
            SYNC_THREADS();
        }

        for (int wm = 0; wm < WMITER; wm++)
            for (int i = 0; i < TM; i++) {
                const int row = rowBase + warpRow * WM + wm * WSUBM + laneRow * TM + i;
                if (row >= m) continue;
                for (int wn = 0; wn < WNITER; wn++) {
                    const int col = colBase + warpCol * WN + wn * WSUBN + laneCol * TN;
                    const int r = wm * TM + i, s = wn * TN;
                    for (int j = 0; j < TN; j += 4) {
                        if (col + j + 4 <= n && n % 4 == 0) {
                            STORE_FLOAT4(MAKE_FLOAT4(acc[r][s + j], acc[r][s + j + 1], acc[r][s + j + 2], acc[r][s + j + 3]),
                                         c, row * n + col + j);
                        } else {
                            for (int e = 0; e < 4; e++)
                                if (col + j + e < n) c[row * n + col + j + e] = acc[r][s + j + e];
                        }
                    }
                }
            }
    }
    """
}

/// 6f's sizes. The kernel assumes: THREADS = 32 × (BM / WM) × (BN / WN); WSUBM / TM × WSUBN / TN
/// = 32 (a warp's lanes cover one piece); BK, BN, TN multiples of 4.
struct WarpTiles {
    var threads: Int, bm: Int, bn: Int, bk: Int, wm: Int, wn: Int, wsubm: Int, wsubn: Int, tm: Int, tn: Int

    /// The sizes above (128 threads, 128×128×16, warps of 64×64, pieces 64×16, patches 8×4), or
    /// where a block may hold fewer than 128 threads one warp of 64×64×8 in pieces of 16×32, patches 4×4.
    static func standard(maxThreads: Int) -> WarpTiles {
        maxThreads >= 128
            ? WarpTiles(threads: 128, bm: 128, bn: 128, bk: 16, wm: 64, wn: 64, wsubm: 64, wsubn: 16, tm: 8, tn: 4)
            : WarpTiles(threads: 32, bm: 64, bn: 64, bk: 8, wm: 64, wn: 64, wsubm: 16, wsubn: 32, tm: 4, tn: 4)
    }

    /// Whether the sizes fit the kernel's assumptions.
    var isConsistent: Bool {
        threads == 32 * (bm / wm) * (bn / wn) && bm % wm == 0 && bn % wn == 0 && wm % wsubm == 0 && wn % wsubn == 0
            && (wsubm / tm) * (wsubn / tn) == 32 && wsubm % tm == 0 && wsubn % tn == 0
            && bk % 4 == 0 && bn % 4 == 0 && tn % 4 == 0
    }

    var sizes: GPUKernel.Sizes {
        GPUKernel.Sizes(threadsX: threads, threadsY: 1, spanX: bn, spanY: bm, defines: [
            ("THREADS", threads), ("BM", bm), ("BN", bn), ("BK", bk), ("WM", wm), ("WN", wn),
            ("WSUBM", wsubm), ("WSUBN", wsubn), ("TM", tm), ("TN", tn),
        ].map { .init(name: $0.0, value: $0.1) })
    }
}
