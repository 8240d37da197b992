// Stage 4 — blocked. The one idea: stop streaming through memory; bring a block of the problem
// into the cache, do all the work it allows, then move on. Built up in four steps, each a row of
// the speedup table, so each step's gain is measured on its own:
//
//   4a tiled        Stage 3's i-k-j loops, cut into blocks that fit in the caches
//   4b packed       + copy each block into a contiguous, zero-padded buffer in the order it is used
//   4c micro-kernel + a 6 × 16 tile of C held in SIMD registers, updated with FMA
//   4  blocked      + threads over parts of C chosen by the shape, an unpacked path for small
//                     products, a memory-bound path for skinny B (Threads.swift), and the
//                     register tile that suits the CPU: 6 × 16, or 12 × 32 of 16-lane vectors
//                     where those are faster (RegisterTile.swift)
//
// The loop nest of 4b–4 (the one GotoBLAS and BLIS made standard), from the outside in:
//
//   for jc: columns of B, nc at a time          B panel   (kc × nc) in L3
//     for pc: depth, kc at a time                  packed once, shared by every thread
//       for ic: rows of A, mc at a time             A block   (mc × kc) in L2, packed per thread
//         for jr: nr columns                           B micro-panel (kc × nr) in L1
//           for ir: mr rows                              micro-kernel: C[ir, jr] tile += A · B

import Dispatch
import MatmulCore

/// The blocked matrix product, at one of the four steps of the lesson.
public struct BlockedMatmul: MatmulStage {
    /// How far along the lesson's steps this product goes; each includes the ones before it.
    public enum Step: String, CaseIterable, Sendable {
        case tiled, packed, microKernel, full
    }

    public let step: Step
    public let threads: Int
    public let blocks: BlockSizes

    /// - Parameters:
    ///   - step: how much of the lesson to use (default: all of it).
    ///   - threads: threads for the `full` step (at least 1); the other steps use one thread.
    ///   - blocks: the block sizes and register tile (default: this machine's tile, blocks derived
    ///     from its caches). The lesson's steps 4b and 4c always use the lesson's 6 × 16 tile.
    public init(step: Step = .full, threads: Int = 1, blocks: BlockSizes = .host) {
        self.step = step
        self.threads = step == .full ? max(1, threads) : 1
        self.blocks = step == .full ? blocks : blocks.retiled(.narrow)
    }

    public var id: String {
        switch step {
        case .tiled: "4a"
        case .packed: "4b"
        case .microKernel: "4c"
        case .full: "4"
        }
    }

    public var name: String {
        switch step {
        case .tiled: "tiled"
        case .packed: "packed"
        case .microKernel: "micro-kernel"
        case .full: "blocked"
        }
    }

    public var change: String {
        switch step {
        case .tiled: "Stage 3's loops cut into blocks that stay in L1/L2"
        case .packed: "blocks of A and B packed contiguous and zero-padded"
        case .microKernel: "6×16 tile of C in SIMD registers, FMA"
        case .full: "threads split by the shape; small products unpacked; skinny B read once; the CPU's tile"
        }
    }

    public var note: String? {
        switch step {
        case .tiled: nil
        case .packed, .microKernel: "\(blocks)"
        case .full where blocks.tile == RegisterTile.host: "\(blocks) (\(RegisterTile.choice.reason))"
        case .full: "\(blocks) (asked for)"
        }
    }

    /// 4a–4c are the lesson's steps towards 4.
    public var isLessonStep: Bool { step != .full }

    /// `a · b`. Complexity: O(m·n·k) time; O(kc·nc + threads·mc·kc) floats of packing buffers.
    public func multiply(_ a: Matrix, _ b: Matrix) throws -> Matrix {
        try productOnViews(a, b) { multiplyAdd(1, $0, $1, $2) }
    }

    /// C ← α·A·B + β·C on views: BLAS's SGEMM. The same loops as `multiply`, with three additions:
    /// C is scaled by β first (zeros written when β = 0, C not read); α is multiplied into A as
    /// it is packed; and a transposed A or B is read in its own order by the packing routines.
    public func gemm(alpha: Float, _ a: MatrixView, _ b: MatrixView, beta: Float, _ c: MatrixView) throws {
        try stage4GEMM(alpha: alpha, a, b, beta: beta, c, multiplyAdd: multiplyAdd)
    }

    /// C += α · A · B on views into larger matrices; C is not transposed (Strassen calls this on quadrants).
    func multiplyAdd(_ alpha: Float, _ a: MatrixView, _ b: MatrixView, _ c: MatrixView) {
        guard a.rows > 0, b.columns > 0, a.columns > 0 else { return }
        switch step {
        case .tiled where b.isTransposed:
            // 4a has no packing to reorder B: one row-major copy of it, O(k·n) beside O(m·n·k).
            var copy = Matrix(copying: b)
            copy.withView { tiledProduct(alpha, a, $0, c, blocks: blocks) }
        case .tiled:
            tiledProduct(alpha, a, b, c, blocks: blocks)
        case .packed:
            packedProduct(alpha, a, b, c, blocks: blocks, threads: 1, pieces: .plain)
        case .microKernel:
            packedProduct(alpha, a, b, c, blocks: blocks, threads: 1, pieces: .stage(for: blocks.tile))
        case .full:
            threadedProduct(alpha, a, b, c, blocks: blocks, threads: threads)
        }
    }
}

/// The GEMM frame of Stage 4's products (4a–4 and 4s): shapes checked; a column-major
/// (transposed) C computed as Cᵀ = Bᵀ·Aᵀ, so the kernels always write rows; C scaled by β (not
/// read when β = 0); then `multiplyAdd` adds α·A·B, unless there is no product (α = 0 or an
/// empty dimension), when A and B are not read.
func stage4GEMM(alpha: Float, _ a: MatrixView, _ b: MatrixView, beta: Float, _ c: MatrixView,
                multiplyAdd: (Float, MatrixView, MatrixView, MatrixView) -> Void) throws {
    let shape = try GEMMShape(a, b, c)
    if c.isTransposed {
        return try stage4GEMM(alpha: alpha, b.transposed(), a.transposed(), beta: beta, c.transposed(), multiplyAdd: multiplyAdd)
    }
    c.scale(by: beta)
    if shape.needsProduct(alpha: alpha) { multiplyAdd(alpha, a, b, c) }
}

// MARK: - 4a: tiling

/// 4a's blocks: `rows` rows of A (and C) at a time meet a block of B `depth` rows by `columns`
/// columns.
public struct TileSizes: Sendable, CustomStringConvertible {
    public let rows: Int
    public let depth: Int
    public let columns: Int

    /// Sizes of at least 1 each.
    public init(rows: Int, depth: Int, columns: Int) {
        precondition(rows >= 1 && depth >= 1 && columns >= 1, "tile sizes must be at least 1")
        (self.rows, self.depth, self.columns) = (rows, depth, columns)
    }

    /// 4a's choice for a product with `n` columns: the row segment of C being updated fills half
    /// of L1 (or is all of a row, if shorter), the block of B half of L2, and `blocks.mc` rows.
    public init(n: Int, blocks: BlockSizes, caches: CacheSizes = .host) {
        let float = MemoryLayout<Float>.size
        let columns = max(1, min(n, caches.l1 / 2 / float))
        self.init(rows: blocks.mc, depth: max(8, caches.l2 / 2 / (columns * float)), columns: columns)
    }

    public var description: String { "rows=\(rows) depth=\(depth) columns=\(columns)" }
}

/// Stage 3's i-k-j loops over blocks. Stage 3 streams all of B past every row of A; here a strip
/// of `rows` rows of A meets one block of B, `depth` rows by `width` columns, sized so that the
/// row segment of C being updated stays in L1 (half of it) and the block of B in L2 (half of it).
/// B and C are read along rows (not transposed); C += α·A·B.
func tiledProduct(_ alpha: Float, _ a: MatrixView, _ b: MatrixView, _ c: MatrixView, blocks: BlockSizes) {
    let (m, k, n) = (a.rows, a.columns, b.columns)
    let tile = TileSizes(n: n, blocks: blocks)
    let (width, depth) = (tile.columns, tile.depth)
    // lesson: 4a-tiling
    for jc in stride(from: 0, to: n, by: width) {              // a block of B's columns…
        let columns = min(width, n - jc)
        for pc in stride(from: 0, to: k, by: depth) {           // …and of its rows: depth × width in L2
            let pEnd = min(pc + depth, k)
            for ic in stride(from: 0, to: m, by: tile.rows) {
                for i in ic..<min(ic + tile.rows, m) {          // Stage 3's i-k-j loops inside the block
                    let cRow = c.pointer(i, jc)
                    for p in pc..<pEnd {
                        let aip = alpha * a[i, p]
                        let bRow = b.pointer(p, jc)
                        for j in 0..<columns { cRow[j] += aip * bRow[j] }
                    }
                }
            }
        }
    }
    // end lesson: 4a-tiling
}

// MARK: - 4b–4: packed blocks and a kernel per tile

/// The signature every tile kernel shares: C tile (mr × nr, rows `ldc` apart) += packed A · packed B.
public typealias TileKernel = @Sendable (_ depth: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                        _ c: UnsafeMutablePointer<Float>, _ ldc: Int) -> Void

/// 4b's kernel: the same tile as the micro-kernel, written as plain loops. The tile is a local
/// array, so the compiler knows nothing else writes it and vectorizes the j loop; but `+=` of a
/// product is a multiply then an add, never a fused FMA, and the register allocation is up to it.
@inline(never)
public func plainKernel(depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                 c: UnsafeMutablePointer<Float>, ldc: Int) {
    let (mr, nr) = (MicroKernel.mr, MicroKernel.nr)
    withUnsafeTemporaryAllocation(of: Float.self, capacity: mr * nr) { tile in
        tile.initialize(repeating: 0)
        // lesson: 4b-tile
        for p in 0..<depth {
            for r in 0..<mr {
                let arp = a[p * mr + r]
                for j in 0..<nr { tile[r * nr + j] += arp * b[p * nr + j] }
            }
        }
        // end lesson: 4b-tile
        for r in 0..<mr {
            for j in 0..<nr { c[r * ldc + j] += tile[r * nr + j] }
        }
    }
}

/// The three pieces the five loops call: how a block of A is packed, how a panel of B is, and the
/// kernel run on each mr × nr tile. 4b and 4c differ only in the kernel; your exercises swap in
/// their own pieces (Sources/YourTurn).
public struct BlockedPieces: Sendable {
    /// Packs an A block (at most mc × kc), times α, into micro-panels of `mr` rows, zero-padded.
    public typealias PackA = @Sendable (_ a: MatrixView, _ buffer: UnsafeMutablePointer<Float>, _ alpha: Float) -> Void
    /// Packs the chosen micro-panels (`nr` columns each) of a B panel (at most kc × nc), zero-padded.
    public typealias PackB = @Sendable (_ b: MatrixView, _ buffer: UnsafeMutablePointer<Float>, _ panels: Range<Int>) -> Void

    let packingA: PackA
    let packingB: PackB
    let tileKernel: TileKernel
    /// The tile the pieces pack for and compute.
    public let tile: RegisterTile

    /// Pieces for `tile` (default: the lesson's 6 × 16, which the exercises keep).
    public init(packA: @escaping PackA, packB: @escaping PackB, kernel: @escaping TileKernel, tile: RegisterTile = .narrow) {
        (packingA, packingB, tileKernel, self.tile) = (packA, packB, kernel, tile)
    }

    /// Stage 4's own for `tile`: `packA`, `packB` (Packing.swift) and the tile's kernel
    /// (`microKernel` in MicroKernel.swift for 6 × 16, `wideMicroKernel` in RegisterTile.swift).
    public static func stage(for tile: RegisterTile) -> BlockedPieces {
        let (mr, nr) = (tile.rows, tile.columns)
        return BlockedPieces(packA: { Stage4Blocked.packA($0, into: $1, alpha: $2, mr: mr) },
                             packB: { Stage4Blocked.packB($0, into: $1, panels: $2, nr: nr) },
                             kernel: tile.tileKernel, tile: tile)
    }
    /// The lesson's: the 6 × 16 tile's packing and `microKernel`.
    public static let stage = stage(for: .narrow)
    /// 4b's: the same packing, with `plainKernel`.
    public static let plain = BlockedPieces(packA: stage.packingA, packB: stage.packingB, kernel: plainKernel)

    /// Packs `a` (at most mc × kc rows and columns), times `alpha`, into `buffer`: see `packA(_:into:alpha:)`.
    public func packA(_ a: MatrixView, into buffer: UnsafeMutablePointer<Float>, alpha: Float = 1) {
        packingA(a, buffer, alpha)
    }

    /// Packs micro-panels `panels` of `b` into `buffer`: see `packB(_:into:panels:)`.
    public func packB(_ b: MatrixView, into buffer: UnsafeMutablePointer<Float>, panels: Range<Int>) {
        packingB(b, buffer, panels)
    }

    /// C tile (mr × nr at `c`, rows `ldc` floats apart) += packed A micro-panel · packed B micro-panel.
    public func kernel(depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int) {
        tileKernel(depth, a, b, c, ldc)
    }
}

/// C += α · A · B by the five-loop nest at the top of this file, with `pieces` packing the blocks
/// and computing each mr × nr tile (the pieces' tile). C is not transposed; A and B may be.
public func packedProduct(_ alpha: Float, _ a: MatrixView, _ b: MatrixView, _ c: MatrixView, blocks: BlockSizes,
                          threads: Int, pieces: BlockedPieces) {
    let (m, k, n) = (a.rows, a.columns, b.columns)
    let (mr, nr) = (pieces.tile.rows, pieces.tile.columns)
    let blocks = blocks.retiled(pieces.tile)
    let kc = min(blocks.kc, k)
    let nc = min(blocks.nc, roundUp(n, to: nr))
    let mc = min(blocks.mc, roundUp(m, to: mr))
    // One packed B panel shared by all threads; per thread, a packed A block and an edge tile.
    // Borrowed, not allocated: a fresh buffer of megabytes costs a page fault per 4 KiB (BufferPool).
    let packedB = BufferPool.shared.borrow(count: kc * nc)
    let workspaces = (0..<threads).map { _ in BufferPool.shared.borrow(count: mc * kc + mr * nr) }
    defer {
        BufferPool.shared.giveBack(packedB)
        workspaces.forEach(BufferPool.shared.giveBack)
    }
    let microRows = (m + mr - 1) / mr
    // lesson: five-loops
    for jc in stride(from: 0, to: n, by: nc) {
        let columns = min(nc, n - jc)
        for pc in stride(from: 0, to: k, by: kc) {
            let depth = min(kc, k - pc)
            let bBlock = b.block(rows: pc..<pc + depth, columns: jc..<jc + columns)
            let panels = (columns + nr - 1) / nr
            forEachThread(threads) { t, count in
                pieces.packB(bBlock, into: packedB.base, panels: (panels * t / count)..<(panels * (t + 1) / count))
            }
            // Each thread takes a contiguous range of rows, a multiple of mr, and writes only those rows of C.
            forEachThread(threads) { t, count in
                let packedA = workspaces[t].base
                let edgeTile = packedA + mc * kc
                let rows = min(m, microRows * t / count * mr)..<min(m, microRows * (t + 1) / count * mr)
                for ic in stride(from: rows.lowerBound, to: rows.upperBound, by: mc) {
                    let height = min(mc, rows.upperBound - ic)
                    pieces.packA(a.block(rows: ic..<ic + height, columns: pc..<pc + depth), into: packedA, alpha: alpha)
                    for jr in stride(from: 0, to: columns, by: nr) {
                        let tileColumns = min(nr, columns - jr)
                        let bPanel = UnsafePointer(packedB.base + jr * depth)
                        for ir in stride(from: 0, to: height, by: mr) {
                            let tileRows = min(mr, height - ir)
                            let aPanel = UnsafePointer(packedA + ir * depth)
                            let cTile = c.pointer(ic + ir, jc + jr)
                            if tileRows == mr && tileColumns == nr {
                                pieces.kernel(depth: depth, a: aPanel, b: bPanel, c: cTile, ldc: c.stride)
                            } else {
                                // An edge tile: compute the whole padded tile into scratch, add the part inside C.
                                edgeTile.update(repeating: 0, count: mr * nr)
                                pieces.kernel(depth: depth, a: aPanel, b: bPanel, c: edgeTile, ldc: nr)
                                for r in 0..<tileRows {
                                    for j in 0..<tileColumns { cTile[r * c.stride + j] += edgeTile[r * nr + j] }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    // end lesson: five-loops
}

/// Runs `body(t, count)` for t in 0..<count on `count` threads; on the calling thread alone when count is 1.
func forEachThread(_ count: Int, _ body: @Sendable (_ thread: Int, _ count: Int) -> Void) {
    if count == 1 {
        body(0, 1)
    } else {
        DispatchQueue.concurrentPerform(iterations: count) { body($0, count) }
    }
}
