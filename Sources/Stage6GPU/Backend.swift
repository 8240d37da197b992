import Foundation

/// What the GPU stage needs from a GPU API: memory on the device, copies both ways, a compiled
/// kernel launched over a grid, and a way to wait for it. CUDA and OpenCL each implement it.
///
/// Every call is made under the backend's lock: a CUDA context and an OpenCL kernel's arguments
/// are per-process state, and tests run products on several threads at once.
protocol Backend: AnyObject, Sendable {
    /// "CUDA" or "OpenCL".
    var api: String { get }
    /// The device and driver, e.g. "NVIDIA H100 80GB HBM3 (compute capability 9.0, driver 13.0)".
    var deviceDescription: String { get }
    var language: GPUKernel.Language { get }
    /// The CPU threads a kernel runs on: the compute units of a CPU device (PoCL makes one per
    /// core), 1 for a GPU.
    var hostThreads: Int { get }
    /// The most threads one block may hold on this device.
    var maxThreadsPerBlock: Int { get }
    /// The largest grid size along y (CUDA limits it to 65535 blocks).
    var maxGridY: Int { get }

    func allocate(floats: Int) throws -> DeviceBuffer
    /// Copies `host` into `buffer`, starting `offset` floats into it.
    func upload(_ host: UnsafeBufferPointer<Float>, to buffer: DeviceBuffer, offset: Int) throws
    /// Copies `host.count` floats from `buffer`, starting `offset` floats into it.
    func download(_ buffer: DeviceBuffer, offset: Int, to host: UnsafeMutableBufferPointer<Float>) throws
    /// Starts `kernel`, compiled with `sizes`, on an m×k · k×n product (compiling it on first
    /// use); returns before it ends.
    func launch(_ kernel: GPUKernel, sizes: GPUKernel.Sizes, m: Int, n: Int, k: Int, a: DeviceBuffer, b: DeviceBuffer, c: DeviceBuffer) throws
    /// Waits until everything started has finished.
    func finish() throws
    /// Runs `body` holding the backend's lock, with its context current on this thread.
    func locked<T>(_ body: () throws -> T) throws -> T
    /// Seconds on the device that `runs` calls of `start` take, started back to back without
    /// waiting between them (each `start` only starts a product). Called under the lock.
    func deviceSeconds(runs: Int, _ start: () throws -> Void) throws -> Double
}

extension Backend {
    /// The host's clock around the runs and a `finish()`: what an API without device timers
    /// (or a CPU device, where host and device are one) offers.
    func deviceSeconds(runs: Int, _ start: () throws -> Void) throws -> Double {
        let begin = ContinuousClock.now
        for _ in 0..<runs { try start() }
        try finish()
        let elapsed = ContinuousClock.now - begin
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }
}

/// Memory on the device, freed when the last reference goes.
final class DeviceBuffer: @unchecked Sendable {
    /// A CUDA device pointer, or an OpenCL cl_mem's bits.
    let handle: UInt64
    let floats: Int
    private let free: (UInt64) -> Void

    init(handle: UInt64, floats: Int, free: @escaping (UInt64) -> Void) {
        self.handle = handle
        self.floats = floats
        self.free = free
    }

    deinit { free(handle) }
}
