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
