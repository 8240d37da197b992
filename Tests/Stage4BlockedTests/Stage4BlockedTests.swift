import Foundation
import MatmulCore
import MatmulTesting
import Stage1Loops
import Testing
@testable import Stage4Blocked

// Every tile the binary contains is checked on every host, whichever one this host would choose:
// on a CPU without AVX-512 the 12×32 kernel runs as pairs of 8-lane halves, slower and as exact.

@Test("Stage 4 (blocked) passes the shared conformance checks, with each register tile",
      arguments: ConformanceCase.all, RegisterTile.all)
func conformance(_ check: ConformanceCase, tile: RegisterTile) throws {
    let problems = try check.problems(of: BlockedMatmul(blocks: BlockSizes(caches: .host, tile: tile)))
    #expect(problems.isEmpty, "\(tile): \(problems.joined(separator: "; "))")
}

// With this machine's block sizes the shared shapes fit in one block; tiny blocks make every
// shape cross many block edges, in every step of the lesson and on several threads.
let tinyBlocks = try! BlockSizes(mc: 12, kc: 7, nc: 32, tile: .narrow)
let tinyWideBlocks = try! BlockSizes(mc: 24, kc: 7, nc: 64, tile: .wide)

@Test("Every step, with tiny blocks, 1–3 threads and each tile, passes the shared conformance checks",
      arguments: BlockedMatmul.Step.allCases, [1, 2, 3])
func stepsAndThreads(_ step: BlockedMatmul.Step, _ threads: Int) throws {
    for blocks in [tinyBlocks, tinyWideBlocks] {
        let stage = BlockedMatmul(step: step, threads: threads, blocks: blocks)
        for check in ConformanceCase.all {
            let problems = try check.problems(of: stage)
            #expect(problems.isEmpty, "\(stage.id), \(blocks), \(threads) threads, \(check): \(problems.joined(separator: "; "))")
        }
    }
}

@Test func theLessonStepsKeepTheLessonsTileAndStage4TakesTheOneAskedFor() {
    #expect(BlockedMatmul(step: .microKernel, blocks: tinyWideBlocks).blocks.tile == .narrow)
    #expect(BlockedMatmul(step: .packed, blocks: tinyWideBlocks).blocks.tile == .narrow)
    #expect(BlockedMatmul(step: .full, blocks: tinyWideBlocks).blocks.tile == .wide)
    #expect(BlockedMatmul(step: .full, blocks: tinyBlocks).blocks.tile == .narrow)
    // Sizes given are kept, rounded to the new tile; the host's are derived again for it.
    #expect(tinyBlocks.retiled(.wide) == (try! BlockSizes(mc: 12, kc: 7, nc: 32, tile: .wide)))
    #expect(BlockSizes(caches: .host, tile: .wide).retiled(.narrow) == BlockSizes(caches: .host, tile: .narrow))
}

@Test func theTileIsChosenByMeasuringBothKernels() {
    // The wide tile only when its kernel is more than 10% faster, as the peak's rule.
    #expect(TileChoice.decide([(.narrow, 100), (.wide, 200)]).tile == .wide)
    #expect(TileChoice.decide([(.narrow, 100), (.wide, 109)]).tile == .narrow)
    #expect(TileChoice.decide([(.narrow, 100), (.wide, 60)]).tile == .narrow)
    #expect(TileChoice.decide([(.narrow, 100), (.wide, 200)]).reason.contains("200.0"))
    // MATMUL_TILE forces a tile; a name that is none is said, and both are measured.
    #expect(TileChoice.measure(environment: ["MATMUL_TILE": "12x32"]).tile == .wide)
    #expect(TileChoice.measure(environment: ["MATMUL_TILE": "6×16"]).tile == .narrow)
    let wrong = TileChoice.measure(environment: ["MATMUL_TILE": "8x8"])
    #expect(wrong.reason.hasPrefix("MATMUL_TILE=8x8 is not a tile"))
    #expect(wrong.measured.map(\.tile) == RegisterTile.all)
    #expect(RegisterTile(named: "12x32") == .wide && RegisterTile(named: "6x16") == .narrow && RegisterTile(named: "16x6") == nil)
}

@Test("Packing for each tile: mr rows per step of A, nr columns per row of B, zeros past the edges",
      arguments: RegisterTile.all)
func packingFollowsTheTile(_ tile: RegisterTile) throws {
    let nr = tile.columns
    var b = try Matrix.randomNormal(rows: 5, columns: 2 * nr + 3, seed: 8)
    // A in panels of the tile's rows, and of its tail's (8 rows, not a multiple of 6) where it has one.
    for (mr, transposed) in ([tile.rows] + (tile.tailRows.map { [$0] } ?? [])).flatMap({ mr in [(mr, false), (mr, true)] }) {
        let a = try Matrix.randomNormal(rows: 2 * mr + 3, columns: 5, seed: 7)
        // Transposed: Aᵀ stored, read through a transposed view.
        var stored = transposed ? a.transposed() : a
        stored.withView { view in
            let a = transposed ? view.transposed() : view
            let panels = (a.rows + mr - 1) / mr
            var packed = [Float](repeating: .nan, count: panels * mr * a.columns)
            packed.withUnsafeMutableBufferPointer { packA(a, into: $0.baseAddress!, alpha: 2, mr: mr) }
            for index in packed.indices {
                let (panel, p, r) = (index / (mr * a.columns), index % (mr * a.columns) / mr, index % mr)
                let i = panel * mr + r
                #expect(packed[index] == (i < a.rows ? 2 * a[i, p] : 0), "\(tile), mr = \(mr), A\(transposed ? "ᵀ" : ""): [\(index)]")
            }
        }
    }
    b.withView { b in
        let panels = (b.columns + nr - 1) / nr
        var packed = [Float](repeating: .nan, count: panels * nr * b.rows)
        packed.withUnsafeMutableBufferPointer { packB(b, into: $0.baseAddress!, panels: 0..<panels, nr: nr) }
        for index in packed.indices {
            let (panel, p, j) = (index / (nr * b.rows), index % (nr * b.rows) / nr, index % nr)
            let column = panel * nr + j
            #expect(packed[index] == (column < b.columns ? b[p, column] : 0), "\(tile) B: [\(index)]")
        }
    }
}

@Test("Stage 4s (Strassen) passes the shared conformance checks within Higham's bound",
      arguments: ConformanceCase.all, [1, 2])
func strassen(_ check: ConformanceCase, threads: Int) throws {
    // A crossover of 4 makes even the small shared shapes recurse (127×61×97 four levels deep).
    let stage = StrassenMatmul(crossover: 4, threads: threads, blocks: tinyBlocks)
    var tolerance = Tolerance.anyOrder
    if let (m, k, n) = check.sizes { tolerance = .strassen(levels: stage.levels(m: m, k: k, n: n)) }
    let problems = try check.problems(of: stage, tolerance: tolerance)
    #expect(problems.isEmpty, "\(problems.joined(separator: "; "))")
}

@Test func strassenRecursesOnlyAboveTheCrossover() {
    let stage = StrassenMatmul(crossover: 64)
    #expect(stage.levels(m: 64, k: 1000, n: 1000) == 0)
    #expect(stage.levels(m: 65, k: 65, n: 65) == 1)
    #expect(stage.levels(m: 127, k: 61, n: 97) == 0)
    #expect(stage.levels(m: 1024, k: 1024, n: 1024) == 4)
}

@Test func strassenFallsBackWhenSumsCouldOverflow() throws {
    // 3e18 · 3e18 · 10 is finite in Float (1e38 > 9e37), but a Strassen sum of such entries may not be.
    var a = try Matrix(rows: 10, columns: 10, repeating: 3e18)
    var b = try Matrix(rows: 10, columns: 10, repeating: 3e18)
    func safe(_ a: inout Matrix, _ b: inout Matrix, levels: Int) -> Bool {
        a.withView { a in b.withView { b in strassenIsSafe(a, b, levels: levels) } }
    }
    #expect(!safe(&a, &b, levels: 1))
    let c = try StrassenMatmul(crossover: 2).multiply(a, b)
    #expect(c.elements.allSatisfy { $0.isFinite })
    var x = try Matrix.randomNormal(rows: 10, columns: 10, seed: 1)
    var y = try Matrix.randomNormal(rows: 10, columns: 10, seed: 2)
    #expect(safe(&x, &y, levels: 3))
}

@Test func largeSquareProductsAgreeWithTheLoopsAcrossRealBlockEdges() throws {
    // Bigger than one block of this machine's sizes in every dimension, and no multiple of any.
    for tile in RegisterTile.all {
        let blocks = BlockSizes(caches: .host, tile: tile)
        let check = ConformanceCase.agreesWithLoops(m: blocks.mc + 7, k: blocks.kc + 5, n: 131)
        let problems = try check.problems(of: BlockedMatmul(threads: 2, blocks: blocks))
        #expect(problems.isEmpty, "\(tile): \(problems.joined(separator: "; "))")
    }
}

@Test func blockSizesComeFromTheCaches() throws {
    let sizes = BlockSizes(caches: CacheSizes(l1: 32 << 10, l2: 512 << 10, l3: 32 << 20), tile: .narrow)
    #expect(sizes == (try BlockSizes(mc: 174, kc: 368, nc: 11392, tile: .narrow)))
    #expect(sizes.mc % MicroKernel.mr == 0 && sizes.nc % MicroKernel.nr == 0)
    // The wide tile on 48 KiB / 2 MiB / 32 MiB: kc = 49152 / (44 · 4) = 279 → 272, mc = 1 MiB / (272 · 4) = 963 → 960,
    // nc = 16 MiB / (272 · 4) = 15420 → 15392 (a multiple of 32).
    let wide = BlockSizes(caches: CacheSizes(l1: 48 << 10, l2: 2 << 20, l3: 32 << 20), tile: .wide)
    #expect(wide == (try BlockSizes(mc: 960, kc: 272, nc: 15392, tile: .wide)))
    // Rounded up to the tile; nonsense refused with a clear error.
    #expect((try BlockSizes(mc: 7, kc: 5, nc: 17, tile: .narrow)) == (try BlockSizes(mc: 12, kc: 5, nc: 32, tile: .narrow)))
    #expect((try BlockSizes(mc: 7, kc: 5, nc: 17, tile: .wide)).description == "12×32 tile, mc=12 kc=5 nc=32")
    #expect(throws: BlockSizeError.self) { try BlockSizes(mc: 0, kc: 5, nc: 17) }
    #expect(parseCacheSize("32K") == 32 << 10)
    #expect(parseCacheSize("32768K") == 32 << 20)
    #expect(parseCacheSize("1M") == 1 << 20)
    #expect(parseCacheSize("big") == nil)
}

@Test func threadsAreRespectedAndNamed() {
    #expect(BlockedMatmul(step: .full, threads: 2).threads == 2)
    #expect(BlockedMatmul(step: .microKernel, threads: 2).threads == 1)
    #expect(BlockedMatmul(threads: 0).threads == 1)
    #expect(BlockedMatmul.Step.allCases.map { BlockedMatmul(step: $0).id } == ["4a", "4b", "4c", "4"])
    #expect(StrassenMatmul(threads: 2).threads == 2)
}

// MARK: - Part 8: every shape, every thread count

/// C + α·A·B in Double, the reference for the paths below.
func referenceProduct(_ alpha: Float, _ a: MatrixView, _ b: MatrixView, _ c: MatrixView) -> [Double] {
    var out: [Double] = []
    for i in 0..<a.rows {
        for j in 0..<b.columns {
            var sum = 0.0
            for p in 0..<a.columns { sum += Double(a[i, p]) * Double(b[p, j]) }
            out.append(Double(c[i, j]) + Double(alpha) * sum)
        }
    }
    return out
}

/// Runs `product` on seeded A (m×k, or stored as Aᵀ), B (k×n) and C (m×n, not zero: C += …) and
/// returns what differs from `referenceProduct` by more than a dot product's rounding allows.
func differences(m: Int, k: Int, n: Int, transposeA: Bool = false,
                 _ product: (Float, MatrixView, MatrixView, MatrixView) -> Void) throws -> [String] {
    var a = try Matrix.randomNormal(rows: transposeA ? k : m, columns: transposeA ? m : k, seed: UInt64(m * 131 + k))
    var b = try Matrix.randomNormal(rows: k, columns: n, seed: UInt64(n * 17 + 5))
    var c = try Matrix.randomNormal(rows: m, columns: n, seed: 3)
    let alpha: Float = 0.75
    return a.withView { a in
        b.withView { b in
            c.withView { c in
                let a = transposeA ? a.transposed() : a
                let expected = referenceProduct(alpha, a, b, c)
                product(alpha, a, b, c)
                var wrong: [String] = []
                for i in 0..<m {
                    for j in 0..<n where abs(Double(c[i, j]) - expected[i * n + j]) > 1e-5 * Double(k + 1) * 4 {
                        wrong.append("C[\(i), \(j)] = \(c[i, j]), expected \(expected[i * n + j])")
                    }
                }
                return Array(wrong.prefix(3))
            }
        }
    }
}

@Test("The unpacked path: every edge of rows (1–25) and columns (1–65), A as rows or transposed, each tile",
      arguments: RegisterTile.all)
func unpackedEdges(_ tile: RegisterTile) throws {
    for m in 1...(2 * tile.rows + 1) {
        for n in [1, 5, 7, 8, 9, 10, 15, 16, 17, 23, 24, 25, 31, 32, 33, 47, 48, 49, 63, 64, 65] {
            for (k, transposeA) in [(1, false), (9, true), (40, false)] {
                let wrong = try differences(m: m, k: k, n: n, transposeA: transposeA) { unpackedProduct($0, $1, $2, $3, tile: tile) }
                #expect(wrong.isEmpty, "\(tile): \(m)×\(k)·\(k)×\(n)\(transposeA ? ", Aᵀ" : ""): \(wrong)")
            }
        }
    }
}

@Test("The unpacked kernel leaves the columns and rows past its tile alone", arguments: RegisterTile.all)
func unpackedKernelStaysInItsTile(_ tile: RegisterTile) {
    // The tile's kernel, and (the wide tile) its 8-row tail, which takes blocks of at most 8 rows.
    for tileRows in [tile.rows] + (tile.tailRows.map { [$0] } ?? []) {
        // A tile one row short and lanes + 2 columns wide (10 of 16, 18 of 32) inside a C of NaNs two rows
        // taller and twice as wide: only its own rows − 1 rows × width columns may change.
        let (depth, ldc, width, rows) = (3, 2 * tile.columns, tile.lanes + 2, tileRows - 1)
        let a = [Float](repeating: 1, count: tileRows * depth), b = [Float](repeating: 1, count: depth * ldc)
        var c = [Float](repeating: .nan, count: (tileRows + 2) * ldc)
        for r in 0..<tileRows { for j in 0..<width { c[r * ldc + j] = 0 } }
        c.withUnsafeMutableBufferPointer { c in
            tile.unpacked(depth: depth, a: a, rowStep: depth, depthStep: 1, rows: rows, b: b, ldb: ldc, width: width,
                          c: c.baseAddress!, ldc: ldc, alpha: 2)
        }
        for r in 0..<(tileRows + 2) {
            for j in 0..<ldc {
                let inside = r < rows && j < width
                #expect(inside ? c[r * ldc + j] == 6 : (c[r * ldc + j].isNaN || (r == rows && j < width && c[r * ldc + j] == 0)),
                        "\(tile), \(tileRows) rows: C[\(r), \(j)] = \(c[r * ldc + j])")
            }
        }
    }
}

@Test("Every thread grid, with tiny blocks, gives the product: parts cover C once",
      arguments: [ThreadGrid(rows: 1, columns: 2), ThreadGrid(rows: 2, columns: 1), ThreadGrid(rows: 2, columns: 2),
                  ThreadGrid(rows: 3, columns: 1), ThreadGrid(rows: 1, columns: 5)])
func grids(_ grid: ThreadGrid) throws {
    for blocks in [tinyBlocks, tinyWideBlocks] {
        for (m, k, n) in [(1, 5, 1), (7, 9, 40), (40, 30, 10), (61, 17, 95), (13, 3, 300)] {
            let wrong = try differences(m: m, k: k, n: n) { gridProduct($0, $1, $2, $3, blocks: blocks, grid: grid) }
            #expect(wrong.isEmpty, "grid \(grid), \(blocks), \(m)×\(k)·\(k)×\(n): \(wrong)")
        }
    }
}

@Test func threadGridsFollowTheShape() {
    // The costs of the Zen 4 VM the model was first written on: a thread's start 550,000
    // multiply-adds, a packed float 8. (This machine's are measured: HostCosts.host.)
    let costs = HostCosts(startCost: 550_000, packCost: 8)
    func choose(_ m: Int, _ k: Int, _ n: Int, threads: Int) -> ThreadGrid {
        ThreadGrid.choose(m: m, k: k, n: n, threads: threads, blocks: tinyBlocks.retiled(.narrow), costs: costs)
    }
    // Too small to pay for a thread's start.
    #expect(choose(64, 64, 64, threads: 2) == ThreadGrid(rows: 1, columns: 1))
    #expect(choose(5, 784, 10, threads: 2) == ThreadGrid(rows: 1, columns: 1))
    #expect(choose(1000, 1000, 1000, threads: 1) == ThreadGrid(rows: 1, columns: 1))
    // One micro-panel of columns: only rows to split; few rows: the columns.
    #expect(choose(50_000, 784, 10, threads: 2) == ThreadGrid(rows: 2, columns: 1))
    #expect(choose(32, 256, 8192, threads: 2) == ThreadGrid(rows: 1, columns: 2))
    #expect(choose(1000, 1000, 1000, threads: 2).count == 2)
    #expect(choose(1000, 1000, 1000, threads: 4).count == 4)
    // A dearer start keeps a middling product on one thread.
    #expect(ThreadGrid.choose(m: 128, k: 128, n: 128, threads: 2, blocks: tinyBlocks, costs: HostCosts(startCost: 3e6, packCost: 8)).count == 1)
    #expect(ThreadGrid.choose(m: 128, k: 128, n: 128, threads: 2, blocks: tinyBlocks, costs: HostCosts(startCost: 1e5, packCost: 8)).count == 2)
}

@Test func theHostsCostsAreMeasured() {
    let costs = HostCosts.host
    // Measured, so only their kind is asserted: finite, not negative (speed is the runner's).
    #expect(costs.startCost >= 0 && costs.startCost.isFinite, "\(costs)")
    #expect(costs.packCost >= 0 && costs.packCost.isFinite, "\(costs)")
}

@Test func strassensCrossoverIsRecordedPerCPU() throws {
    let path = NSTemporaryDirectory() + "stage4-costs-\(getpid()).txt"
    defer { unlink(path) }
    let record = StrassenRecord(path: path)
    #expect(record.crossover(for: "CPU A") == nil)
    try record.record(1536, for: "CPU A", date: "2026-12-06")
    try record.record(700, for: "CPU B", date: "2026-12-06")
    try record.record(2048, for: "CPU A", date: "2026-12-07")
    #expect(record.crossover(for: "CPU A") == 2048 && record.crossover(for: "CPU B") == 700)
    // A line that does not read back is skipped, not trusted.
    try Data("CPU C\tcrossover=zero\nCPU D\tcrossover=-5\n".utf8).write(to: URL(fileURLWithPath: path))
    #expect(record.crossover(for: "CPU C") == nil && record.crossover(for: "CPU D") == nil)
    #expect(StrassenRecord(environment: ["MATMUL_STAGE4_COSTS": "/x/y.txt"]).path == "/x/y.txt")
    #expect(StrassenRecord(environment: ["HOME": "/home/me"]).path == "/home/me/.cache/swift-matmul/stage4.txt")
}

@Test("Many products at once on Stage 4's threads: the workers' parts never mix")
func concurrentCallers() async throws {
    let stage = BlockedMatmul(threads: 2)
    let a = try Matrix.randomNormal(rows: 300, columns: 70, seed: 1)
    let b = try Matrix.randomNormal(rows: 70, columns: 150, seed: 2)
    let expected = try BlockedMatmul(threads: 1).multiply(a, b)
    try await withThrowingTaskGroup(of: Float.self) { group in
        for _ in 0..<8 {
            group.addTask {
                var worst: Float = 0
                for _ in 0..<5 {
                    let c = try stage.multiply(a, b)
                    worst = max(worst, zip(c.elements, expected.elements).map { abs($0 - $1) }.max() ?? 0)
                }
                return worst
            }
        }
        for try await worst in group { #expect(worst < 1e-3) }
    }
}

@Test func whereOverflowDependsOnTheOrderTheRuleExemptsTheEntry() throws {
    // A's row 1 is ±1e20 alternating, B's column 0 is 1e20: every product overflows to ±Inf.
    let (a, b) = try SpecialValues.productsOverflow.matrices()
    let rules = FloatingPointRule.entries(a, b)
    #expect(rules[1 * b.columns + 0] == .exempt)
    #expect(rules.filter { $0 == .exempt }.count == 1)
    // Stage 1 multiplies, rounds 1e40 to +Inf, then adds +Inf and −Inf: NaN. Stage 4's fused
    // multiply-add adds the exact −1e40 to +Inf: +Inf. Both are right by IEEE; the rule says why.
    #expect(try LoopsMatmul().multiply(a, b)[1, 0].isNaN)
    #expect(try BlockedMatmul().multiply(a, b)[1, 0] == .infinity)
}

@Test("Stage 4's own loops: B packed just in time (A one block) or whole (A several), balanced blocks, each tile",
      arguments: [tinyBlocks, tinyWideBlocks])
func stage4Loops(_ blocks: BlockSizes) throws {
    // m ≤ mc: one block of A, B packed a micro-panel at a time; m > mc: several, B packed per panel.
    for (m, k, n) in [(5, 9, 40), (blocks.mc, 20, 2 * blocks.tile.columns + 3), (blocks.mc + 1, 15, 33), (61, 17, 95), (3 * blocks.mc + 5, 30, 70)] {
        for transposeA in [false, true] {
            let wrong = try differences(m: m, k: k, n: n, transposeA: transposeA) { stage4PackedProduct($0, $1, $2, $3, blocks: blocks) }
            #expect(wrong.isEmpty, "\(blocks), \(m)×\(k)·\(k)×\(n)\(transposeA ? ", Aᵀ" : ""): \(wrong)")
        }
    }
}

@Test func blocksAreBalanced() {
    #expect(balanced(1000, limit: 960, unit: 12) == 504)
    #expect(balanced(960, limit: 960, unit: 12) == 960)
    #expect(balanced(2000, limit: 960, unit: 12) == 672)
    #expect(balanced(784, limit: 272, unit: 1) == 262)
    #expect(balanced(5, limit: 960, unit: 12) == 12)
    #expect(balanced(100, limit: 7, unit: 1) == 7)
}

@Test("The skinny path, in 8- and 16-lane vectors: odd rows, every column count up to 31, depths around the vector width",
      arguments: [8, 16])
func skinnyPath(_ lanes: Int) throws {
    for m in [1, 2, 3, 7] {
        for n in Array(1...16) + [20, 31] {
            for k in [1, 7, 8, 15, 16, 17, 33, 100] {
                let wrong = try differences(m: m, k: k, n: n) { skinnyProduct($0, $1, $2, $3, lanes: lanes) }
                #expect(wrong.isEmpty, "\(lanes) lanes, \(m)×\(k)·\(k)×\(n): \(wrong)")
            }
        }
    }
}

@Test func rowsAreCutIntoTilesAndTails() {
    // 12-row tiles, then 8-row tails: nothing computed in vain where it can be helped.
    #expect(RegisterTile.wide.rowSplit(64) == (48, 16))
    #expect(RegisterTile.wide.rowSplit(32) == (24, 8))
    #expect(RegisterTile.wide.rowSplit(40) == (24, 16))
    #expect(RegisterTile.wide.rowSplit(42) == (36, 6))
    #expect(RegisterTile.wide.rowSplit(45) == (45, 0))
    #expect(RegisterTile.wide.rowSplit(47) == (47, 0))
    #expect(RegisterTile.wide.rowSplit(96) == (96, 0))
    #expect(RegisterTile.wide.rowSplit(5) == (0, 5))
    #expect(RegisterTile.wide.rowSplit(3) == (0, 3))
    #expect(RegisterTile.narrow.rowSplit(64) == (64, 0))
    var tiles: [String] = []
    RegisterTile.wide.forEachRowTile(64) { top, rows, isTail in tiles.append("\(top):\(rows)\(isTail ? "t" : "")") }
    #expect(tiles == ["0:12", "12:12", "24:12", "36:12", "48:8t", "56:8t"])
    tiles = []
    RegisterTile.wide.forEachRowTile(15) { top, rows, isTail in tiles.append("\(top):\(rows)\(isTail ? "t" : "")") }
    #expect(tiles == ["0:8t", "8:7t"])
}
