// Your turn: your own matrix product, in the course's table beside the stages.
//
// Replace the body of `multiply` below with your kernel. Then:
//
//     swift test --filter YourTurnTests                          the shared conformance checks
//     swift run -c release speedup --stages 1,3,you --size 512   your row beside Stages 1 and 3
//
// While `multiply` still throws `NotImplementedYet`, the tests are reported as skipped and the
// runner's row says so. Each lesson ends with an exercise for this file. You may import any stage
// (Stage4Blocked, Stage5BLAS, Stage6GPU) to build on it.

import MatmulCore

/// The learner's matrix product: `A (m×k) · B (k×n) → C (m×n)`, Float32, row-major.
public struct YourMatmul: MatmulStage {
    public let id = "you"
    public let name = "your kernel"
    /// Say what your kernel does differently: it is the row's "what changed" in the table.
    public let change = "yours: see Sources/YourTurn/YourMatmul.swift"
    /// Threads you may use (`speedup --threads T` sets it); a one-thread kernel can ignore it.
    public let threads: Int

    /// The table's "× prev" compares your row with the fastest CPU stage in the same product.
    public var baseline: Baseline { .fastest(family: "CPU") }

    public init(threads: Int = 1) {
        self.threads = threads
    }

    /// `a · b`.
    /// - Throws: `MatmulError.shapeMismatch` when `a.columns != b.rows` (`ProductShape(a, b)` does that).
    public func multiply(_ a: Matrix, _ b: Matrix) throws -> Matrix {
        // lesson: your-turn-stub
        let shape = try ProductShape(a, b)
        // Your kernel here. Start from `var c = shape.zeroResult()`, fill c[i, j] for i in 0..<shape.m
        // and j in 0..<shape.n, and return c in place of the next line.
        throw NotImplementedYet(shape)
        // end lesson: your-turn-stub
    }
}
