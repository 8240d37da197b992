// A reference solution to the free exercise (Sources/YourTurn/YourMatmul.swift): one way to
// combine what the exercises built — exercise 8's threaded loops around Stage 4's pieces.

import MatmulCore
import Stage4Blocked

public struct YourMatmul: MatmulStage {
    public let id = "you"
    public let name = "your kernel"
    public let change = "yours: exercise 8's loops with Stage 4's pieces"
    public let threads: Int

    public var baseline: Baseline { .fastest(family: "CPU") }

    public init(threads: Int = 1) {
        self.threads = threads
    }

    public func multiply(_ a: Matrix, _ b: Matrix) throws -> Matrix {
        try productOnViews(a, b) { try yourThreadedFiveLoops($0, $1, $2, blocks: .host, threads: threads, pieces: .stage) }
    }
}
