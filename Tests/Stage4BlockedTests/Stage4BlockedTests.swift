import MatmulTesting
import Testing
import Stage4Blocked

@Test("Stage 4 (blocked) passes the shared conformance checks", arguments: ConformanceCase.all)
func conformance(_ check: ConformanceCase) throws {
    let problems = try check.problems(of: BlockedMatmul())
    #expect(problems.isEmpty, "\(problems.joined(separator: "; "))")
}
