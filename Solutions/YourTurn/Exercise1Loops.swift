// A reference solution to exercise 1 (the exercise: Sources/YourTurn/Exercise1Loops.swift).
// `make exercises` swaps it in to prove the exercise's tests pass when the work is right.

import MatmulCore

public func yourLoops(_ a: Matrix, _ b: Matrix) throws -> Matrix {
    let shape = try ProductShape(a, b)
    var c = shape.zeroResult()
    for i in 0..<shape.m {
        for j in 0..<shape.n {
            var sum: Float = 0
            for p in 0..<shape.k { sum += a[i, p] * b[p, j] }
            c[i, j] = sum
        }
    }
    return c
}
