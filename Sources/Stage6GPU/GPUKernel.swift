/// The hand-written kernels, in the lesson's order: 6a naive, 6b coalesced, 6c shared-memory
/// tiles, 6d register tiles, 6e tuned tiles, 6f warp tiles. Each file `Kernel6…swift` holds one,
/// with the idea it adds.
public enum GPUKernel: String, CaseIterable, Sendable {
    case naive, coalesced, sharedTiles, registerTiles, tunedTiles, warpTiles

    /// The kernel's letter in the runner's ids: 6a, 6b, 6c, 6d.
    public var letter: String {
        switch self {
        case .naive: "a"
        case .coalesced: "b"
        case .sharedTiles: "c"
        case .registerTiles: "d"
        case .tunedTiles: "e"
        case .warpTiles: "f"
        }
    }

    public var name: String {
        switch self {
        case .naive: "naive"
        case .coalesced: "coalesced"
        case .sharedTiles: "shared tiles"
        case .registerTiles: "register tiles"
        case .tunedTiles: "tuned tiles"
        case .warpTiles: "warp tiles"
        }
    }

    /// One line on what this kernel changes, compared with the one before it.
    public var change: String {
        switch self {
        case .naive: "one GPU thread per element of C, Stage 1's loop in each"
        case .coalesced: "neighbouring threads take neighbouring columns: coalesced loads and stores"
        case .sharedTiles: "tiles of A and B in shared memory, each global load used TILE times"
        case .registerTiles: "8×8 results per thread in registers, float4 loads, 128×128 block tiles"
        case .tunedTiles: "6d with its tile sizes (BM, BN, BK, TM, TN) searched per device by the tuner"
        case .warpTiles: "each warp owns a sub-tile of the block's, each thread a few small patches of it"
        }
    }

    /// The kernel's code, without a prelude: every kernel's function is called `matmul`.
    var body: String {
        switch self {
        case .naive: Self.naiveBody
        case .coalesced: Self.coalescedBody
        case .sharedTiles: Self.sharedTilesBody
        case .registerTiles: Self.registerTilesBody
        case .tunedTiles: Self.tunedTilesBody
        case .warpTiles: Self.warpTilesBody
        }
    }

    /// The sizes a kernel is compiled with and launched with. They depend on how many threads the
    /// device allows in one block (1024 on NVIDIA GPUs; OpenCL devices vary).
    struct Sizes: Hashable, Sendable {
        /// Threads per block along x and y.
        var threadsX: Int
        var threadsY: Int
        /// Elements of C one block covers along the grid's x and y.
        var spanX: Int
        var spanY: Int
        /// Whether the grid's x runs down the rows of C (6a) rather than along them.
        var xIsRows = false
        /// #defines the kernel source needs, in order.
        var defines: [Define] = []

        struct Define: Hashable, Sendable {
            var name: String
            var value: Int
        }

        /// Blocks along x and y for an m×n result.
        func grid(m: Int, n: Int) -> (x: Int, y: Int) {
            let (extentX, extentY) = xIsRows ? (m, n) : (n, m)
            return ((extentX + spanX - 1) / spanX, (extentY + spanY - 1) / spanY)
        }
    }

    /// This kernel's sizes on a device that allows `maxThreads` threads per block; 6e's come from
    /// `tiles` (the tuner's choice), or its defaults.
    func sizes(maxThreads: Int, tiles: TileSizes? = nil) -> Sizes {
        let side = maxThreads >= 1024 ? 32 : maxThreads >= 256 ? 16 : 8
        switch self {
        case .naive:
            return Sizes(threadsX: side, threadsY: side, spanX: side, spanY: side, xIsRows: true)
        case .coalesced:
            return Sizes(threadsX: side, threadsY: side, spanX: side, spanY: side)
        case .sharedTiles:
            return Sizes(threadsX: side, threadsY: side, spanX: side, spanY: side,
                         defines: [.init(name: "TILE", value: side)])
        case .registerTiles:
            // 16×16 threads of 8×8 results: 128×128 tiles of C (8×8 threads, 64×64, on small devices).
            let threads = maxThreads >= 256 ? 16 : 8
            let tile = threads * 8
            return Sizes(threadsX: threads, threadsY: threads, spanX: tile, spanY: tile,
                         defines: [.init(name: "BM", value: tile), .init(name: "BN", value: tile), .init(name: "BK", value: 8)])
        case .tunedTiles:
            let tiles = tiles ?? TileSizes.standard(maxThreads: maxThreads)
            return Sizes(threadsX: tiles.bn / tiles.tn, threadsY: tiles.bm / tiles.tm, spanX: tiles.bn, spanY: tiles.bm,
                         defines: tiles.defines)
        case .warpTiles:
            return WarpTiles.standard(maxThreads: maxThreads).sizes
        }
    }
}
