import MatmulTesting
import Stage1Loops
import Testing
import Stage5BLAS

@Test("Stage 5 (BLAS) passes the shared conformance checks", arguments: ConformanceCase.all)
func conformance(_ check: ConformanceCase) throws {
    let problems = try check.problems(of: BLASMatmul())
    #expect(problems.isEmpty, "\(problems.joined(separator: "; "))")
}

@Test("Stage 5 (BLAS) on two threads passes the shared conformance checks", arguments: ConformanceCase.all)
func conformanceOnTwoThreads(_ check: ConformanceCase) throws {
    let problems = try check.problems(of: BLASMatmul(threads: 2))
    #expect(problems.isEmpty, "\(problems.joined(separator: "; "))")
}

@Test func reportsWhichKernelOpenBLASPicked() {
    #expect(!BLASMatmul.coreName.isEmpty)
    #expect(BLASMatmul.configuration.hasPrefix("OpenBLAS"))
    #expect(BLASMatmul(threads: 2).note == "OpenBLAS core: \(BLASMatmul.coreName)")
    #expect(BLASMatmul(threads: 0).threads == 1)
}

// Stage 5b, BLIS: skipped, saying what to install, where libblis is missing.
let blisMissing = BLISMatmul().unavailableReason

@Test("Stage 5b (BLIS) passes the shared conformance checks, on 1 and 2 threads",
      .enabled(if: blisMissing == nil, "\(blisMissing ?? "")"), arguments: ConformanceCase.all, [1, 2])
func blisConformance(_ check: ConformanceCase, threads: Int) throws {
    let problems = try check.problems(of: BLISMatmul(threads: threads))
    #expect(problems.isEmpty, "\(problems.joined(separator: "; "))")
}

@Test(.enabled(if: blisMissing == nil, "\(blisMissing ?? "")"))
func reportsWhichKernelsBLISPicked() {
    #expect(BLISMatmul().note?.hasPrefix("BLIS ") == true)
    #expect(BLISMatmul(threads: 0).threads == 1)
    #expect(BLISMatmul().baseline == .stage(id: "5"))
}

@Test func whereSumsMayOverflowTheOrderDecidesAndTheRuleExemptsTheEntry() throws {
    // A's row 2 is +,+,−,−,… FLT_MAX/4, B's column 1 is ones: Stage 1's running sum stays finite.
    let (a, b) = try SpecialValues.sumsMayOverflow.matrices()
    #expect(FloatingPointRule.entries(a, b)[2 * b.columns + 1] == .exempt)
    let loops = try LoopsMatmul().multiply(a, b)[2, 1]
    let blas = try BLASMatmul().multiply(a, b)[2, 1]
    #expect(loops.isFinite)
    #expect(!blas.isFinite, "OpenBLAS gave \(blas): if it adds in Stage 1's order now, the rule's example is out of date")
}
