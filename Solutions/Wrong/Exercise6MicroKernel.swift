// A WRONG solution to exercise 6 — the tile overwrites C instead of adding to it.
// `make exercises` swaps it in to show that the exercise's tests reject it.

import MatmulCore
import Stage4Blocked

@inline(never)
public func yourMicroKernel(depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                            c: UnsafeMutablePointer<Float>, ldc: Int) throws {
    typealias V = SIMD8<Float>
    var (c00, c01, c10, c11, c20, c21) = (V(), V(), V(), V(), V(), V())
    var (c30, c31, c40, c41, c50, c51) = (V(), V(), V(), V(), V(), V())
    let raw = UnsafeRawPointer(b)
    for p in 0..<depth {
        let b0 = raw.loadUnaligned(fromByteOffset: p * 64, as: V.self)
        let b1 = raw.loadUnaligned(fromByteOffset: p * 64 + 32, as: V.self)
        let column = a + p * 6
        var x = V(repeating: column[0]); c00.addProduct(x, b0); c01.addProduct(x, b1)
        x = V(repeating: column[1]); c10.addProduct(x, b0); c11.addProduct(x, b1)
        x = V(repeating: column[2]); c20.addProduct(x, b0); c21.addProduct(x, b1)
        x = V(repeating: column[3]); c30.addProduct(x, b0); c31.addProduct(x, b1)
        x = V(repeating: column[4]); c40.addProduct(x, b0); c41.addProduct(x, b1)
        x = V(repeating: column[5]); c50.addProduct(x, b0); c51.addProduct(x, b1)
    }
    func add(_ low: V, _ high: V, row r: Int) {
        let row = UnsafeMutableRawPointer(c + r * ldc)
        row.storeBytes(of: low, as: V.self)
        row.storeBytes(of: high, toByteOffset: 32, as: V.self)
    }
    add(c00, c01, row: 0); add(c10, c11, row: 1); add(c20, c21, row: 2)
    add(c30, c31, row: 3); add(c40, c41, row: 4); add(c50, c51, row: 5)
}
