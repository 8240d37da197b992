// The skinny path: C = A · B when B has fewer columns than one micro-tile (n < 16, or 32 with
// the 12 × 32 tile), such as the fastai shape 50000×784 · 784×10.
//
// The roofline. That product is 2·50000·784·10 = 0.78 GFLOP on 157 MB of A: 5 FLOPs per byte.
// A core does ~100 GFLOP/s but reads memory at a few tens of GB/s, so the time is set by how
// fast A streams in, not by arithmetic — provided the arithmetic keeps up. The blocked path
// cannot: it would pad 10 columns to 16 (37% of its FMAs wasted on zeros) and copy all of A
// into packed blocks, an extra write and read of every byte.
//
// So this path reads A exactly once, in place, and computes dot products along k instead:
// two rows of A against five columns of B (stored transposed, Bᵀ, 31 KiB for n = 10: it stays
// in L1/L2) — ten independent SIMD accumulators, two loads of A and five of Bᵀ per ten FMAs.

import CPrefetch
import MatmulCore

/// C += α · A · B for a B with few columns, reading A once, row pair by row pair, on one thread
/// (threads take parts of the rows: `threadedProduct`). A's rows must be contiguous (A not transposed).
func skinnyProduct(_ alpha: Float, _ a: MatrixView, _ b: MatrixView, _ c: MatrixView, lanes: Int = 8) {
    let (m, k, n) = (a.rows, a.columns, b.columns)
    // Bᵀ: column j of B becomes the contiguous row j, so a dot product reads both operands in order.
    let buffer = BufferPool.shared.borrow(count: n * k)
    defer { BufferPool.shared.giveBack(buffer) }
    let bt = buffer.base
    for p in 0..<k {
        for j in 0..<n { bt[j * k + p] = b.pointer(p, j).pointee }
    }
    skinnyRows(alpha, a, MatrixView(unchecked: bt, rows: n, columns: k, stride: k), c, rows: 0..<m, lanes: lanes)
}

/// Rows `rows` of C += α · A · B, with B given as Bᵀ (`bt`, n × k).
private func skinnyRows(_ alpha: Float, _ a: MatrixView, _ bt: MatrixView, _ c: MatrixView, rows: Range<Int>, lanes: Int) {
    let n = bt.rows
    var sums = (Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0))
    withUnsafeMutableBytes(of: &sums) { raw in
        let out = raw.baseAddress!.assumingMemoryBound(to: Float.self)
        for i in Swift.stride(from: rows.lowerBound, to: rows.upperBound, by: 2) {
            // An odd last row is paired with itself; the duplicate's sums are not stored.
            let second = min(i + 1, rows.upperBound - 1)
            // The next pair of rows, fetched from memory while this pair is computed.
            let next = min(i + 2, rows.upperBound - 1), nextSecond = min(i + 3, rows.upperBound - 1)
            for left in Swift.stride(from: 0, to: n, by: 5) {
                // Past the last column, repeat it (and drop the result): the kernel is always 2 × 5.
                func column(_ j: Int) -> UnsafePointer<Float> { UnsafePointer(bt.pointer(min(left + j, n - 1), 0)) }
                // Only the first group of columns prefetches: the second finds the rows in L1.
                let prefetch = left == 0 ? (UnsafePointer(a.pointer(next, 0)), UnsafePointer(a.pointer(nextSecond, 0))) : nil
                let (a0, a1) = (UnsafePointer(a.pointer(i, 0)), UnsafePointer(a.pointer(second, 0)))
                if lanes == 16 {
                    dotKernel(SIMD16<Float>.self, depth: a.columns, a0, a1, column(0), column(1), column(2), column(3), column(4),
                              out: out, prefetch: prefetch)
                } else {
                    dotKernel(SIMD8<Float>.self, depth: a.columns, a0, a1, column(0), column(1), column(2), column(3), column(4),
                              out: out, prefetch: prefetch)
                }
                for j in 0..<min(5, n - left) {
                    c.pointer(i, left + j).pointee += alpha * out[j]
                    if second != i { c.pointer(second, left + j).pointee += alpha * out[5 + j] }
                }
            }
        }
    }
}

/// Ten dot products of length `depth`: rows `a0`, `a1` against columns `b0`…`b4` (rows of Bᵀ).
/// `out[0..<5]` gets a0's, `out[5..<10]` a1's. In vectors of type `V`: 8 lanes, or 16 with the
/// wide tile, which halves the FMAs (per 16 floats of depth: 7 loads, 10 FMAs, on 16 lanes).
@inline(never)
func dotKernel<V: SIMD>(_: V.Type, depth: Int, _ a0: UnsafePointer<Float>, _ a1: UnsafePointer<Float>,
                        _ b0: UnsafePointer<Float>, _ b1: UnsafePointer<Float>, _ b2: UnsafePointer<Float>,
                        _ b3: UnsafePointer<Float>, _ b4: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                        prefetch: (UnsafePointer<Float>, UnsafePointer<Float>)?) where V.Scalar == Float {
    var s00 = V(), s01 = V(), s02 = V(), s03 = V(), s04 = V()
    var s10 = V(), s11 = V(), s12 = V(), s13 = V(), s14 = V()
    @inline(__always) func load(_ p: UnsafePointer<Float>, _ offset: Int) -> V {
        UnsafeRawPointer(p + offset).loadUnaligned(as: V.self)
    }
    let width = V.scalarCount
    var p = 0
    let (next0, next1) = prefetch ?? (a0, a1)
    while p + width <= depth {
        // Ask for the same part of the next two rows: they arrive from memory while this pair
        // is computed. (The hardware prefetcher alone keeps up with one stream read fast, not
        // with this loop's pace of two rows at a time.)
        prefetch_for_read(next0 + p)
        prefetch_for_read(next1 + p)
        let x0 = load(a0, p), x1 = load(a1, p)
        var y = load(b0, p)
        s00.addProduct(x0, y); s10.addProduct(x1, y)
        y = load(b1, p)
        s01.addProduct(x0, y); s11.addProduct(x1, y)
        y = load(b2, p)
        s02.addProduct(x0, y); s12.addProduct(x1, y)
        y = load(b3, p)
        s03.addProduct(x0, y); s13.addProduct(x1, y)
        y = load(b4, p)
        s04.addProduct(x0, y); s14.addProduct(x1, y)
        p += width
    }
    // The last depth % 8 terms, one at a time, into lane 0.
    while p < depth {
        let x0 = a0[p], x1 = a1[p]
        s00[0] += x0 * b0[p]; s01[0] += x0 * b1[p]; s02[0] += x0 * b2[p]; s03[0] += x0 * b3[p]; s04[0] += x0 * b4[p]
        s10[0] += x1 * b0[p]; s11[0] += x1 * b1[p]; s12[0] += x1 * b2[p]; s13[0] += x1 * b3[p]; s14[0] += x1 * b4[p]
        p += 1
    }
    out[0] = s00.sum(); out[1] = s01.sum(); out[2] = s02.sum(); out[3] = s03.sum(); out[4] = s04.sum()
    out[5] = s10.sum(); out[6] = s11.sum(); out[7] = s12.sum(); out[8] = s13.sum(); out[9] = s14.sum()
}
