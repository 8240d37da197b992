// OpenCL through the ICD loader, libOpenCL.so.1, which hands each call to the installed platforms
// (NVIDIA's, AMD's, Intel's, or PoCL, which runs OpenCL kernels on the CPU). Only the dozen calls
// this stage needs are declared, with their C signatures from the OpenCL 1.2 headers.

import Foundation

final class OpenCLBackend: Backend, @unchecked Sendable {
    /// The process's OpenCL device, opened on first use; or why there is none.
    static let shared = Result { try OpenCLBackend() }

    let api = "OpenCL"
    let language = GPUKernel.Language.openCL
    let hostThreads: Int
    let deviceDescription: String
    let maxThreadsPerBlock: Int
    let maxGridY = Int(Int32.max)

    private let cl: OpenCLFunctions
    private let context: OpaquePointer
    private let queue: OpaquePointer
    private let device: OpaquePointer
    private let lock = NSRecursiveLock()
    /// Compiled kernels, by source (which holds the kernel's sizes): compiling happens once, on
    /// first use, and is never timed.
    private var kernels: [String: OpaquePointer] = [:]

    /// Opens the loader and picks the first GPU of any platform, else the first device (PoCL's CPU).
    init() throws {
        let cl = try OpenCLFunctions(library: DynamicLibrary("OpenCL loader", candidates:
            DynamicLibrary.candidates(sonames: ["libOpenCL.so.1", "libOpenCL.so"], variable: "OPENCL_LIBRARY")))
        self.cl = cl
        var platformCount: UInt32 = 0
        let status = cl.getPlatformIDs(0, nil, &platformCount)
        guard status == 0, platformCount > 0 else {
            throw GPUError.noDevice("no OpenCL platform: the loader found no installed driver (clGetPlatformIDs: \(status)); "
                + "install one, e.g. `apt-get install pocl-opencl-icd` for the CPU")
        }
        var platforms = [OpaquePointer?](repeating: nil, count: Int(platformCount))
        try checkCL(cl.getPlatformIDs(platformCount, &platforms, nil), "clGetPlatformIDs")

        var chosen: (platform: OpaquePointer, device: OpaquePointer)?
        for wantGPU in [true, false] where chosen == nil {
            for platform in platforms.compactMap({ $0 }) {
                var device: OpaquePointer?
                let type: UInt64 = wantGPU ? 1 << 2 : 0xFFFF_FFFF   // CL_DEVICE_TYPE_GPU, _ALL
                if cl.getDeviceIDs(platform, type, 1, &device, nil) == 0, let device {
                    chosen = (platform, device)
                    break
                }
            }
        }
        guard let chosen else { throw GPUError.noDevice("no OpenCL device: \(platformCount) platform(s), none with a device") }
        device = chosen.device

        let deviceName = try cl.string(deviceInfo: 0x102B, of: device)        // CL_DEVICE_NAME
        let platformName = try cl.string(platformInfo: 0x0902, of: chosen.platform)   // CL_PLATFORM_NAME
        var maxGroup = 0
        try checkCL(cl.getDeviceInfo(device, 0x1004, MemoryLayout<Int>.size, &maxGroup, nil), "clGetDeviceInfo")
        maxThreadsPerBlock = maxGroup
        var (type, units) = (UInt64(0), UInt32(0))
        _ = cl.getDeviceInfo(device, 0x1000, 8, &type, nil)   // CL_DEVICE_TYPE
        _ = cl.getDeviceInfo(device, 0x1002, 4, &units, nil)  // CL_DEVICE_MAX_COMPUTE_UNITS
        let isCPU = type & (1 << 2) == 0 && type & (1 << 1) != 0   // CL_DEVICE_TYPE_GPU, _CPU
        hostThreads = isCPU ? max(1, Int(units)) : 1
        let kind = type & (1 << 2) != 0 ? "GPU" : isCPU ? "CPU, all \(units) cores" : "\(units) compute units"
        deviceDescription = "\(deviceName) (\(kind); \(platformName))"

        var error: Int32 = 0
        var devices: [OpaquePointer?] = [device]
        guard let context = cl.createContext(nil, 1, &devices, nil, nil, &error), error == 0 else {
            throw GPUError.call("clCreateContext", code: Int(error), message: openCLErrorName(error))
        }
        self.context = context
        guard let queue = cl.createCommandQueue(context, device, 0, &error), error == 0 else {
            throw GPUError.call("clCreateCommandQueue", code: Int(error), message: openCLErrorName(error))
        }
        self.queue = queue
    }

    func locked<T>(_ body: () throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    func allocate(floats: Int) throws -> DeviceBuffer {
        var error: Int32 = 0
        guard let memory = cl.createBuffer(context, 1 /* CL_MEM_READ_WRITE */, floats * 4, nil, &error), error == 0 else {
            throw GPUError.call("clCreateBuffer(\(floats * 4) bytes)", code: Int(error), message: openCLErrorName(error))
        }
        let release = cl.releaseMemObject
        return DeviceBuffer(handle: UInt64(UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(memory)))), floats: floats) {
            _ = release(OpaquePointer(bitPattern: UInt($0)))
        }
    }

    func upload(_ host: UnsafeBufferPointer<Float>, to buffer: DeviceBuffer, offset: Int) throws {
        try checkCL(cl.enqueueWriteBuffer(queue, memory(buffer), 1, offset * 4, host.count * 4, host.baseAddress, 0, nil, nil),
                  "clEnqueueWriteBuffer")
    }

    func download(_ buffer: DeviceBuffer, offset: Int, to host: UnsafeMutableBufferPointer<Float>) throws {
        try checkCL(cl.enqueueReadBuffer(queue, memory(buffer), 1, offset * 4, host.count * 4, host.baseAddress, 0, nil, nil),
                  "clEnqueueReadBuffer")
    }

    func launch(_ kernel: GPUKernel, sizes: GPUKernel.Sizes, m: Int, n: Int, k: Int, a: DeviceBuffer, b: DeviceBuffer, c: DeviceBuffer) throws {
        let compiled = try compiled(kernel, sizes)
        var (m32, n32, k32) = (Int32(m), Int32(n), Int32(k))
        var memories = [memory(a), memory(b), memory(c)]
        try checkCL(cl.setKernelArg(compiled, 0, 4, &m32), "clSetKernelArg")
        try checkCL(cl.setKernelArg(compiled, 1, 4, &n32), "clSetKernelArg")
        try checkCL(cl.setKernelArg(compiled, 2, 4, &k32), "clSetKernelArg")
        for index in 0..<3 {
            try checkCL(cl.setKernelArg(compiled, UInt32(3 + index), MemoryLayout<OpaquePointer>.size, &memories[index]), "clSetKernelArg")
        }
        // OpenCL counts work-items in the whole grid (global size), not blocks.
        let grid = sizes.grid(m: m, n: n)
        let global = [grid.x * sizes.threadsX, grid.y * sizes.threadsY]
        let local = [sizes.threadsX, sizes.threadsY]
        try checkCL(cl.enqueueNDRangeKernel(queue, compiled, 2, nil, global, local, 0, nil, nil), "clEnqueueNDRangeKernel")
    }

    func finish() throws {
        try checkCL(cl.finish(queue), "clFinish")
    }

    /// The kernel, compiled for this device on first use.
    private func compiled(_ kernel: GPUKernel, _ sizes: GPUKernel.Sizes) throws -> OpaquePointer {
        let source = kernel.source(for: .openCL, sizes: sizes)
        if let compiled = kernels[source] { return compiled }
        var error: Int32 = 0
        let program = source.withCString { text -> OpaquePointer? in
            var strings: [UnsafePointer<CChar>?] = [text]
            return cl.createProgramWithSource(context, 1, &strings, nil, &error)
        }
        guard let program, error == 0 else {
            throw GPUError.call("clCreateProgramWithSource", code: Int(error), message: openCLErrorName(error))
        }
        var devices: [OpaquePointer?] = [device]
        let status = cl.buildProgram(program, 1, &devices, "", nil, nil)
        guard status == 0 else {
            var size = 0
            _ = cl.getProgramBuildInfo(program, device, 0x1183, 0, nil, &size)   // CL_PROGRAM_BUILD_LOG
            var log = [CChar](repeating: 0, count: size + 1)
            _ = cl.getProgramBuildInfo(program, device, 0x1183, size, &log, nil)
            _ = cl.releaseProgram(program)
            throw GPUError.compileFailed(kernel: "6\(kernel.letter).cl", log: cText(log))
        }
        guard let compiled = cl.createKernel(program, "matmul", &error), error == 0 else {
            _ = cl.releaseProgram(program)
            throw GPUError.call("clCreateKernel", code: Int(error), message: openCLErrorName(error))
        }
        // The kernel keeps its program; both stay for the process's life, as the CUDA modules do.
        kernels[source] = compiled
        return compiled
    }

    private func memory(_ buffer: DeviceBuffer) -> OpaquePointer? { OpaquePointer(bitPattern: UInt(buffer.handle)) }
}

/// Throws a failed OpenCL call's status, by name.
private func checkCL(_ status: Int32, _ function: String) throws {
    guard status == 0 else { throw GPUError.call(function, code: Int(status), message: openCLErrorName(status)) }
}

/// The OpenCL functions this stage calls. Types follow cl.h: cl_int = Int32, cl_uint = UInt32,
/// cl_bitfield = UInt64, size_t = Int; every cl_… handle is an opaque pointer.
struct OpenCLFunctions {
    typealias Handle = OpaquePointer
    let getPlatformIDs: @convention(c) (UInt32, UnsafeMutablePointer<Handle?>?, UnsafeMutablePointer<UInt32>?) -> Int32
    let getPlatformInfo: @convention(c) (Handle?, UInt32, Int, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?) -> Int32
    let getDeviceIDs: @convention(c) (Handle?, UInt64, UInt32, UnsafeMutablePointer<Handle?>?, UnsafeMutablePointer<UInt32>?) -> Int32
    let getDeviceInfo: @convention(c) (Handle?, UInt32, Int, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?) -> Int32
    let createContext: @convention(c) (UnsafePointer<Int>?, UInt32, UnsafePointer<Handle?>?, UnsafeRawPointer?,
                                       UnsafeMutableRawPointer?, UnsafeMutablePointer<Int32>?) -> Handle?
    let createCommandQueue: @convention(c) (Handle?, Handle?, UInt64, UnsafeMutablePointer<Int32>?) -> Handle?
    let createProgramWithSource: @convention(c) (Handle?, UInt32, UnsafeMutablePointer<UnsafePointer<CChar>?>?,
                                                 UnsafePointer<Int>?, UnsafeMutablePointer<Int32>?) -> Handle?
    let buildProgram: @convention(c) (Handle?, UInt32, UnsafePointer<Handle?>?, UnsafePointer<CChar>?,
                                      UnsafeRawPointer?, UnsafeMutableRawPointer?) -> Int32
    let getProgramBuildInfo: @convention(c) (Handle?, Handle?, UInt32, Int, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?) -> Int32
    let createKernel: @convention(c) (Handle?, UnsafePointer<CChar>, UnsafeMutablePointer<Int32>?) -> Handle?
    let releaseProgram: @convention(c) (Handle?) -> Int32
    let createBuffer: @convention(c) (Handle?, UInt64, Int, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int32>?) -> Handle?
    let releaseMemObject: @convention(c) (Handle?) -> Int32
    let enqueueWriteBuffer: @convention(c) (Handle?, Handle?, UInt32, Int, Int, UnsafeRawPointer?, UInt32,
                                            UnsafePointer<Handle?>?, UnsafeMutablePointer<Handle?>?) -> Int32
    let enqueueReadBuffer: @convention(c) (Handle?, Handle?, UInt32, Int, Int, UnsafeMutableRawPointer?, UInt32,
                                           UnsafePointer<Handle?>?, UnsafeMutablePointer<Handle?>?) -> Int32
    let setKernelArg: @convention(c) (Handle?, UInt32, Int, UnsafeRawPointer?) -> Int32
    let enqueueNDRangeKernel: @convention(c) (Handle?, Handle?, UInt32, UnsafePointer<Int>?, UnsafePointer<Int>?,
                                              UnsafePointer<Int>?, UInt32, UnsafePointer<Handle?>?, UnsafeMutablePointer<Handle?>?) -> Int32
    let finish: @convention(c) (Handle?) -> Int32
    /// Kept open for the life of the process.
    let library: DynamicLibrary

    init(library: DynamicLibrary) throws {
        self.library = library
        getPlatformIDs = try library.function("clGetPlatformIDs")
        getPlatformInfo = try library.function("clGetPlatformInfo")
        getDeviceIDs = try library.function("clGetDeviceIDs")
        getDeviceInfo = try library.function("clGetDeviceInfo")
        createContext = try library.function("clCreateContext")
        createCommandQueue = try library.function("clCreateCommandQueue")
        createProgramWithSource = try library.function("clCreateProgramWithSource")
        buildProgram = try library.function("clBuildProgram")
        getProgramBuildInfo = try library.function("clGetProgramBuildInfo")
        createKernel = try library.function("clCreateKernel")
        releaseProgram = try library.function("clReleaseProgram")
        createBuffer = try library.function("clCreateBuffer")
        releaseMemObject = try library.function("clReleaseMemObject")
        enqueueWriteBuffer = try library.function("clEnqueueWriteBuffer")
        enqueueReadBuffer = try library.function("clEnqueueReadBuffer")
        setKernelArg = try library.function("clSetKernelArg")
        enqueueNDRangeKernel = try library.function("clEnqueueNDRangeKernel")
        finish = try library.function("clFinish")
    }

    func string(deviceInfo parameter: UInt32, of device: Handle) throws -> String {
        try string { getDeviceInfo(device, parameter, $0, $1, $2) }
    }

    func string(platformInfo parameter: UInt32, of platform: Handle) throws -> String {
        try string { getPlatformInfo(platform, parameter, $0, $1, $2) }
    }

    private func string(_ query: (Int, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?) -> Int32) throws -> String {
        var size = 0
        guard query(0, nil, &size) == 0 else { return "unknown" }
        var bytes = [CChar](repeating: 0, count: size + 1)
        _ = bytes.withUnsafeMutableBytes { query(size, $0.baseAddress, nil) }
        return cText(bytes).trimmingCharacters(in: .whitespaces)
    }
}

/// The name of an OpenCL error code, for messages.
func openCLErrorName(_ code: Int32) -> String {
    let names: [Int32: String] = [
        -1: "CL_DEVICE_NOT_FOUND", -4: "CL_MEM_OBJECT_ALLOCATION_FAILURE", -5: "CL_OUT_OF_RESOURCES",
        -6: "CL_OUT_OF_HOST_MEMORY", -11: "CL_BUILD_PROGRAM_FAILURE", -30: "CL_INVALID_VALUE",
        -33: "CL_INVALID_DEVICE", -34: "CL_INVALID_CONTEXT", -36: "CL_INVALID_COMMAND_QUEUE",
        -38: "CL_INVALID_MEM_OBJECT", -46: "CL_INVALID_KERNEL_NAME", -48: "CL_INVALID_KERNEL",
        -49: "CL_INVALID_ARG_INDEX", -50: "CL_INVALID_ARG_VALUE", -51: "CL_INVALID_ARG_SIZE",
        -52: "CL_INVALID_KERNEL_ARGS", -53: "CL_INVALID_WORK_DIMENSION", -54: "CL_INVALID_WORK_GROUP_SIZE",
        -55: "CL_INVALID_WORK_ITEM_SIZE", -61: "CL_INVALID_BUFFER_SIZE", -1001: "CL_PLATFORM_NOT_FOUND_KHR",
    ]
    return names[code] ?? "OpenCL error \(code)"
}
