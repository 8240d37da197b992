// Stage 2 — dot. The one idea: C[i, j] is the dot product of row i of A and column j of B, so
// transpose B once and every dot product reads two contiguous rows.
//
// After the transpose (O(k·n), paid once) the inner loop streams through memory: each 64-byte
// cache line brings 16 floats that are all used, and the hardware prefetcher sees a simple
// stride. Raw buffer pointers drop the per-element bounds checks of Stage 1.
//
// What it does not do: vectorize. The sum is added up in the order p = 0, 1, 2, … and float
// addition is not associative, so the compiler must keep that order — one add at a time, each
// waiting for the last (the add's latency, 3–4 cycles). Stage 3 removes that chain.

import MatmulCore

/// Matrix product as m·n dot products over contiguous rows of A and of Bᵀ.
public struct DotMatmul: MatmulStage {
    public let id = "2"
    public let name = "dot"
    public let change = "B transposed once; each C[i,j] is a dot product of two contiguous rows"

    public init() {}

    /// `a · b`. Complexity: O(m·n·k) time, O(k·n) extra memory for Bᵀ.
    public func multiply(_ a: Matrix, _ b: Matrix) throws -> Matrix {
        let shape = try ProductShape(a, b)
        let (m, k, n) = (shape.m, shape.k, shape.n)
        // lesson: transpose-then-dot
        let bT = b.transposed()
        var c = shape.zeroResult()
        a.withUnsafeBufferPointer { a in
            bT.withUnsafeBufferPointer { bT in
                c.withUnsafeMutableBufferPointer { c in
                    // Row i of A starts at a + i·k, row j of Bᵀ (column j of B) at bT + j·k.
                    for i in 0..<m {
                        let row = UnsafeBufferPointer(rebasing: a[(i * k)..<(i * k + k)])
                        for j in 0..<n {
                            let column = UnsafeBufferPointer(rebasing: bT[(j * k)..<(j * k + k)])
                            c[i * n + j] = dot(row, column)
                        }
                    }
                }
            }
        }
        // end lesson: transpose-then-dot
        return c
    }
}

/// Σ x[p]·y[p] for p in order; `x` and `y` have the same count.
@inline(__always)
// lesson: dot
func dot(_ x: UnsafeBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>) -> Float {
    guard let xs = x.baseAddress, let ys = y.baseAddress else { return 0 }
    var sum: Float = 0
    for p in 0..<x.count {
        sum += xs[p] * ys[p]
    }
    return sum
}
// end lesson: dot
