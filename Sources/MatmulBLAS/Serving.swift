// Which stage serves the library's calls, what happens when it cannot, and how a program can
// tell that this library (and not the BLAS it was linked with) did the work.
//
// Environment (read once, at the first call):
//   MATMUL_BLAS_STAGE=4|4s|you   the stage behind sgemm_/cblas_sgemm (default 4)
//   MATMUL_BLAS_THREADS=N        its threads (default: the CPUs online)
//   MATMUL_BLAS_VERBOSE=1        one line on stderr per call: the call, who served it, how long

#if canImport(Glibc)
import Glibc
#endif
import CBLASCallbacks
import MatmulCore
import Stage4Blocked
import Synchronization
import YourTurn

// MARK: - Serving a call

/// Computes one checked, non-empty request with the configured stage, or with Stage 4 when that
/// stage throws (saying so on stderr, once).
func serve(_ request: Request) {
    guard !request.isNoOp else { return }
    let (a, b, c) = request.views
    let settings = Settings.current
    let start = ContinuousClock.now
    var servedBy = settings.stage
    if Reentry.isInside {
        // A stage inside this library called cblas_sgemm itself (Stage 5, say, under your kernel):
        // that name now resolves to this library, not to OpenBLAS. Stage 4 serves the inner call.
        Warnings.once(.nested, "a stage called sgemm from inside libMatmulBLAS (Stage 5's OpenBLAS "
            + "call resolves to this library while it is loaded); Stage 4 serves such inner calls")
        servedBy = settings.fallback
        serveWithFallback(request, a, b, c, settings: settings)
    } else {
        Reentry.enter()
        defer { Reentry.leave() }
        do {
            // A stage that says it cannot run (your kernel, not written yet) is not asked: its
            // inherited gemm would copy A and B before finding out.
            if let reason = settings.stage.unavailableReason { throw Unavailable(reason: reason) }
            try settings.stage.gemm(alpha: request.alpha, a, b, beta: request.beta, c)
        } catch {
            // The stage left C untouched (the contract says so when it throws): Stage 4 starts afresh.
            Warnings.once(.stageFailed, "MATMUL_BLAS_STAGE=\(settings.stage.id) cannot serve \(request.description): "
                + "\(error). Stage 4 serves this call and every other one it cannot")
            servedBy = settings.fallback
            serveWithFallback(request, a, b, c, settings: settings)
        }
    }
    Counters.calls.add(1, ordering: .relaxed)
    if settings.verbose {
        let ms = secondsSince(start) * 1000
        report("\(request.description) → stage \(servedBy.id) (\(servedBy.name), \(servedBy.threads) "
            + "thread\(servedBy.threads == 1 ? "" : "s")) in \(Int(ms * 1000) / 1000) ms")
    }
}

private func serveWithFallback(_ request: Request, _ a: MatrixView, _ b: MatrixView, _ c: MatrixView, settings: Settings) {
    do {
        try settings.fallback.gemm(alpha: request.alpha, a, b, beta: request.beta, c)
    } catch {
        // Unreachable for checked arguments; said rather than swallowed if it ever happens.
        report("Stage 4 could not serve \(request.description) either: \(error); C is unchanged")
    }
}

/// Why a stage was not asked to serve a call.
struct Unavailable: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}

/// The settings read from the environment at the first call.
struct Settings: @unchecked Sendable {
    let stage: any MatmulStage
    let fallback: BlockedMatmul
    let verbose: Bool

    static let current: Settings = {
        let environment = { (name: String) in getenv(name).map { String(cString: $0) } }
        let online = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        var threads = online
        if let text = environment("MATMUL_BLAS_THREADS") {
            if let value = Int(text), (1...1024).contains(value) {
                threads = value
            } else {
                report("MATMUL_BLAS_THREADS=\(text) is not a thread count from 1 to 1024; using \(online) (the CPUs online)")
            }
        }
        let fallback = BlockedMatmul(threads: threads)
        var stage: any MatmulStage = fallback
        switch environment("MATMUL_BLAS_STAGE") {
        case nil, "4": break
        case "4s": stage = StrassenMatmul(threads: threads)
        case "you": stage = YourMatmul(threads: threads)
        case let other?:
            report("MATMUL_BLAS_STAGE=\(other) is not a stage this library serves (4, 4s or you); Stage 4 serves every call")
        }
        return Settings(stage: stage, fallback: fallback, verbose: environment("MATMUL_BLAS_VERBOSE") == "1")
    }()
}

/// One line on stderr (one write, so lines from two threads do not interleave), prefixed with the library's name.
func report(_ line: String) {
    let text = "libMatmulBLAS: \(line)\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
}

/// Messages that are said once per process, however many calls hit the same problem.
enum Warnings {
    enum Kind: Int { case nested, stageFailed }
    private static let said = Atomic<Int>(0)

    static func once(_ kind: Kind, _ message: @autoclosure () -> String) {
        let bit = 1 << kind.rawValue
        if said.bitwiseOr(bit, ordering: .relaxed).oldValue & bit == 0 { report(message()) }
    }
}

/// Whether this thread is already inside one of the library's calls.
enum Reentry {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    static var isInside: Bool { pthread_getspecific(key) != nil }
    static func enter() { pthread_setspecific(key, UnsafeRawPointer(bitPattern: 1)) }
    static func leave() { pthread_setspecific(key, nil) }
}

// MARK: - Asking the library what it did

enum Counters {
    static let calls = Atomic<Int>(0)
}

/// How many sgemm_/cblas_sgemm calls this library has computed in this process (calls with
/// nothing to do, such as an empty C, are not counted). A program compares it before and after
/// a product to know that this library served it.
@_cdecl("matmul_blas_calls")
public func matmulBLASCalls() -> Int64 {
    Int64(Counters.calls.load(ordering: .relaxed))
}

/// The id of the stage serving the calls ("4", "4s", "you"), as a C string that lives for the process.
@_cdecl("matmul_blas_stage")
public func matmulBLASStage() -> UnsafePointer<CChar> {
    stageName
}

private nonisolated(unsafe) let stageName: UnsafePointer<CChar> = {
    let id = Settings.current.stage.id
    let copy = UnsafeMutablePointer<CChar>.allocate(capacity: id.utf8.count + 1)
    _ = id.withCString { strcpy(copy, $0) }
    return UnsafePointer(copy)
}()

// MARK: - Reporting a bad argument

/// Sends a bad argument's number to the program's error handler, as reference BLAS does; when
/// the program has none, says it on stderr (the reference's handler would also stop the program).
enum ErrorHandler {
    static let fortranNames = ["TRANSA", "TRANSB", "M", "N", "K", "ALPHA", "A", "LDA", "B", "LDB", "BETA", "C", "LDC"]
    static let cblasNames = ["Layout", "TransA", "TransB", "M", "N", "K", "alpha", "A", "lda", "B", "ldb", "beta", "C", "ldc"]

    /// `XERBLA('SGEMM ', info)`: the routine's name padded to 6 characters, as Fortran passes it.
    static func fortran(argument info: Int32) {
        if let handler = dlsym(nil, "xerbla_") {
            matmul_call_xerbla(handler, "SGEMM ", info, 6)
        } else {
            report("sgemm_: argument \(info) (\(fortranNames[Int(info) - 1])) has an illegal value")
        }
    }

    /// `cblas_xerbla(info, "cblas_sgemm", "")`, with `info` as the reference CBLAS reports it. For a
    /// row-major call that is the number in the swapped Fortran call (M and N, lda and ldb trade
    /// places); the reference sets its global `RowMajorStrg` so that the handler can map it back,
    /// and so does this library when the program has that global.
    static func cblas(argument info: Int32, rowMajor: Bool) {
        let rowMajorFlag = dlsym(nil, "RowMajorStrg")?.assumingMemoryBound(to: Int32.self)
        rowMajorFlag?.pointee = rowMajor ? 1 : 0
        defer { rowMajorFlag?.pointee = 0 }
        if let handler = dlsym(nil, "cblas_xerbla") {
            matmul_call_cblas_xerbla(handler, info, "cblas_sgemm")
        } else {
            let swapped: [Int32: Int32] = [4: 5, 5: 4, 9: 11, 11: 9]
            let argument = rowMajor ? swapped[info] ?? info : info
            report("cblas_sgemm: argument \(argument) (\(cblasNames[Int(argument) - 1])) has an illegal value")
        }
    }
}
