// Stage 5b — a second library: BLIS. OpenBLAS is one answer to "as fast as the machine allows";
// BLIS is another, built around the same five loops as Stage 4, with its micro-kernel as the only
// part written per CPU. Stage 4 is measured against the faster of the two on each product.
//
// BLIS is opened while the program runs (dlopen), not linked: both libraries define the BLAS
// names (sgemm_, cblas_sgemm), and linking both would let the loader pick either one for Stage 5.
// Opened with RTLD_LOCAL, BLIS's names stay out of the program's way; Stage 5b calls BLIS's own
// typed interface, `bli_sgemm`, which takes a row stride and a column stride per matrix, so a
// row-major view (or a transposed one) is passed as it is, with no transpose flags.

import Glibc
import MatmulCore
import Synchronization

/// Matrix product by BLIS's `bli_sgemm` (Debian's libblis, opened at run time), on a chosen
/// number of threads.
public struct BLISMatmul: MatmulStage {
    public let id = "5b"
    public let name = "BLIS"
    public let change = "BLIS bli_sgemm: the same five loops as Stage 4, its own kernels"
    public let threads: Int

    /// - Parameter threads: how many threads BLIS may use for each product (at least 1).
    public init(threads: Int = 1) {
        self.threads = max(1, threads)
    }

    /// Compared with OpenBLAS: the two libraries are two answers to one question.
    public var baseline: Baseline { .stage(id: "5") }

    public var note: String? {
        guard let blis = try? BLIS.library.get() else { return nil }
        return ([blis.description] + LibraryKernels.blis.remarks(current: blis.architecture)).joined(separator: "; ")
    }

    /// The kernel configuration BLIS chose (or was told to use), e.g. "haswell"; nil without BLIS.
    public static var architecture: String? { try? BLIS.library.get().architecture }

    /// BLIS's number for configuration `name` (what BLIS_ARCH_TYPE takes), or nil.
    public static func architectureNumber(_ name: String) -> Int? {
        (try? BLIS.library.get())?.architectures.firstIndex(of: name)
    }

    public var unavailableReason: String? {
        if case .failure(let error) = BLIS.library { error.reason } else { nil }
    }

    /// `a · b`.
    public func multiply(_ a: Matrix, _ b: Matrix) throws -> Matrix {
        try productOnViews(a, b) { try gemm(alpha: 1, $0, $1, beta: 0, $2) }
    }

    /// C ← α·A·B + β·C by `bli_sgemm`, each view passed with its row and column strides.
    public func gemm(alpha: Float, _ a: MatrixView, _ b: MatrixView, beta: Float, _ c: MatrixView) throws {
        let shape = try GEMMShape(a, b, c)
        let blis = try BLIS.library.get()
        guard shape.needsProduct(alpha: alpha) else { return c.scale(by: beta) }
        // Element (i, j) of a view is at base + i·rowStride + j·columnStride.
        func strides(_ view: MatrixView) -> (Int, Int) { view.isTransposed ? (1, view.stride) : (view.stride, 1) }
        let (rsa, csa) = strides(a), (rsb, csb) = strides(b), (rsc, csc) = strides(c)
        var alpha = alpha, beta = beta
        // The thread count is global state in BLIS, as in OpenBLAS: set it and multiply under one lock.
        blisLock.withLock { _ in
            blis.setThreads(threads)
            blis.sgemm(0, 0, shape.m, shape.n, shape.k, &alpha, UnsafeMutablePointer(mutating: a.base), rsa, csa,
                       UnsafeMutablePointer(mutating: b.base), rsb, csb, &beta, c.base, rsc, csc)
        }
    }
}

/// BLIS could not be used; the reason says what to install.
public struct BLISError: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}

private let blisLock = Mutex(())

/// The three BLIS functions Stage 5b calls, found once in libblis.so.4.
private struct BLIS: Sendable, CustomStringConvertible {
    /// `void bli_sgemm(trans_t transa, trans_t transb, dim_t m, dim_t n, dim_t k, float* alpha,
    ///   float* a, inc_t rsa, inc_t csa, float* b, inc_t rsb, inc_t csb, float* beta,
    ///   float* c, inc_t rsc, inc_t csc)`, with trans_t a C enum (0: no transpose) and
    /// dim_t, inc_t 64-bit integers (Debian's build, blis.h: BLIS_INT_TYPE_SIZE 64 on 64-bit CPUs).
    typealias SGEMM = @convention(c) (Int32, Int32, Int, Int, Int, UnsafeMutablePointer<Float>,
                                      UnsafeMutablePointer<Float>, Int, Int, UnsafeMutablePointer<Float>, Int, Int,
                                      UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, Int, Int) -> Void
    let sgemm: SGEMM
    let setThreads: @convention(c) (Int) -> Void
    let version: String
    let architecture: String
    /// Every configuration name BLIS knows, by its number (`arch_t`): BLIS 0.9 reads
    /// BLIS_ARCH_TYPE as that number ("0" is skx), not as a name.
    let architectures: [String]

    var description: String { "BLIS \(version), kernels: \(architecture)" }

    /// BLIS, or why it cannot be opened (and what to install).
    static let library: Result<BLIS, BLISError> = {
        let name = "libblis.so.4"
        guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) else {
            let message = dlerror().map { String(cString: $0) } ?? "\(name) not found"
            return .failure(BLISError(reason: "BLIS is not installed (\(message)): apt-get install libblis4-pthread"))
        }
        func symbol<T>(_ name: String, as type: T.Type) -> T? {
            dlsym(handle, name).map { unsafeBitCast($0, to: type) }
        }
        typealias Text = @convention(c) () -> UnsafePointer<CChar>
        typealias ArchString = @convention(c) (Int32) -> UnsafePointer<CChar>
        guard let initialize = symbol("bli_init", as: (@convention(c) () -> Void).self),
              let sgemm = symbol("bli_sgemm", as: SGEMM.self),
              let setThreads = symbol("bli_thread_set_num_threads", as: (@convention(c) (Int) -> Void).self),
              let version = symbol("bli_info_get_version_str", as: Text.self),
              let archID = symbol("bli_arch_query_id", as: (@convention(c) () -> Int32).self),
              let archString = symbol("bli_arch_string", as: ArchString.self) else {
            return .failure(BLISError(reason: "\(name) lacks bli_sgemm or the functions beside it; is it BLIS 0.9 or later?"))
        }
        // Before asking which configuration BLIS runs: with BLIS_ARCH_TYPE set, asking an
        // uninitialized BLIS aborts the process ("Accessed uninitialized context in gks").
        initialize()
        // The names in arch_t's order; "generic" is the last one in BLIS 0.9.
        var architectures: [String] = []
        while architectures.last != "generic", architectures.count < 64 {
            architectures.append(String(cString: archString(Int32(architectures.count))))
        }
        return .success(BLIS(sgemm: sgemm, setThreads: setThreads, version: String(cString: version()),
                    architecture: String(cString: archString(archID())), architectures: architectures))
    }()
}
