// 6e — tuned tiles. The one idea: 6d's sizes (a 128×128 block tile, k-slices of 8, 8×8 results per
// thread) were chosen by hand for one kind of GPU; which sizes are fastest depends on the device
// (its registers, shared memory, multiprocessors) and on n. 6e is 6d with every size a parameter,
// and a tuner (GPUTuner.swift, `gpu-check --tune`) times the candidates on the device at hand and
// records the winner for that device; 6e then runs with it.
//
// The parameters: a block of (BM / TM) × (BN / TN) threads owns a BM × BN tile of C and loads
// BK-long slices of A and B into shared memory per step; each thread computes a TM × TN patch
// (rows ty·TM…, columns tx·TN…, one contiguous patch, where 6d splits its 8×8 into four 4×4s).
// What it costs: each candidate is another kernel to compile and time, and a tuned choice holds
// for the device and size it was tuned on.

extension GPUKernel {
    static let tunedTilesBody = """
    // BM × BN tile of C per block, BK-long slices, TM × TN results per thread (BK, BN, TN multiples of 4).
    #define THREADS_X (BN / TN)
    #define THREADS ((BM / TM) * (BN / TN))
    KERNEL void LAUNCH_BOUNDS(THREADS, 1) matmul(int m, int n, int k, GLOBAL const float *RESTRICT a,
                                                 GLOBAL const float *RESTRICT b, GLOBAL float *RESTRICT c) {
        SHARED float aTile[BK][BM];   // transposed, as in 6d
        SHARED float bTile[BK][BN];
        const int tx = THREAD_X, ty = THREAD_Y, thread = ty * THREADS_X + tx;
        const int rowBase = BLOCK_Y * BM, colBase = BLOCK_X * BN;

        float acc[TM][TN];
        for (int i = 0; i < TM; i++)
            for (int j = 0; j < TN; j++) acc[i][j] = 0.0f;

        for (int p0 = 0; p0 < k; p0 += BK) {
            // The slices into shared memory, as 6d loads them (`sliceLoads`).
            \(sliceLoads)
            SYNC_THREADS();

            #pragma unroll
            for (int p = 0; p < BK; p++) {
                float aValues[TM], bValues[TN];
                for (int i = 0; i < TM; i++) aValues[i] = aTile[p][ty * TM + i];
                for (int j = 0; j < TN; j++) bValues[j] = bTile[p][tx * TN + j];
                for (int i = 0; i < TM; i++)
                    for (int j = 0; j < TN; j++) acc[i][j] += aValues[i] * bValues[j];
            }
            SYNC_THREADS();
        }

        for (int i = 0; i < TM; i++) {
            const int row = rowBase + ty * TM + i;
            if (row >= m) continue;
            for (int j = 0; j < TN; j += 4) {
                const int col = colBase + tx * TN + j;
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

/// 6e's sizes: a BM × BN tile of C per block, BK-long slices of A and B per step, TM × TN results
/// per thread.
public struct TileSizes: Hashable, Sendable, CustomStringConvertible {
    public var bm: Int, bn: Int, bk: Int, tm: Int, tn: Int

    public init(bm: Int, bn: Int, bk: Int, tm: Int, tn: Int) {
        (self.bm, self.bn, self.bk, self.tm, self.tn) = (bm, bn, bk, tm, tn)
    }

    /// 6d's sizes, which 6e runs with until the tuner has chosen: 128×128×8 and 8×8 per thread
    /// (64×64×8 and 8×8 where a block may hold fewer than 256 threads).
    public static func standard(maxThreads: Int) -> TileSizes {
        maxThreads >= 256 ? TileSizes(bm: 128, bn: 128, bk: 8, tm: 8, tn: 8) : TileSizes(bm: 64, bn: 64, bk: 8, tm: 8, tn: 8)
    }

    public var threads: Int { (bm / tm) * (bn / tn) }
    /// Shared memory a block uses: its slices of A and B.
    public var sharedBytes: Int { (bm + bn) * bk * 4 }

    /// Why the kernel cannot run with these sizes on a device allowing `maxThreads` threads per
    /// block, or nil if it can. The kernel loads and stores four floats at a time (BK, BN and TN
    /// multiples of 4), and a static shared array may hold at most 48 KiB on CUDA.
    public func problem(maxThreads: Int) -> String? {
        if [bm, bn, bk, tm, tn].contains(where: { $0 <= 0 }) { return "sizes must be positive" }
        if bm % tm != 0 || bn % tn != 0 { return "TM must divide BM and TN divide BN" }
        if bk % 4 != 0 || bn % 4 != 0 || tn % 4 != 0 { return "BK, BN and TN must be multiples of 4" }
        if threads > maxThreads { return "\(threads) threads per block, more than the device's \(maxThreads)" }
        if sharedBytes > 48 * 1024 { return "\(sharedBytes) bytes of shared memory, more than 48 KiB" }
        return nil
    }

    var defines: [GPUKernel.Sizes.Define] {
        [("BM", bm), ("BN", bn), ("BK", bk), ("TM", tm), ("TN", tn)].map { .init(name: $0.0, value: $0.1) }
    }

    /// "BM=128 BN=128 BK=8 TM=8 TN=8".
    public var description: String { "BM=\(bm) BN=\(bn) BK=\(bk) TM=\(tm) TN=\(tn)" }

    /// Reads `description` back.
    public init?(_ text: String) {
        var values: [String: Int] = [:]
        for field in text.split(separator: " ") {
            let parts = field.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2, let value = Int(parts[1]), values[String(parts[0])] == nil else { return nil }
            values[String(parts[0])] = value
        }
        guard values.count == 5, let bm = values["BM"], let bn = values["BN"], let bk = values["BK"],
              let tm = values["TM"], let tn = values["TN"] else { return nil }
        self.init(bm: bm, bn: bn, bk: bk, tm: tm, tn: tn)
    }
}
