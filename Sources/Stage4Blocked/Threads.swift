// Threads, as Stage 4 uses them (lessons/04-blocked.md, part 8).
//
// The lesson's first version (`packedProduct(threads:)`) splits the rows of C among threads and
// meets twice per block of depth: once to pack B together, once to compute. That loses on three
// counts, each measured on this course's 2-core VM (lesson 04):
//
// 1. A product with few rows has little to split: 64 rows are 11 micro-rows, 6 and 5 per thread.
// 2. Every meeting wakes the other threads. A thread that went to sleep waits for the kernel to
//    run it again, and in a VM for the other virtual CPU to be woken: tens of microseconds, more
//    than a whole 128³ product takes on one core.
// 3. A product of a few microseconds cannot pay for a second thread at all.
//
// So Stage 4 cuts C into a grid of parts, rows × columns, chosen from the shape by a cost model
// (`ThreadGrid`), and each thread computes its part as an independent product, packing its own
// blocks: one meeting per product, at the end. The threads are our own (`Workers`): started once,
// they spin for a millisecond after each product before they sleep, so a program that multiplies
// again soon finds them awake, as OpenBLAS's threads are.

import CPrefetch
import Dispatch
import Foundation
import MatmulCore
import Synchronization

/// How a product is cut among threads: `rows` × `columns` parts of C, each computed by one thread.
public struct ThreadGrid: Equatable, Sendable, CustomStringConvertible {
    public let rows: Int
    public let columns: Int
    public var count: Int { rows * columns }

    public init(rows: Int, columns: Int) {
        precondition(rows >= 1 && columns >= 1, "a thread grid is at least 1 × 1")
        (self.rows, self.columns) = (rows, columns)
    }

    public var description: String { "\(rows)×\(columns)" }

    /// The grid with the least estimated time for an m×k · k×n product on at most `threads`
    /// threads: the slowest part's multiply-adds (padded to whole tiles), plus what it packs,
    /// plus a thread's start per extra thread, both in `costs` (default: HostCosts.swift's, measured
    /// on this machine for the blocks' tile). Fewer threads than offered when more would not pay. The parts are whole
    /// micro-tiles of `blocks.tile`.
    public static func choose(m: Int, k: Int, n: Int, threads: Int, blocks: BlockSizes = .host,
                              costs: HostCosts? = nil) -> ThreadGrid {
        let (mr, nr) = (blocks.tile.rows, blocks.tile.columns)
        let costs = threads <= 1 ? HostCosts(startCost: 0, packCost: 0) : costs ?? HostCosts.of(blocks.tile)
        let microRows = max(1, (m + mr - 1) / mr), panels = max(1, (n + nr - 1) / nr)
        func cost(_ grid: ThreadGrid) -> Double {
            let blocks = blocks.sharingL3(among: grid.count)
            let rows = Double((microRows + grid.rows - 1) / grid.rows * mr)
            let columns = Double((panels + grid.columns - 1) / grid.columns * nr)
            let (k, columnBlocks) = (Double(k), (columns / Double(blocks.nc)).rounded(.up))
            // A is packed once per block of nc columns; B once.
            let packed = rows * k * columnBlocks + k * columns
            return rows * columns * k + packed * costs.packCost + Double(grid.count - 1) * costs.startCost
        }
        var best = ThreadGrid(rows: 1, columns: 1)
        if threads <= 1 { return best }
        // More parts than micro-tiles cannot pay: each part needs a tile of its own.
        let (tiles, overflow) = microRows.multipliedReportingOverflow(by: panels)
        let most = overflow ? threads : min(threads, tiles)
        for count in 2...max(2, most) where count <= most {
            for rows in 1...count where count % rows == 0 {
                let grid = ThreadGrid(rows: rows, columns: count / rows)
                guard grid.rows <= microRows, grid.columns <= panels else { continue }
                if cost(grid) < cost(best) { best = grid }
            }
        }
        return best
    }

    /// Part `index`'s rows and columns of an m × n product: whole micro-rows and micro-panels of
    /// `tile`, shared out as evenly as they go.
    func part(_ index: Int, m: Int, n: Int, tile: RegisterTile) -> (rows: Range<Int>, columns: Range<Int>) {
        let (mr, nr) = (tile.rows, tile.columns)
        let (r, c) = (index / columns, index % columns)
        let microRows = (m + mr - 1) / mr, panels = (n + nr - 1) / nr
        let rowRange = min(m, microRows * r / rows * mr)..<min(m, microRows * (r + 1) / rows * mr)
        let columnRange = min(n, panels * c / columns * nr)..<min(n, panels * (c + 1) / columns * nr)
        return (rowRange, columnRange)
    }
}

/// Stage 4's threads: started the first time a product needs them, kept for the next.
final class Workers: Sendable {
    static let shared = Workers()

    /// How long an idle worker spins, waiting for the next product, before it sleeps.
    static let spinNanoseconds: UInt64 = 1_000_000

    private let busy = Atomic<Bool>(false)
    private let team = Mutex<[Worker]>([])

    /// Runs `body(part)` for every part in 0..<parts, part 0 on the calling thread and the others
    /// on workers, and returns when all are done. If another product has the workers (two
    /// programs' threads calling Stage 4 at once, or a part that multiplies again), Dispatch's
    /// threads run the parts instead.
    func run(parts: Int, _ body: @escaping @Sendable (Int) -> Void) {
        if parts == 1 { return body(0) }
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return DispatchQueue.concurrentPerform(iterations: parts, execute: body)
        }
        defer { busy.store(false, ordering: .releasing) }
        let helpers = team.withLock { team in
            while team.count < parts - 1 { team.append(Worker()) }
            return Array(team.prefix(parts - 1))
        }
        let job = Job(body: body, remaining: parts - 1)
        for (index, worker) in helpers.enumerated() { worker.start(job, part: index + 1) }
        body(0)
        var spins = 0
        while job.remaining.load(ordering: .acquiring) > 0 { relax(&spins) }
    }
}

/// One product's parts, shared by the threads running them.
private final class Job: Sendable {
    let body: @Sendable (Int) -> Void
    /// Parts not yet finished by the workers.
    let remaining: Atomic<Int>
    init(body: @escaping @Sendable (Int) -> Void, remaining: Int) {
        self.body = body
        self.remaining = Atomic(remaining)
    }
}

/// A thread that runs one part at a time: it spins while work may come soon and sleeps after.
private final class Worker: Sendable {
    /// Bumped once per part given; the worker runs a part when it differs from the last it saw.
    private let ticket = Atomic<Int>(0)
    private let sleeping = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private let slot = Mutex<(job: Job, part: Int)?>(nil)

    init() {
        let thread = Thread { [self] in loop() }
        thread.name = "Stage 4 worker"
        thread.start()
    }

    func start(_ job: Job, part: Int) {
        slot.withLock { $0 = (job, part) }
        // Sequentially consistent on both sides: the worker sets `sleeping` then reads `ticket`,
        // this sets `ticket` then reads `sleeping`, so at least one of them sees the other.
        ticket.add(1, ordering: .sequentiallyConsistent)
        if sleeping.load(ordering: .sequentiallyConsistent) { wake.signal() }
    }

    private func loop() -> Never {
        var seen = 0
        while true {
            var deadline = DispatchTime.now().uptimeNanoseconds + Workers.spinNanoseconds
            var spins = 0
            while ticket.load(ordering: .acquiring) == seen {
                relax(&spins)
                guard spins % 64 == 0, DispatchTime.now().uptimeNanoseconds > deadline else { continue }
                sleeping.store(true, ordering: .sequentiallyConsistent)
                // A signal left over from a wake-up that was not needed only makes this loop go round again.
                if ticket.load(ordering: .sequentiallyConsistent) == seen { wake.wait() }
                sleeping.store(false, ordering: .sequentiallyConsistent)
                deadline = DispatchTime.now().uptimeNanoseconds + Workers.spinNanoseconds
            }
            seen += 1
            if let (job, part) = slot.withLock({ slot in defer { slot = nil }; return slot }) {
                job.body(part)
                job.remaining.subtract(1, ordering: .releasing)
            }
        }
    }
}

/// One turn of a wait loop: the first turns pause the core for a moment; later ones also give the
/// CPU to any other thread that is ready (sched_yield), because the thread being waited for may
/// be queued behind this one on the same CPU (Linux often wakes a thread on its waker's CPU).
private func relax(_ spins: inout Int) {
    spins += 1
    if spins < 64 { spin_pause() } else { sched_yield() }
}

/// Stage 4's product on `threads` threads: C cut into the grid `ThreadGrid.choose` picks, each
/// part an independent product on one thread (`singleThreadProduct`).
func threadedProduct(_ alpha: Float, _ a: MatrixView, _ b: MatrixView, _ c: MatrixView, blocks: BlockSizes, threads: Int) {
    let (m, k, n) = (a.rows, a.columns, b.columns)
    gridProduct(alpha, a, b, c, blocks: blocks, grid: ThreadGrid.choose(m: m, k: k, n: n, threads: threads, blocks: blocks))
}

/// C += α · A · B cut into `grid`'s parts, one thread each.
func gridProduct(_ alpha: Float, _ a: MatrixView, _ b: MatrixView, _ c: MatrixView, blocks: BlockSizes, grid: ThreadGrid) {
    let (m, k, n) = (a.rows, a.columns, b.columns)
    // One part: no workers, and no closure for them to share (a small product's few microseconds
    // would feel its allocation).
    if grid.count == 1 { return singleThreadProduct(alpha, a, b, c, blocks: blocks) }
    let blocks = blocks.sharingL3(among: grid.count)
    Workers.shared.run(parts: grid.count) { index in
        let (rows, columns) = grid.part(index, m: m, n: n, tile: blocks.tile)
        guard !rows.isEmpty, !columns.isEmpty else { return }
        singleThreadProduct(alpha, a.block(rows: rows, columns: 0..<k), b.block(rows: 0..<k, columns: columns),
                            c.block(rows: rows, columns: columns), blocks: blocks)
    }
}

/// One thread's product, by the path that suits its shape (lessons/04-blocked.md, part 8):
/// - unpacked (`unpackedProduct`) when packing would not pay: A has at most 12 rows (a strip of B
///   is used twice at most), or the depth fits one block (kc) and either A's rows fit one block
///   (mc) or B is one or two micro-panels wide; provided B's rows are contiguous and not a
///   multiple of 4 KiB apart (a strip of such rows shares one set of L1, and packing is what cures it);
/// - the skinny path for B narrower than a micro-tile, with many rows of A (read once, in place);
/// - else the five loops, packed (`stage4PackedProduct`).
func singleThreadProduct(_ alpha: Float, _ a: MatrixView, _ b: MatrixView, _ c: MatrixView, blocks: BlockSizes) {
    let (m, k, n) = (a.rows, a.columns, b.columns)
    let (mr, nr) = (blocks.tile.rows, blocks.tile.columns)
    let fewUses = m <= 2 * mr || (k <= blocks.kc && (m <= blocks.mc || (nr...2 * nr).contains(n)))
    let stripFits = b.stride % 1024 != 0
    if !b.isTransposed && fewUses && stripFits {
        // Depth in blocks of kc, rows in blocks of mc: a strip of B stays in L1, the rows of A in L2.
        for pc in stride(from: 0, to: k, by: blocks.kc) {
            let depth = pc..<min(k, pc + blocks.kc)
            for ic in stride(from: 0, to: m, by: blocks.mc) {
                let rows = ic..<min(m, ic + blocks.mc)
                unpackedProduct(alpha, a.block(rows: rows, columns: depth), b.block(rows: depth, columns: 0..<n),
                                c.block(rows: rows, columns: 0..<n), tile: blocks.tile)
            }
        }
    } else if n < nr && !a.isTransposed {
        // The skinny path reads rows of A in place; a transposed A takes the packed path.
        skinnyProduct(alpha, a, b, c, lanes: blocks.tile.lanes)
    } else {
        stage4PackedProduct(alpha, a, b, c, blocks: blocks)
    }
}
