import MatmulTesting
import Testing
import Stage3Broadcast

@Test("Stage 3 (broadcast) passes the shared conformance checks", arguments: ConformanceCase.all)
func conformance(_ check: ConformanceCase) throws {
    let problems = try check.problems(of: BroadcastMatmul())
    #expect(problems.isEmpty, "\(problems.joined(separator: "; "))")
}
