// Stage 6 — GPU. The one idea: thousands of threads, each computing a few elements of C, on a
// processor built for it: an H100 runs 132 multiprocessors × 2048 threads at once, and its FP32
// units do 128 FMAs per multiprocessor per cycle.
//
// What it costs: the GPU has its own memory. A and B must be copied there and C back, across a
// bus far slower than the GPU's memory; kernels must be compiled for the device (here at run time:
// NVRTC for CUDA, the driver's compiler for OpenCL); and every idea of Stages 2–4 (contiguous
// access, blocking for a fast memory, a register tile) comes back, in the GPU's terms. The runner
// times kernels with A, B and C already on the device, and shows the copies in a row of their own.

import MatmulCore

/// Matrix product on a GPU: one of the hand-written kernels (CUDA or OpenCL), or cuBLAS.
public struct GPUMatmul: MatmulStage {
    public enum API: String, CaseIterable, Sendable {
        /// NVIDIA's driver API (libcuda.so.1), kernels compiled by NVRTC.
        case cuda
        /// Any OpenCL platform through the ICD loader (libOpenCL.so.1): GPUs, or the CPU through PoCL.
        case openCL
    }

    /// Which code computes the product.
    public enum Code: Hashable, Sendable {
        case kernel(GPUKernel)
        /// NVIDIA's cuBLAS SGEMM (CUDA only): the vendor's library, as Stage 5 is for the CPU.
        case cuBLAS
        /// cuBLAS on the tensor cores, A and B rounded to TF32 (CUDA only): a different, less
        /// accurate product, held to its own tolerance (`relativeAllowance`).
        case cuBLASTF32
    }

    public let api: API
    public let code: Code
    /// Whether the runner's timing includes copying A and B to the device and C back. `multiply`
    /// always copies; this only chooses how the runner times the row.
    public let timesCopies: Bool
    /// 6e's tile sizes; nil: the ones the tuner recorded for this device, else 6d's.
    public let tiles: TileSizes?

    /// - Parameters:
    ///   - api: CUDA or OpenCL. cuBLAS needs CUDA.
    ///   - code: a hand-written kernel or cuBLAS.
    ///   - timesCopies: time the whole product, copies included, rather than the kernel alone.
    ///   - tiles: 6e's tile sizes (the tuner tries each candidate this way).
    public init(_ api: API, _ code: Code, timesCopies: Bool = false, tiles: TileSizes? = nil) {
        self.api = api
        self.code = code
        self.timesCopies = timesCopies
        self.tiles = tiles
    }

    /// "6a"… "6d" on CUDA, "6cublas"; "6a.cl"… "6d.cl" on OpenCL; "+copies" when copies are timed.
    public var id: String {
        let base: String
        switch code {
        case let .kernel(kernel): base = "6" + kernel.letter + (api == .openCL ? ".cl" : "")
        case .cuBLAS: base = "6cublas"
        case .cuBLASTF32: base = "6tf32"
        }
        return base + (timesCopies ? "+copies" : "")
    }

    public var name: String {
        let what: String
        switch code {
        case let .kernel(kernel): what = kernel.name
        case .cuBLAS: what = "cuBLAS"
        case .cuBLASTF32: what = "cuBLAS TF32 tensor cores"
        }
        return what + (api == .cuda ? " (CUDA)" : " (OpenCL)")
    }

    public var change: String {
        if timesCopies { return "the same kernel, timed with A and B copied to the device and C back" }
        switch code {
        case let .kernel(kernel): return kernel.change
        case .cuBLAS: return "NVIDIA's cuBLAS SGEMM (FP32, no TF32), the vendor library"
        case .cuBLASTF32: return "cuBLAS on the tensor cores: A and B rounded to TF32 (10-bit mantissas), a less accurate product"
        }
    }

    /// How far beyond FP32's own bound (2·γ_k·Σ|a||b| per entry) a product may stray, relative to
    /// Σ|a||b|: 0, or for TF32 2⁻⁸. Rounding an input to TF32's 10 explicit mantissa bits errs by
    /// at most 2⁻¹⁰ of it (2⁻¹¹ rounding to nearest, 2⁻¹⁰ truncating), so a product a·b by at most
    /// (2·2⁻¹⁰ + 2⁻²⁰)·|a||b|, about 2⁻⁹; the allowance is twice that.
    public var relativeAllowance: Double { code == .cuBLASTF32 ? 0x1p-8 : 0 }

    public var note: String? {
        guard let backend = try? backend() else { return nil }
        let tiles = code == .kernel(.tunedTiles) ? "; tiles \(self.tiles ?? TileRecord.tiles(for: backend))" : ""
        return "\(backend.api): \(backend.deviceDescription)\(tiles)"
    }

    /// The sizes this stage's kernel is compiled and launched with on `backend`.
    func sizes(on backend: any Backend) -> GPUKernel.Sizes? {
        guard case let .kernel(kernel) = code else { return nil }
        return kernel.sizes(maxThreads: backend.maxThreadsPerBlock,
                            tiles: kernel == .tunedTiles ? tiles ?? TileRecord.tiles(for: backend) : nil)
    }

    /// The CPU threads that run the product: PoCL's compute units (one per core) when the OpenCL
    /// device is this CPU; 1 for a GPU, driven from one host thread.
    public var threads: Int { (try? backend())?.hostThreads ?? 1 }

    /// A kernel is compared with the kernel before it on the same API (cuBLAS with the last
    /// hand-written one); a "+copies" row with the same kernel timed without its copies.
    public var baseline: Baseline {
        timesCopies ? .stage(id: GPUMatmul(api, code).id) : .previous(family: family)
    }

    /// The GPU API: each API's kernels are compared among themselves.
    public var family: String { api == .cuda ? "CUDA" : "OpenCL" }

    /// Stage 6 in lesson order, the one list of it (the runner's table and gpu-check use it): the
    /// four hand-written kernels and cuBLAS on CUDA, then the kernels on OpenCL; each API's best
    /// kernel once more with the host↔device copies timed.
    public static let allStages: [GPUMatmul] = API.allCases.flatMap { api in
        GPUKernel.allCases.map { GPUMatmul(api, .kernel($0)) }
            + [GPUMatmul(api, .kernel(.registerTiles), timesCopies: true)]
            + (api == .cuda ? [GPUMatmul(.cuda, .cuBLAS), GPUMatmul(.cuda, .cuBLASTF32)] : [])
    }

    /// Compiles the kernel (`compile()`), so that no timing includes it.
    public func prepare() throws { try compile() }

    /// The kernel alone is timed, with A, B and C resident on the device; a "+copies" row is
    /// timed through `multiply`, copies included.
    public func placedProduct(_ a: Matrix, _ b: Matrix) throws -> (any PlacedProduct)? {
        timesCopies ? nil : try ResidentProduct(self, a, b)
    }

    /// Why this stage cannot run on this machine (no driver, no device, no cuBLAS), or nil if it can.
    public var unavailableReason: String? {
        do {
            _ = try backend()
            if code == .cuBLAS || code == .cuBLASTF32 { _ = try CUDABackend.shared.get().cuBLAS() }
            return nil
        } catch {
            return "\(error)"
        }
    }

    func backend() throws -> any Backend {
        switch api {
        case .cuda: try CUDABackend.shared.get()
        case .openCL: try OpenCLBackend.shared.get()
        }
    }

    /// `a · b`, with A and B copied to the device and C copied back.
    /// - Throws: `MatmulError.shapeMismatch`; `GPUError` when the GPU API is missing or fails.
    public func multiply(_ a: Matrix, _ b: Matrix) throws -> Matrix {
        let product = try ResidentProduct(self, a, b)
        try product.run()
        return try product.result()
    }
}

/// One product kept on the device: A and B copied there once, then the kernel run as often as
/// wanted, C copied back on request. The runner times `run()` alone for the kernel rows.
public final class ResidentProduct: PlacedProduct, @unchecked Sendable {
    public let shape: ProductShape
    /// Seconds the copies of A and B to the device took.
    public private(set) var uploadSeconds = 0.0
    /// Seconds the last copy of C from the device took.
    public private(set) var downloadSeconds = 0.0
    /// Both copies: what `multiply` pays on top of the kernel.
    public var copySeconds: Double { uploadSeconds + downloadSeconds }

    private let stage: GPUMatmul
    private let backend: (any Backend)?
    private var buffers: (a: DeviceBuffer, b: DeviceBuffer, c: DeviceBuffer)?

    /// Copies `a` and `b` to the device and makes room for C.
    /// - Throws: `MatmulError.shapeMismatch`, `GPUError`.
    public init(_ stage: GPUMatmul, _ a: Matrix, _ b: Matrix) throws {
        let shape = try ProductShape(a, b)
        self.shape = shape
        self.stage = stage
        // An empty product needs no device at all (and OpenCL refuses buffers of 0 bytes):
        // C is m×n zeros, also when k = 0.
        guard shape.m > 0, shape.n > 0, shape.k > 0 else {
            backend = nil
            return
        }
        let backend = try stage.backend()
        self.backend = backend
        try checkLimits(shape, backend)
        let start = ContinuousClock.now
        buffers = try backend.locked {
            let (deviceA, deviceB) = (try backend.allocate(floats: a.elements.count), try backend.allocate(floats: b.elements.count))
            try a.withUnsafeBufferPointer { try backend.upload($0, to: deviceA, offset: 0) }
            try b.withUnsafeBufferPointer { try backend.upload($0, to: deviceB, offset: 0) }
            // C, and a guard zone after it that no kernel may write (see `result()`).
            let deviceC = try backend.allocate(floats: shape.m * shape.n + guardZone.count)
            try guardZone.withUnsafeBufferPointer { try backend.upload($0, to: deviceC, offset: shape.m * shape.n) }
            try backend.finish()
            return (deviceA, deviceB, deviceC)
        }
        uploadSeconds = secondsSince(start)
    }

    /// Runs the product on the device and waits for it to finish.
    public func run() throws {
        guard let backend, let buffers else { return }
        try backend.locked {
            try start(backend, buffers)
            try backend.finish()
        }
    }

    /// Seconds one product takes on the device: the mean of `runs` products started back to back,
    /// timed by the device where its API can (CUDA events), else by the host clock. A kernel of a
    /// few microseconds needs many runs per sample to be timed truly: a launch alone costs the
    /// host a few microseconds.
    public func deviceSecondsPerRun(runs: Int) throws -> Double {
        guard let backend, let buffers else { return 0 }
        precondition(runs > 0, "runs must be positive")
        return try backend.locked { try backend.deviceSeconds(runs: runs) { try start(backend, buffers) } } / Double(runs)
    }

    /// Starts the product on the device (without waiting for it).
    private func start(_ backend: any Backend, _ buffers: (a: DeviceBuffer, b: DeviceBuffer, c: DeviceBuffer)) throws {
        switch stage.code {
        case let .kernel(kernel):
            try backend.launch(kernel, sizes: stage.sizes(on: backend)!, m: shape.m, n: shape.n, k: shape.k,
                               a: buffers.a, b: buffers.b, c: buffers.c)
        case .cuBLAS:
            try CUDABackend.shared.get().cuBLAS().multiply(m: shape.m, n: shape.n, k: shape.k,
                                                           a: buffers.a, b: buffers.b, c: buffers.c)
        case .cuBLASTF32:
            try CUDABackend.shared.get().cuBLAS().multiplyTF32(m: shape.m, n: shape.n, k: shape.k,
                                                               a: buffers.a, b: buffers.b, c: buffers.c)
        }
    }

    /// Copies C from the device.
    /// - Throws: `GPUError.wroteOutsideC` when the kernel wrote into the guard zone after C: a
    ///   bounds check off by one, which would otherwise pass unseen or corrupt other memory.
    public func result() throws -> Matrix {
        var c = shape.zeroResult()
        guard let backend, let buffers else { return c }
        let start = ContinuousClock.now
        var zone = [Float](repeating: 0, count: guardZone.count)
        try backend.locked {
            try c.withUnsafeMutableBufferPointer { try backend.download(buffers.c, offset: 0, to: $0) }
            try zone.withUnsafeMutableBufferPointer { try backend.download(buffers.c, offset: shape.m * shape.n, to: $0) }
        }
        downloadSeconds = secondsSince(start)
        if let first = zone.indices.first(where: { zone[$0].bitPattern != guardZone[$0].bitPattern }) {
            throw GPUError.wroteOutsideC("\(stage.id) wrote past the end of C on \(shape): float \(first) of the \(guardZone.count) "
                                         + "after C changed; a bounds check in the kernel lets a thread write outside C")
        }
        return c
    }

    /// The device buffers, for tests that write where a faulty kernel would.
    var buffersForTesting: (a: DeviceBuffer, b: DeviceBuffer, c: DeviceBuffer)? { buffers }

    /// The floats after C that no kernel may write: one row of C and 64 more (a bounds check off
    /// by one in rows writes a whole row past C, in columns one float), each a NaN of a payload no
    /// product yields.
    private var guardZone: [Float] { [Float](repeating: Float(bitPattern: 0x7FC0_BEEF), count: shape.n + 64) }

    /// The kernels index with 32-bit ints, and CUDA grids have at most 65535 blocks along y.
    private func checkLimits(_ shape: ProductShape, _ backend: any Backend) throws {
        let limit = Int(Int32.max)
        for (name, count) in [("A", shape.m * shape.k), ("B", shape.k * shape.n), ("C", shape.m * shape.n)]
        where count > limit {
            throw GPUError.tooLarge("\(name) of \(shape) has \(count) elements; the GPU kernels index with 32-bit ints, at most \(limit)")
        }
        if stage.code == .kernel(.tunedTiles), let tiles = stage.tiles, let problem = tiles.problem(maxThreads: backend.maxThreadsPerBlock) {
            throw GPUError.tooLarge("6e cannot run with \(tiles) on this device: \(problem)")
        }
        if let sizes = stage.sizes(on: backend) {
            let grid = sizes.grid(m: shape.m, n: shape.n)
            if grid.y > backend.maxGridY {
                throw GPUError.tooLarge("\(shape) needs \(grid.y) blocks along the grid's y; \(backend.api) allows \(backend.maxGridY)")
            }
        }
    }
}

extension GPUMatmul {
    /// Compiles this stage's kernel now (it is otherwise compiled by the first product), so that
    /// timings never include compilation. Does nothing for cuBLAS beyond opening it.
    /// - Throws: `GPUError` when the backend is missing or the kernel does not compile.
    public func compile() throws {
        let one = try Matrix(rows: 1, columns: 1, repeating: 1)
        _ = try multiply(one, one)
    }
}
