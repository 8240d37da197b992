// Stage 5 — BLAS. The one idea: call the library that people spend careers tuning.
//
// `cblas_sgemm` from OpenBLAS computes C = α·A·B + β·C with cache-blocked loops, packed panels
// and hand-written SIMD kernels in assembly, chosen at run time for the CPU it finds
// (`openblas_get_corename()` says which). Debian's OpenBLAS 0.3.21 can pick an older kernel
// family than the CPU supports; `OPENBLAS_CORETYPE=SkylakeX` (or Haswell, Zen, …) in the
// environment overrides its choice, which is how to compare them.

import COpenBLAS
import MatmulCore
import Synchronization

/// Matrix product by OpenBLAS's `cblas_sgemm`, on a chosen number of threads.
public struct BLASMatmul: MatmulStage {
    public let id = "5"
    public let name = "BLAS"
    public let change = "OpenBLAS cblas_sgemm: blocked, packed, hand-written SIMD kernels"
    public let threads: Int

    /// - Parameter threads: how many threads OpenBLAS may use for each product (at least 1).
    public init(threads: Int = 1) {
        self.threads = max(1, threads)
    }

    /// Which OpenBLAS kernel family is in use, e.g. "Haswell" or "SkylakeX".
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// OpenBLAS's build configuration, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64".
    public static var configuration: String { String(cString: openblas_get_config()) }

    public var note: String? {
        (["OpenBLAS core: \(Self.coreName)"] + LibraryKernels.openBLAS.remarks(current: Self.coreName)).joined(separator: "; ")
    }

    /// Why OpenBLAS's kernels cannot run here, or nil. `OPENBLAS_CORETYPE` can force AVX-512
    /// kernels (SkylakeX, Cooperlake, SapphireRapids) onto a CPU without AVX-512, where the first
    /// product would die with an illegal instruction; Stage 5 throws this instead.
    public static let unsupportedCore: String? = {
        let avx512Cores: Set<String> = ["skylakex", "cooperlake", "sapphirerapids"]
        guard avx512Cores.contains(coreName.lowercased()), !HostCPU.hasAVX512 else { return nil }
        return "OpenBLAS core \(coreName) needs AVX-512, which this CPU lacks (no avx512f in /proc/cpuinfo); "
            + "unset OPENBLAS_CORETYPE or choose a core this CPU runs, such as Haswell or Zen"
    }()

    /// `a · b`.
    /// - Throws: `MatmulError.shapeMismatch`, or `.tooLarge` when a dimension exceeds `Int32.max`.
    public func multiply(_ a: Matrix, _ b: Matrix) throws -> Matrix {
        let shape = try ProductShape(a, b)
        let limit = Int(Int32.max)
        guard shape.m <= limit, shape.k <= limit, shape.n <= limit else {
            throw MatmulError.tooLarge(a.shape, limit: limit)
        }
        if let reason = Self.unsupportedCore { throw BLASError(reason: reason) }
        var c = shape.zeroResult()
        // BLAS rejects a leading dimension of 0; an empty product needs no call at all, and
        // k = 0 leaves C as zeros, which it already is.
        guard shape.m > 0, shape.n > 0, shape.k > 0 else { return c }
        let (m, k, n) = (Int32(shape.m), Int32(shape.k), Int32(shape.n))
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    // The thread count is global state in OpenBLAS: set it and multiply under
                    // one lock so two callers with different counts cannot interleave.
                    // lesson: sgemm-call
                    openBLASLock.withLock { _ in
                        openblas_set_num_threads(Int32(clamping: threads))
                        // Row-major, no transposes: lda = k, ldb = n, ldc = n. β = 0, so C is only written.
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k,
                                    1, a.baseAddress, k, b.baseAddress, n, 0, c.baseAddress, n)
                    }
                    // end lesson: sgemm-call
                }
            }
        }
        return c
    }

    /// C ← α·A·B + β·C: `cblas_sgemm` with the views' leading dimensions and transposes passed
    /// straight through, the call Stage 5 was always making with α = 1, β = 0.
    /// - Throws: as `multiply`; also `.tooLarge` when a leading dimension exceeds `Int32.max`.
    public func gemm(alpha: Float, _ a: MatrixView, _ b: MatrixView, beta: Float, _ c: MatrixView) throws {
        let shape = try GEMMShape(a, b, c)
        // A column-major C: Cᵀ = Bᵀ·Aᵀ on the same memory, so every call below is row-major.
        if c.isTransposed {
            return try gemm(alpha: alpha, b.transposed(), a.transposed(), beta: beta, c.transposed())
        }
        let limit = Int(Int32.max)
        for view in [a, b, c] where max(view.rows, view.columns, view.stride) > limit {
            throw MatmulError.tooLarge(view.shape, limit: limit)
        }
        if let reason = Self.unsupportedCore { throw BLASError(reason: reason) }
        // α = 0 (or k = 0) is C ← β·C, done here: Debian's OpenBLAS 0.3.21 still multiplies
        // with α = 0, so a NaN in A or B would reach C, against BLAS's rule that A and B are not
        // read (the shared GEMM checks caught it: GEMMCheck's "NaN in A and B" case).
        guard shape.needsProduct(alpha: alpha) else { return c.scale(by: beta) }
        func transpose(_ view: MatrixView) -> CBLAS_TRANSPOSE { view.isTransposed ? CblasTrans : CblasNoTrans }
        openBLASLock.withLock { _ in
            openblas_set_num_threads(Int32(clamping: threads))
            cblas_sgemm(CblasRowMajor, transpose(a), transpose(b), Int32(shape.m), Int32(shape.n), Int32(shape.k),
                        alpha, a.base, Int32(a.stride), b.base, Int32(b.stride), beta, c.base, Int32(c.stride))
        }
    }
}

/// OpenBLAS cannot run on this machine as configured; the reason says what to change.
public struct BLASError: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}

private let openBLASLock = Mutex(())
