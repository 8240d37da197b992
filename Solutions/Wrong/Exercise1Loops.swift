// A WRONG solution to exercise 1 — the sum is not reset for each j, so every C[i, j] after the first adds the ones before it.
// `make exercises` swaps it in to show that the exercise's tests reject it.

import MatmulCore

public func yourLoops(_ a: Matrix, _ b: Matrix) throws -> Matrix {
    let shape = try ProductShape(a, b)
    var c = shape.zeroResult()
    for i in 0..<shape.m {
        var sum: Float = 0
        for j in 0..<shape.n {
            for p in 0..<shape.k { sum += a[i, p] * b[p, j] }
            c[i, j] = sum
        }
    }
    return c
}
