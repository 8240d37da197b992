// Exercise 2 — the transposed dot product (lessons/02-dot.md).
//
// Transpose B once (`b.transposed()`), so column j of B is row j of Bᵀ, contiguous. Then every
// C[i, j] is the dot product of two contiguous rows: row i of A and row j of Bᵀ. Write the dot
// product with four partial sums (s0 += x[p] · y[p], s1 += x[p+1] · y[p+1], …), added at the end,
// and handle a length that is not a multiple of four.
//
//     swift test --filter YourTurnTests.Dot
//     swift run -c release speedup --stages 2,you2 --size 500
//
// Expect a clear gain over Stage 2: its single running sum makes every add wait for the one
// before it; four sums keep four adds in flight (lesson 02 says how many cycles that is).

import MatmulCore

/// `a · b` by dot products of the rows of A and the rows of Bᵀ.
///
/// Row i of A starts at element i·k of `a.withUnsafeBufferPointer { … }`, row j of Bᵀ at j·k of
/// Bᵀ's; write C through `c.withUnsafeMutableBufferPointer` (element (i, j) at i·n + j).
public func yourDot(_ a: Matrix, _ b: Matrix) throws -> Matrix {
    throw NotWrittenYet(.dot)   // replace this line with your product
}
