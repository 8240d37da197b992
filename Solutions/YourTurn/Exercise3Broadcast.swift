// A reference solution to exercise 3 (the exercise: Sources/YourTurn/Exercise3Broadcast.swift).

import MatmulCore

public func yourBroadcast(_ a: Matrix, _ b: Matrix) throws -> Matrix {
    let shape = try ProductShape(a, b)
    let (m, k, n) = (shape.m, shape.k, shape.n)
    var c = shape.zeroResult()
    a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
            c.withUnsafeMutableBufferPointer { c in
                // Empty matrices may have no address; then there is nothing to compute.
                guard let a = a.baseAddress, let b = b.baseAddress, let c = c.baseAddress else { return }
                for i in 0..<m {
                    let cRow = c + i * n   // the row's address once, so the inner loop only walks it
                    for p in 0..<k {
                        let aip = a[i * k + p]
                        let bRow = b + p * n
                        for j in 0..<n { cRow[j] += aip * bRow[j] }
                    }
                }
            }
        }
    }
    return c
}
