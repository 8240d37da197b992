// CUDA through NVIDIA's driver API, libcuda.so.1 (installed with the driver; the CUDA toolkit is
// not needed to run). Kernels are compiled by NVRTC for the device found, loaded as a module, and
// started with cuLaunchKernel. The memory functions are the `_v2` entry points, the ones cuda.h
// maps cuMemAlloc and friends to (the unsuffixed names are the old 32-bit versions).

import Foundation

final class CUDABackend: Backend, @unchecked Sendable {
    /// The process's CUDA device (the first), opened on first use; or why there is none.
    static let shared = Result { try CUDABackend() }

    let api = "CUDA"
    let language = GPUKernel.Language.cuda
    let hostThreads = 1
    let deviceDescription: String
    let maxThreadsPerBlock: Int
    let maxGridY: Int
    /// Compute capability as one number: 90 for 9.0 (H100, H200).
    let architecture: Int

    private let cu: CUDAFunctions
    private let context: OpaquePointer
    private let lock = NSRecursiveLock()
    /// Compiled kernels, by source (a kernel's source holds its sizes).
    private var kernels: [String: OpaquePointer] = [:]
    private var blas: Result<CUBLAS, any Error>?
    /// Set when a kernel faulted: the driver's error, which every later call in this process returns.
    private var lost: GPUError?

    init() throws {
        let cu = try CUDAFunctions(library: DynamicLibrary("CUDA driver", candidates:
            DynamicLibrary.candidates(sonames: ["libcuda.so.1", "libcuda.so"], variable: "CUDA_DRIVER_LIBRARY")))
        self.cu = cu
        try cu.check(cu.initialize(0), "cuInit")
        var count: Int32 = 0
        try cu.check(cu.deviceGetCount(&count), "cuDeviceGetCount")
        guard count > 0 else { throw GPUError.noDevice("no CUDA device: the driver loaded but found no GPU") }
        var device: Int32 = 0
        try cu.check(cu.deviceGet(&device, 0), "cuDeviceGet")
        func attribute(_ number: Int32) throws -> Int {
            var value: Int32 = 0
            try cu.check(cu.deviceGetAttribute(&value, number, device), "cuDeviceGetAttribute")
            return Int(value)
        }
        // CU_DEVICE_ATTRIBUTE_…: MAX_THREADS_PER_BLOCK 1, MAX_GRID_DIM_Y 6, MULTIPROCESSOR_COUNT 16,
        // COMPUTE_CAPABILITY_MAJOR 75, _MINOR 76.
        maxThreadsPerBlock = try attribute(1)
        maxGridY = try attribute(6)
        let (major, minor) = (try attribute(75), try attribute(76))
        architecture = major * 10 + minor
        var name = [CChar](repeating: 0, count: 256)
        try cu.check(cu.deviceGetName(&name, 255, device), "cuDeviceGetName")
        var driver: Int32 = 0
        _ = cu.driverGetVersion(&driver)
        deviceDescription = "\(cText(name)) (compute capability \(major).\(minor), \(try attribute(16)) multiprocessors, "
            + "driver CUDA \(driver / 1000).\(driver % 1000 / 10))"
        // The primary context is the one the CUDA runtime (and so cuBLAS) also uses.
        var context: OpaquePointer?
        try cu.check(cu.devicePrimaryCtxRetain(&context, device), "cuDevicePrimaryCtxRetain")
        guard let context else { throw GPUError.noDevice("no CUDA context") }
        self.context = context
    }

    func locked<T>(_ body: () throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        if let lost { throw GPUError.contextLost(after: lost) }
        do {
            // A context is current per thread; make it current on whichever thread calls.
            try cu.check(cu.ctxSetCurrent(context), "cuCtxSetCurrent")
            return try body()
        } catch let error as GPUError {
            // A fault in a kernel (an illegal address, a misaligned float4, a launch that fails)
            // is sticky: the driver documents that every later call in the process returns it,
            // and that only a new process can use CUDA again. Later products say so, rather than
            // each reporting the fault as its own.
            if case let .call(_, code, _) = error, Self.stickyErrors.contains(code) { lost = error }
            throw error
        }
    }

    /// CUDA_ERROR_ILLEGAL_ADDRESS (700), _LAUNCH_TIMEOUT (702), _HARDWARE_STACK_ERROR (714),
    /// _ILLEGAL_INSTRUCTION (715), _MISALIGNED_ADDRESS (716), _INVALID_ADDRESS_SPACE (717),
    /// _INVALID_PC (718), _LAUNCH_FAILED (719): the errors cuda.h says leave the process unable to
    /// use CUDA again.
    static let stickyErrors: Set<Int> = [700, 702, 714, 715, 716, 717, 718, 719]

    /// CUDA events recorded on the default stream (where the kernels and cuBLAS run) before and
    /// after the runs: the GPU's own clock, about 0.5 µs resolution, no host scheduling in it.
    func deviceSeconds(runs: Int, _ start: () throws -> Void) throws -> Double {
        var (begin, end): (OpaquePointer?, OpaquePointer?) = (nil, nil)
        try cu.check(cu.eventCreate(&begin, 0), "cuEventCreate")
        defer { _ = cu.eventDestroy(begin) }
        try cu.check(cu.eventCreate(&end, 0), "cuEventCreate")
        defer { _ = cu.eventDestroy(end) }
        try cu.check(cu.eventRecord(begin, nil), "cuEventRecord")
        for _ in 0..<runs { try start() }
        try cu.check(cu.eventRecord(end, nil), "cuEventRecord")
        try cu.check(cu.eventSynchronize(end), "cuEventSynchronize")
        var milliseconds: Float = 0
        try cu.check(cu.eventElapsedTime(&milliseconds, begin, end), "cuEventElapsedTime")
        return Double(milliseconds) / 1e3
    }

    func allocate(floats: Int) throws -> DeviceBuffer {
        var pointer: UInt64 = 0
        try cu.check(cu.memAlloc(&pointer, floats * 4), "cuMemAlloc_v2(\(floats * 4) bytes)")
        let (free, setCurrent, context, lock) = (cu.memFree, cu.ctxSetCurrent, context, lock)
        return DeviceBuffer(handle: pointer, floats: floats) { pointer in
            lock.lock()
            defer { lock.unlock() }
            _ = setCurrent(context)
            _ = free(pointer)
        }
    }

    func upload(_ host: UnsafeBufferPointer<Float>, to buffer: DeviceBuffer, offset: Int) throws {
        try cu.check(cu.memcpyHtoD(buffer.handle + UInt64(offset * 4), host.baseAddress!, host.count * 4), "cuMemcpyHtoD_v2")
    }

    func download(_ buffer: DeviceBuffer, offset: Int, to host: UnsafeMutableBufferPointer<Float>) throws {
        try cu.check(cu.memcpyDtoH(host.baseAddress!, buffer.handle + UInt64(offset * 4), host.count * 4), "cuMemcpyDtoH_v2")
    }

    func launch(_ kernel: GPUKernel, sizes: GPUKernel.Sizes, m: Int, n: Int, k: Int, a: DeviceBuffer, b: DeviceBuffer, c: DeviceBuffer) throws {
        let function = try compiled(kernel, sizes)
        let grid = sizes.grid(m: m, n: n)
        // cuLaunchKernel takes an array of pointers, one to each argument's value.
        var (m32, n32, k32) = (Int32(m), Int32(n), Int32(k))
        var (pa, pb, pc) = (a.handle, b.handle, c.handle)
        let status = withUnsafeMutablePointer(to: &m32) { m in
            withUnsafeMutablePointer(to: &n32) { n in
                withUnsafeMutablePointer(to: &k32) { k in
                    withUnsafeMutablePointer(to: &pa) { a in
                        withUnsafeMutablePointer(to: &pb) { b in
                            withUnsafeMutablePointer(to: &pc) { c in
                                var arguments: [UnsafeMutableRawPointer?] = [UnsafeMutableRawPointer(m), UnsafeMutableRawPointer(n),
                                                                                  UnsafeMutableRawPointer(k), UnsafeMutableRawPointer(a),
                                                                                  UnsafeMutableRawPointer(b), UnsafeMutableRawPointer(c)]
                                return cu.launchKernel(function, UInt32(grid.x), UInt32(grid.y), 1,
                                                       UInt32(sizes.threadsX), UInt32(sizes.threadsY), 1,
                                                       0, nil, &arguments, nil)
                            }
                        }
                    }
                }
            }
        }
        try cu.check(status, "cuLaunchKernel (6\(kernel.letter), grid \(grid.x)×\(grid.y))")
    }

    func finish() throws {
        try cu.check(cu.ctxSynchronize(), "cuCtxSynchronize")
    }

    /// cuBLAS on this device, opened on first use.
    func cuBLAS() throws -> CUBLAS {
        try locked {
            if blas == nil { blas = Result { try CUBLAS() } }
            return try blas!.get()
        }
    }

    /// The kernel, compiled by NVRTC for this device and loaded, on first use.
    private func compiled(_ kernel: GPUKernel, _ sizes: GPUKernel.Sizes) throws -> OpaquePointer {
        let source = kernel.source(for: .cuda, sizes: sizes)
        if let function = kernels[source] { return function }
        let compiler = try NVRTC.shared.get()
        let image = try compiler.compile(source, name: "6\(kernel.letter).cu",
                                         architecture: architecture)
        var module: OpaquePointer?
        var bytes = image.bytes
        if case .ptx = image { bytes.append(0) }   // PTX is text, and must end in a zero byte
        let status = bytes.withUnsafeBytes { cu.moduleLoadData(&module, $0.baseAddress!) }
        if status == 222 {   // CUDA_ERROR_UNSUPPORTED_PTX_VERSION
            throw GPUError.call("cuModuleLoadData", code: 222, message: "NVRTC \(compiler.version) wrote PTX newer than this driver "
                + "reads; use an NVRTC no newer than the driver (NVRTC_LIBRARY=path/to/libnvrtc.so…)")
        }
        try cu.check(status, "cuModuleLoadData")
        var function: OpaquePointer?
        let found = cu.moduleGetFunction(&function, module, "matmul")
        guard found == 0, let function else {
            _ = cu.moduleUnload(module)
            try cu.check(found == 0 ? 500 : found, "cuModuleGetFunction")   // 500: CUDA_ERROR_NOT_FOUND
            throw GPUError.call("cuModuleGetFunction", code: 500, message: "no function matmul")
        }
        kernels[source] = function   // the module stays loaded for the process's life, with its function
        return function
    }
}

/// The driver-API functions this stage calls, with cuda.h's C signatures: CUresult = Int32,
/// CUdevice = Int32, CUdeviceptr = UInt64, size_t = Int, every other CU… handle an opaque pointer.
struct CUDAFunctions {
    typealias Handle = OpaquePointer
    let library: DynamicLibrary
    let initialize: @convention(c) (UInt32) -> Int32
    let driverGetVersion: @convention(c) (UnsafeMutablePointer<Int32>) -> Int32
    let deviceGetCount: @convention(c) (UnsafeMutablePointer<Int32>) -> Int32
    let deviceGet: @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    let deviceGetName: @convention(c) (UnsafeMutablePointer<CChar>, Int32, Int32) -> Int32
    let deviceGetAttribute: @convention(c) (UnsafeMutablePointer<Int32>, Int32, Int32) -> Int32
    let devicePrimaryCtxRetain: @convention(c) (UnsafeMutablePointer<Handle?>, Int32) -> Int32
    let ctxSetCurrent: @convention(c) (Handle?) -> Int32
    let ctxSynchronize: @convention(c) () -> Int32
    let moduleLoadData: @convention(c) (UnsafeMutablePointer<Handle?>, UnsafeRawPointer) -> Int32
    let moduleGetFunction: @convention(c) (UnsafeMutablePointer<Handle?>, Handle?, UnsafePointer<CChar>) -> Int32
    let moduleUnload: @convention(c) (Handle?) -> Int32
    let eventCreate: @convention(c) (UnsafeMutablePointer<Handle?>, UInt32) -> Int32
    let eventRecord: @convention(c) (Handle?, Handle?) -> Int32
    let eventSynchronize: @convention(c) (Handle?) -> Int32
    let eventElapsedTime: @convention(c) (UnsafeMutablePointer<Float>, Handle?, Handle?) -> Int32
    let eventDestroy: @convention(c) (Handle?) -> Int32
    let memAlloc: @convention(c) (UnsafeMutablePointer<UInt64>, Int) -> Int32
    let memFree: @convention(c) (UInt64) -> Int32
    let memcpyHtoD: @convention(c) (UInt64, UnsafeRawPointer, Int) -> Int32
    let memcpyDtoH: @convention(c) (UnsafeMutableRawPointer, UInt64, Int) -> Int32
    let launchKernel: @convention(c) (Handle?, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, Handle?,
                                      UnsafeMutablePointer<UnsafeMutableRawPointer?>?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> Int32
    let getErrorString: @convention(c) (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>) -> Int32

    init(library: DynamicLibrary) throws {
        self.library = library
        initialize = try library.function("cuInit")
        driverGetVersion = try library.function("cuDriverGetVersion")
        deviceGetCount = try library.function("cuDeviceGetCount")
        deviceGet = try library.function("cuDeviceGet")
        deviceGetName = try library.function("cuDeviceGetName")
        deviceGetAttribute = try library.function("cuDeviceGetAttribute")
        devicePrimaryCtxRetain = try library.function("cuDevicePrimaryCtxRetain")
        ctxSetCurrent = try library.function("cuCtxSetCurrent")
        ctxSynchronize = try library.function("cuCtxSynchronize")
        moduleLoadData = try library.function("cuModuleLoadData")
        moduleGetFunction = try library.function("cuModuleGetFunction")
        moduleUnload = try library.function("cuModuleUnload")
        eventCreate = try library.function("cuEventCreate")
        eventRecord = try library.function("cuEventRecord")
        eventSynchronize = try library.function("cuEventSynchronize")
        eventElapsedTime = try library.function("cuEventElapsedTime")
        eventDestroy = try library.function("cuEventDestroy_v2")   // cuda.h maps cuEventDestroy to it
        memAlloc = try library.function("cuMemAlloc_v2")
        memFree = try library.function("cuMemFree_v2")
        memcpyHtoD = try library.function("cuMemcpyHtoD_v2")
        memcpyDtoH = try library.function("cuMemcpyDtoH_v2")
        launchKernel = try library.function("cuLaunchKernel")
        getErrorString = try library.function("cuGetErrorString")
    }

    /// Throws the driver's own words for a failed call.
    func check(_ status: Int32, _ function: String) throws {
        guard status != 0 else { return }
        var message: UnsafePointer<CChar>?
        _ = getErrorString(status, &message)
        throw GPUError.call(function, code: Int(status), message: message.map { String(cString: $0) } ?? "unknown CUDA error")
    }
}
