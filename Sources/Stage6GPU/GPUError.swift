/// Why a GPU product could not run. Each message says what was missing or what failed, with the
/// library's own error text, so a reader knows what to install or change.
public enum GPUError: Error, CustomStringConvertible, Equatable {
    /// No candidate file of a library could be opened.
    case libraryMissing(String, tried: [String], lastError: String)
    /// A library opened but lacks a function this code calls (too old a version).
    case symbolMissing(String, library: String)
    /// The library loaded but found no device to run on.
    case noDevice(String)
    /// A kernel did not compile; `log` is the compiler's output.
    case compileFailed(kernel: String, log: String)
    /// A call into a GPU library returned an error code.
    case call(String, code: Int, message: String)
    /// The product is larger than the kernels' 32-bit indices or the launch grid allow.
    case tooLarge(String)
    /// A kernel wrote into the guard zone after C.
    case wroteOutsideC(String)
    /// An earlier kernel faulted, and CUDA refuses all work in this process from then on.
    indirect case contextLost(after: GPUError)

    public var description: String {
        switch self {
        case let .libraryMissing(what, tried, lastError):
            return "no \(what): could not open \(tried.joined(separator: ", ")) (\(lastError))"
        case let .symbolMissing(name, library):
            return "\(library) has no function \(name); it is too old for this code"
        case let .noDevice(what): return what
        case let .compileFailed(kernel, log): return "kernel \(kernel) did not compile:\n\(log)"
        case let .call(function, code, message): return "\(function) failed with error \(code): \(message)"
        case let .tooLarge(what): return what
        case let .wroteOutsideC(what): return what
        case let .contextLost(fault):
            return "CUDA stopped working in this process when an earlier product faulted (\(fault)); "
                + "nothing more can run on CUDA until the program starts again (gpu-check runs each kernel in a process of its own)"
        }
    }
}
