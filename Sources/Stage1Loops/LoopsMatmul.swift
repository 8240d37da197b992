// Stage 1 — loops. The one idea: the definition of the product, written as three loops.
//
//     C[i, j] = Σ_p A[i, p] · B[p, j]
//
// Every access goes through Matrix's bounds-checked subscript, and the inner loop walks down a
// column of B: consecutive p are `n` floats apart, so each step touches a new cache line and uses
// 4 of its 64 bytes. This is the reference every other stage is tested against; it is meant to
// be obviously right, not fast.

import MatmulCore

/// The plain triple loop in safe Swift: the reference implementation.
public struct LoopsMatmul: MatmulStage {
    public let id = "1"
    public let name = "loops"
    public let change = "three nested loops over bounds-checked subscripts: the reference"

    public init() {}

    /// `a · b`, summing each dot product from p = 0 up to k − 1.
    /// Complexity: O(m·n·k).
    // lesson: multiply
    public func multiply(_ a: Matrix, _ b: Matrix) throws -> Matrix {
        let shape = try ProductShape(a, b)
        var c = shape.zeroResult()
        for i in 0..<shape.m {
            for j in 0..<shape.n {
                var sum: Float = 0
                for p in 0..<shape.k {
                    sum += a[i, p] * b[p, j]
                }
                c[i, j] = sum
            }
        }
        return c
    }
    // end lesson: multiply
}
