import MatmulCore
import MatmulTesting
import Testing
@testable import Stage4Blocked

@Test("Stage 4 (blocked) passes the shared conformance checks", arguments: ConformanceCase.all)
func conformance(_ check: ConformanceCase) throws {
    let problems = try check.problems(of: BlockedMatmul())
    #expect(problems.isEmpty, "\(problems.joined(separator: "; "))")
}

// With this machine's block sizes the shared shapes fit in one block; tiny blocks make every
// shape cross many block edges, in every step of the lesson and on several threads.
let tinyBlocks = try! BlockSizes(mc: 12, kc: 7, nc: 32)

@Test("Every step, with tiny blocks and 1–3 threads, passes the shared conformance checks",
      arguments: BlockedMatmul.Step.allCases, [1, 2, 3])
func stepsAndThreads(_ step: BlockedMatmul.Step, _ threads: Int) throws {
    let stage = BlockedMatmul(step: step, threads: threads, blocks: tinyBlocks)
    for check in ConformanceCase.all {
        let problems = try check.problems(of: stage)
        #expect(problems.isEmpty, "\(stage.id) on \(threads) threads, \(check): \(problems.joined(separator: "; "))")
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
    let check = ConformanceCase.agreesWithLoops(m: BlockSizes.host.mc + 7, k: BlockSizes.host.kc + 5, n: 131)
    let problems = try check.problems(of: BlockedMatmul(threads: 2))
    #expect(problems.isEmpty, "\(problems.joined(separator: "; "))")
}

@Test func blockSizesComeFromTheCaches() throws {
    let sizes = BlockSizes(caches: CacheSizes(l1: 32 << 10, l2: 512 << 10, l3: 32 << 20))
    #expect(sizes == (try BlockSizes(mc: 174, kc: 368, nc: 11392)))
    #expect(sizes.mc % MicroKernel.mr == 0 && sizes.nc % MicroKernel.nr == 0)
    // Rounded up to the micro-kernel's tile; nonsense refused with a clear error.
    #expect((try BlockSizes(mc: 7, kc: 5, nc: 17)) == (try BlockSizes(mc: 12, kc: 5, nc: 32)))
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
