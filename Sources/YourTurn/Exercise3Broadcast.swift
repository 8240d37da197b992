// Exercise 3 — i-k-j: broadcast a number of A across a row of B (lessons/03-broadcast.md).
//
// For each row i of C and each p: take the one number A[i, p] and add A[i, p] · (row p of B)
// into row i of C. The inner loop now walks two rows, C's and B's, with no dependence between
// its steps: the compiler vectorizes it.
//
//     swift test --filter YourTurnTests.Broadcast
//     swift run -c release speedup --stages 3,you3 --size 1000
//
// Expect about 1.0× Stage 3. Then try lesson 03's variant (four rows of A at once, each load of
// B feeding four rows of C) and expect it *not* to be faster: each step still loads and stores
// C, and that traffic, not B's, is the limit. Lesson 04 removes it.

import MatmulCore

/// `a · b` in the order i, p, j.
///
/// Work on pointers: inside `a.withUnsafeBufferPointer`, `b.withUnsafeBufferPointer` and
/// `c.withUnsafeMutableBufferPointer`, take each `baseAddress` (nil for an empty matrix: return
/// then). Row i of C starts at `c + i * n`, row p of B at `b + p * n`: compute those addresses
/// outside the j loop, so the inner loop is `cRow[j] += aip * bRow[j]` and nothing else. Index
/// arithmetic like `c[i * n + j]` inside it is checked for overflow on every step, and that alone
/// can stop the compiler from vectorizing the loop (try it, and time both).
public func yourBroadcast(_ a: Matrix, _ b: Matrix) throws -> Matrix {
    throw NotWrittenYet(.broadcast)   // replace this line with your product
}
