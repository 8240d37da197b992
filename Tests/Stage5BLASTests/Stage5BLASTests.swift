import MatmulTesting
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
