// A reference solution to exercise 2 (the exercise: Sources/YourTurn/Exercise2Dot.swift).

import MatmulCore

public func yourDot(_ a: Matrix, _ b: Matrix) throws -> Matrix {
    let shape = try ProductShape(a, b)
    let (m, k, n) = (shape.m, shape.k, shape.n)
    let bT = b.transposed()
    var c = shape.zeroResult()
    a.withUnsafeBufferPointer { a in
        bT.withUnsafeBufferPointer { bT in
            c.withUnsafeMutableBufferPointer { c in
                for i in 0..<m {
                    for j in 0..<n { c[i * n + j] = dot(a, from: i * k, bT, from: j * k, count: k) }
                }
            }
        }
    }
    return c
}

/// x[xStart..<xStart+count] · y[yStart..<yStart+count], with four partial sums.
private func dot(_ x: UnsafeBufferPointer<Float>, from xStart: Int, _ y: UnsafeBufferPointer<Float>, from yStart: Int,
                 count: Int) -> Float {
    var (s0, s1, s2, s3): (Float, Float, Float, Float) = (0, 0, 0, 0)
    var p = 0
    while p + 4 <= count {
        s0 += x[xStart + p] * y[yStart + p]
        s1 += x[xStart + p + 1] * y[yStart + p + 1]
        s2 += x[xStart + p + 2] * y[yStart + p + 2]
        s3 += x[xStart + p + 3] * y[yStart + p + 3]
        p += 4
    }
    while p < count {
        s0 += x[xStart + p] * y[yStart + p]
        p += 1
    }
    return (s0 + s1) + (s2 + s3)
}
