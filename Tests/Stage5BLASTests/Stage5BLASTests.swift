import MatmulTesting
import Testing
import Stage5BLAS

@Test("BLASMatmul", arguments: ConformanceCase.all)
func conformance(_ check: ConformanceCase) throws {
    let problems = try check.problems(of: BLASMatmul())
    #expect(problems.isEmpty, "\(problems.joined(separator: "; "))")
}
