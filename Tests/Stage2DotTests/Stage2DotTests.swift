import MatmulTesting
import Testing
import Stage2Dot

@Test("Stage 2 (dot) passes the shared conformance checks", arguments: ConformanceCase.all)
func conformance(_ check: ConformanceCase) throws {
    let problems = try check.problems(of: DotMatmul())
    #expect(problems.isEmpty, "\(problems.joined(separator: "; "))")
}
