// Packing: copy the block of A (or B) that the micro-kernel is about to use many times into a
// buffer laid out in exactly the order the kernel reads it. Afterwards every load of the kernel
// is the next few floats in memory: no strides, no TLB misses, no cache-set conflicts, and the
// edges are padded with zeros so the kernel never needs a bounds check.
//
// The cost is one extra pass over A and B; it is paid once per block and repaid every time the
// block is reused (mc/mr times for a micro-panel of B, nc/nr times for a micro-panel of A).

import MatmulCore

/// A row-major block of floats inside a larger matrix: element (i, j) is at `base[i * stride + j]`.
///
/// `@unchecked Sendable` because the threaded loops hand views to several threads: they read A
/// and B, and each thread writes only its own rows of C (see `BlockedMatmul`).
struct MatrixView: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>
    let rows: Int
    let columns: Int
    let stride: Int

    /// The element pointer of (i, j).
    @inline(__always)
    func pointer(_ i: Int, _ j: Int) -> UnsafeMutablePointer<Float> { base + i * stride + j }

    @inline(__always)
    subscript(i: Int, j: Int) -> Float {
        get { base[i * stride + j] }
        nonmutating set { base[i * stride + j] = newValue }
    }

    /// The sub-block of `rows` × `columns`.
    func block(rows: Range<Int>, columns: Range<Int>) -> MatrixView {
        MatrixView(base: pointer(rows.lowerBound, columns.lowerBound), rows: rows.count, columns: columns.count, stride: stride)
    }
}

/// C = A · B by `multiplyAdd(A, B, C)` on views of the three matrices, C starting at zero.
/// Empty products need no call, and with k = 0 C stays zero.
func product(_ a: Matrix, _ b: Matrix, _ shape: ProductShape,
             _ multiplyAdd: (MatrixView, MatrixView, MatrixView) -> Void) -> Matrix {
    var c = shape.zeroResult()
    guard shape.m > 0, shape.n > 0, shape.k > 0 else { return c }
    a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
            c.withUnsafeMutableBufferPointer { c in
                // The views of A and B are only read; the casts to mutable are for the one view type.
                multiplyAdd(MatrixView(base: UnsafeMutablePointer(mutating: a.baseAddress!), rows: shape.m, columns: shape.k, stride: shape.k),
                            MatrixView(base: UnsafeMutablePointer(mutating: b.baseAddress!), rows: shape.k, columns: shape.n, stride: shape.n),
                            MatrixView(base: c.baseAddress!, rows: shape.m, columns: shape.n, stride: shape.n))
            }
        }
    }
    return c
}

/// Packs all of `a` (at most mc × kc) into micro-panels of `mr` rows: panel after panel, and
/// within a panel column p after column p, `mr` floats each. Rows past the end are zeros.
func packA(_ a: MatrixView, into buffer: UnsafeMutablePointer<Float>) {
    let mr = MicroKernel.mr
    var out = buffer
    for top in Swift.stride(from: 0, to: a.rows, by: mr) {
        let rows = min(mr, a.rows - top)
        if rows == mr {
            // Six row pointers walking right together: the common case, no checks.
            let r0 = a.pointer(top, 0), r1 = a.pointer(top + 1, 0), r2 = a.pointer(top + 2, 0)
            let r3 = a.pointer(top + 3, 0), r4 = a.pointer(top + 4, 0), r5 = a.pointer(top + 5, 0)
            for p in 0..<a.columns {
                out[0] = r0[p]; out[1] = r1[p]; out[2] = r2[p]
                out[3] = r3[p]; out[4] = r4[p]; out[5] = r5[p]
                out += mr
            }
        } else {
            for p in 0..<a.columns {
                for r in 0..<mr { out[r] = r < rows ? a[top + r, p] : 0 }
                out += mr
            }
        }
    }
}

/// Packs all of `b` (at most kc × nc) into micro-panels of `nr` columns: panel after panel, and
/// within a panel row p after row p, `nr` floats each. Columns past the end are zeros.
/// `panels` selects which micro-panels to pack, so threads can share the work.
func packB(_ b: MatrixView, into buffer: UnsafeMutablePointer<Float>, panels: Range<Int>) {
    let nr = MicroKernel.nr
    for panel in panels {
        let left = panel * nr
        let columns = min(nr, b.columns - left)
        var out = buffer + panel * nr * b.rows
        for p in 0..<b.rows {
            let row = b.pointer(p, left)
            if columns == nr {
                out.update(from: row, count: nr)
            } else {
                out.update(from: row, count: columns)
                (out + columns).update(repeating: 0, count: nr - columns)
            }
            out += nr
        }
    }
}
