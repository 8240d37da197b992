import MatmulTesting
import Testing
import YourTurn

// Skipped, with the reason, while YourMatmul.multiply still throws NotImplementedYet.
@Suite("Your kernel (Sources/YourTurn)", .enabled(if: YourMatmul.isWritten, Comment(rawValue: NotImplementedYet.reason)))
struct YourTurnTests {
    @Test("passes the shared conformance checks", arguments: ConformanceCase.all)
    func conformance(_ check: ConformanceCase) throws {
        let problems = try check.problems(of: YourMatmul())
        #expect(problems.isEmpty, "\(problems.joined(separator: "; "))")
    }

    @Test("passes them with threads: 2 too", arguments: ConformanceCase.all)
    func conformanceOnTwoThreads(_ check: ConformanceCase) throws {
        let problems = try check.problems(of: YourMatmul(threads: 2))
        #expect(problems.isEmpty, "\(problems.joined(separator: "; "))")
    }
}
