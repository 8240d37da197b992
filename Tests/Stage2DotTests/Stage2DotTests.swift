import MatmulTesting
import Testing
import Stage2Dot

@Test("DotMatmul", arguments: ConformanceCase.all)
func conformance(_ check: ConformanceCase) throws {
    let problems = try check.problems(of: DotMatmul())
    #expect(problems.isEmpty, "\(problems.joined(separator: "; "))")
}
