// Stage 3 — broadcast. The one idea: change the loop order to i-k-j, so the innermost loop is
//
//     row i of C += A[i, p] · row p of B
//
// one number of A broadcast against a whole row of B. The inner loop now has no running sum:
// every C[i, j] is its own independent accumulator, so the compiler is free to do 8 (AVX2) or
// 16 (AVX-512) of them per instruction. Each C[i, j] still adds its terms in the order
// p = 0, 1, 2, …, so the result is the same, bit for bit, as Stage 1's.
//
// The cost: row i of C is loaded and stored once per p. It stays in L1 for the rows a learner
// multiplies here (n floats), so this is cheap, but it is traffic a register-blocked kernel
// (Stage 4) avoids.

import MatmulCore

/// Matrix product in i-k-j order: each row of C accumulates scaled rows of B.
public struct BroadcastMatmul: MatmulStage {
    public let id = "3"
    public let name = "broadcast"
    public let change = "i-k-j order: row of C += A[i,p] · row p of B; the inner loop vectorizes"

    public init() {}

    /// `a · b`. Complexity: O(m·n·k) time, no extra memory.
    public func multiply(_ a: Matrix, _ b: Matrix) throws -> Matrix {
        let shape = try ProductShape(a, b)
        let (m, k, n) = (shape.m, shape.k, shape.n)
        var c = shape.zeroResult()
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    guard let a = a.baseAddress, let b = b.baseAddress, let c = c.baseAddress else { return }
                    // lesson: i-k-j
                    for i in 0..<m {
                        let cRow = c + i * n
                        for p in 0..<k {
                            let aip = a[i * k + p]
                            let bRow = b + p * n
                            // No dependence between iterations: this is the loop that vectorizes.
                            for j in 0..<n {
                                cRow[j] += aip * bRow[j]
                            }
                        }
                    }
                    // end lesson: i-k-j
                }
            }
        }
        return c
    }
}
