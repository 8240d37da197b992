// Exercise 1 — the three loops (lessons/01-loops.md).
//
// Write Stage 1 yourself, without looking: for every row i of C and column j, the sum over p of
// A[i, p] · B[p, j]. Then swap the two outer loops (j outside, i inside) and time both.
//
//     swift test --filter YourTurnTests.Loops                   skipped until you write it
//     swift run -c release speedup --stages 1,you1 --size 500   your row under Stage 1's
//
// Expect about 1.0× Stage 1 with i outside: the same loops make the same machine code. With j
// outside, the loads of A jump a row at a time too (lesson 01 says why that costs).

import MatmulCore

/// `a · b`: C[i, j] = Σ_p A[i, p] · B[p, j].
///
/// `try ProductShape(a, b)` checks the shapes (it throws `MatmulError.shapeMismatch` when
/// `a.columns != b.rows`) and gives m, k, n; `shape.zeroResult()` is a zero C to fill;
/// `a[i, p]`, `b[p, j]` and `c[i, j] = x` read and write elements.
public func yourLoops(_ a: Matrix, _ b: Matrix) throws -> Matrix {
    throw NotWrittenYet(.loops)   // replace this line with your loops
}
