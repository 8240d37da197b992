// Your own kernel: the free exercise, after exercises 1–8 (Exercise1Loops.swift …
// Exercise8Threads.swift). Anything goes: combine what you wrote, or try an idea of your own.
//
// Replace the body of `multiply` below with your kernel. Then:
//
//     swift test --filter YourTurnTests.OwnKernel                the shared conformance checks
//     swift run -c release speedup --stages 4,you --size 1000    your row beside Stage 4
//
// While `multiply` still throws `NotWrittenYet`, the tests are reported as skipped and the
// runner's row says so. You may import any stage (Stage4Blocked, Stage5BLAS, Stage6GPU) to
// build on it. `make blas` serves it to C programs and NumPy with MATMUL_BLAS_STAGE=you.

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
        // Your kernel here: start from `let shape = try ProductShape(a, b)` and
        // `var c = shape.zeroResult()`, fill C, and return it in place of the next line.
        throw NotWrittenYet(.ownKernel)
    }
}
