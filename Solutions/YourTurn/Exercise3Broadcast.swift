// A reference solution to exercise 3 (the exercise: Sources/YourTurn/Exercise3Broadcast.swift).

import MatmulCore

public func yourBroadcast(_ a: Matrix, _ b: Matrix) throws -> Matrix {
    let shape = try ProductShape(a, b)
    let (m, k, n) = (shape.m, shape.k, shape.n)
    var c = shape.zeroResult()
    a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
            c.withUnsafeMutableBufferPointer { c in
                for i in 0..<m {
                    for p in 0..<k {
                        let aip = a[i * k + p]
                        for j in 0..<n { c[i * n + j] += aip * b[p * n + j] }
                    }
                }
            }
        }
    }
    return c
}
