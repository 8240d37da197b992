// NVRTC, NVIDIA's run-time compiler: CUDA C++ source in, PTX (NVIDIA's virtual assembly) or a
// cubin (machine code for one GPU generation) out. It needs no GPU, so the CUDA kernels are
// compiled, and checked, on machines without one.
//
// Why a cubin: a driver only accepts PTX whose ISA version it knows, and an NVRTC newer than the
// driver writes PTX the driver rejects (CUDA_ERROR_UNSUPPORTED_PTX_VERSION). A cubin for the
// device's own architecture (sm_90 for compute capability 9.0) skips that step; PTX is the
// fallback when this NVRTC does not know the device's architecture.

import Foundation

public final class NVRTC: @unchecked Sendable {
    /// libnvrtc from the CUDA toolkit, opened on first use; or why it is missing. Set
    /// NVRTC_LIBRARY to a path to choose the file.
    public static let shared = Result { try NVRTC() }

    /// NVRTC's version, e.g. "12.9".
    public let version: String
    /// The architectures this NVRTC compiles for, e.g. [50, 52, …, 90, 100, 120] (sm_90 = 90).
    public let architectures: [Int]
    /// The file that was opened.
    public let path: String

    private let functions: Functions

    /// Opens libnvrtc: `path` if given, else NVRTC_LIBRARY, the CUDA toolkit's folders and the
    /// loader's search path, trying CUDA 13, 12 and 11's sonames.
    public init(path: String? = nil) throws {
        let sonames = ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so"]
        // Its builtins (libnvrtc-builtins.so.13.0 beside libnvrtc.so.13), opened first from the same folder.
        let library = try DynamicLibrary("NVRTC (CUDA's run-time compiler)", candidates: path.map { [$0] }
            ?? DynamicLibrary.candidates(sonames: sonames, variable: "NVRTC_LIBRARY", directories: cudaToolkitDirectories)) { name, folder in
            DynamicLibrary.files(in: folder, startingWith: "libnvrtc-builtins.so." + DynamicLibrary.majorVersion(of: name))
        }
        self.path = library.path
        functions = try Functions(library)
        var (major, minor) = (Int32(0), Int32(0))
        _ = functions.version(&major, &minor)
        version = "\(major).\(minor)"
        var count: Int32 = 0
        _ = functions.getNumSupportedArchs(&count)
        var archs = [Int32](repeating: 0, count: Int(count))
        _ = functions.getSupportedArchs(&archs)
        architectures = archs.map(Int.init)
    }

    /// What `compile` returns: the bytes `cuModuleLoadData` takes.
    public enum Output: Sendable {
        /// Machine code for exactly one architecture.
        case cubin(Data)
        /// Virtual assembly, zero-terminated text, which the driver compiles for its device.
        case ptx(Data)

        public var bytes: Data {
            switch self {
            case let .cubin(data), let .ptx(data): data
            }
        }
    }

    /// Compiles `source` for a device of compute capability `architecture` (90 for 9.0): a cubin
    /// when this NVRTC knows that architecture, else PTX for the newest one it knows below it.
    /// - Throws: `GPUError.compileFailed` with NVRTC's log; `GPUError.noDevice` when this NVRTC
    ///   knows no architecture at or below the device's.
    public func compile(_ source: String, name: String, architecture: Int) throws -> Output {
        try compileWithLog(source, name: name, architecture: architecture).output
    }

    /// What ptxas reports of a kernel compiled for `architecture` (which this NVRTC must know):
    /// registers per thread and bytes spilled to local memory.
    public func resources(_ source: String, name: String, architecture: Int) throws -> (registers: Int, spilledBytes: Int) {
        guard architectures.contains(architecture) else {
            throw GPUError.noDevice("NVRTC \(version) cannot compile for sm_\(architecture)")
        }
        let log = try compileWithLog(source, name: name, architecture: architecture, options: ["--ptxas-options=-v"]).log
        // ptxas writes e.g. "Used 123 registers, …" and "0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads".
        func number(_ pattern: String) -> Int? {
            (try? Regex<(Substring, Substring)>(pattern)).flatMap { log.firstMatch(of: $0) }.flatMap { Int($0.output.1) }
        }
        guard let registers = number(#"Used (\d+) registers"#) else {
            throw GPUError.compileFailed(kernel: name, log: "ptxas reported no register count:\n" + log)
        }
        return (registers, (number(#"(\d+) bytes spill stores"#) ?? 0) + (number(#"(\d+) bytes spill loads"#) ?? 0))
    }

    private func compileWithLog(_ source: String, name: String, architecture: Int,
                                options extra: [String] = []) throws -> (output: Output, log: String) {
        let cubin = architectures.contains(architecture)
        guard let target = cubin ? architecture : architectures.filter({ $0 <= architecture }).max() else {
            throw GPUError.noDevice("NVRTC \(version) compiles for \(architectures.map { "sm_\($0)" }.joined(separator: ", ")), "
                + "nothing at or below this device's sm_\(architecture)")
        }
        var program: OpaquePointer?
        try check(source.withCString { functions.createProgram(&program, $0, name, 0, nil, nil) }, "nvrtcCreateProgram")
        defer { _ = functions.destroyProgram(&program) }

        let options = [cubin ? "--gpu-architecture=sm_\(target)" : "--gpu-architecture=compute_\(target)"] + extra
        let status = withCStrings(options) { functions.compileProgram(program, Int32(options.count), $0) }
        var logSize = 0
        _ = functions.getProgramLogSize(program, &logSize)
        var log = [CChar](repeating: 0, count: logSize + 1)
        _ = functions.getProgramLog(program, &log)
        guard status == 0 else {
            if status == 7 {   // NVRTC_ERROR_BUILTIN_OPERATION_FAILURE: most often its builtins library is not found
                throw GPUError.compileFailed(kernel: name, log: "NVRTC \(version) could not compile (status 7): it did not find "
                    + "libnvrtc-builtins.so.\(version); keep it in the folder of \(path)\n" + cText(log))
            }
            throw GPUError.compileFailed(kernel: name, log: cText(log))
        }
        var size = 0
        try check(cubin ? functions.getCUBINSize(program, &size) : functions.getPTXSize(program, &size), "nvrtcGet…Size")
        var bytes = Data(count: size)
        try bytes.withUnsafeMutableBytes { raw in
            let pointer = raw.baseAddress!.assumingMemoryBound(to: CChar.self)
            try check(cubin ? functions.getCUBIN(program, pointer) : functions.getPTX(program, pointer), "nvrtcGet…")
        }
        return (cubin ? .cubin(bytes) : .ptx(bytes), cText(log))
    }

    private func check(_ status: Int32, _ function: String) throws {
        guard status == 0 else {
            throw GPUError.call(function, code: Int(status), message: String(cString: functions.errorString(status)))
        }
    }

    /// The NVRTC functions this code calls, with the C signatures of nvrtc.h (size_t = Int).
    private struct Functions {
        let library: DynamicLibrary
        let version: @convention(c) (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>) -> Int32
        let getNumSupportedArchs: @convention(c) (UnsafeMutablePointer<Int32>) -> Int32
        let getSupportedArchs: @convention(c) (UnsafeMutablePointer<Int32>) -> Int32
        let createProgram: @convention(c) (UnsafeMutablePointer<OpaquePointer?>, UnsafePointer<CChar>, UnsafePointer<CChar>?, Int32,
                                           UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<UnsafePointer<CChar>?>?) -> Int32
        let compileProgram: @convention(c) (OpaquePointer?, Int32, UnsafePointer<UnsafePointer<CChar>?>?) -> Int32
        let getProgramLogSize: @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int>) -> Int32
        let getProgramLog: @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>) -> Int32
        let getCUBINSize: @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int>) -> Int32
        let getCUBIN: @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>) -> Int32
        let getPTXSize: @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int>) -> Int32
        let getPTX: @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>) -> Int32
        let destroyProgram: @convention(c) (UnsafeMutablePointer<OpaquePointer?>) -> Int32
        let errorString: @convention(c) (Int32) -> UnsafePointer<CChar>

        init(_ library: DynamicLibrary) throws {
            self.library = library
            version = try library.function("nvrtcVersion")
            getNumSupportedArchs = try library.function("nvrtcGetNumSupportedArchs")
            getSupportedArchs = try library.function("nvrtcGetSupportedArchs")
            createProgram = try library.function("nvrtcCreateProgram")
            compileProgram = try library.function("nvrtcCompileProgram")
            getProgramLogSize = try library.function("nvrtcGetProgramLogSize")
            getProgramLog = try library.function("nvrtcGetProgramLog")
            getCUBINSize = try library.function("nvrtcGetCUBINSize")
            getCUBIN = try library.function("nvrtcGetCUBIN")
            getPTXSize = try library.function("nvrtcGetPTXSize")
            getPTX = try library.function("nvrtcGetPTX")
            destroyProgram = try library.function("nvrtcDestroyProgram")
            errorString = try library.function("nvrtcGetErrorString")
        }
    }
}

/// Calls `body` with `strings` as a C array of C strings.
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let copies = strings.map { UnsafePointer(strdup($0)) }
    defer { copies.forEach { free(UnsafeMutablePointer(mutating: $0)) } }
    return copies.withUnsafeBufferPointer { body($0.baseAddress!) }
}
