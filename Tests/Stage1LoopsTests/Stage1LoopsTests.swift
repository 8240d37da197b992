import MatmulTesting
import Testing
import Stage1Loops

@Test("Stage 1 (loops) passes the shared conformance checks", arguments: ConformanceCase.all)
func conformance(_ check: ConformanceCase) throws {
    let problems = try check.problems(of: LoopsMatmul())
    #expect(problems.isEmpty, "\(problems.joined(separator: "; "))")
}
