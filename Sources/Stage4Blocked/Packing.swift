// Packing: copy the block of A (or B) that the micro-kernel is about to use many times into a
// buffer laid out in exactly the order the kernel reads it. Afterwards every load of the kernel
// is the next few floats in memory: no strides, no TLB misses, no cache-set conflicts, and the
// edges are padded with zeros so the kernel never needs a bounds check.
//
// The cost is one extra pass over A and B; it is paid once per block and repaid every time the
// block is reused (mc/mr times for a micro-panel of B, nc/nr times for a micro-panel of A).

import MatmulCore

/// Packs all of `a` (at most mc × kc), times α, into micro-panels of `mr` rows: panel after
/// panel, and within a panel column p after column p, `mr` floats each. Rows past the end are
/// zeros. Scaling here costs one multiply per packed float and makes C += α·A·B free of any
/// other pass; a transposed A is read column by column, which is then contiguous.
/// `mr` is the register tile's rows: 6 (the lesson's tile), 12 or 8 (`RegisterTile.wide` and its tail).
public func packA(_ a: MatrixView, into buffer: UnsafeMutablePointer<Float>, alpha: Float = 1, mr: Int = MicroKernel.mr) {
    var out = buffer
    // lesson: pack-a
    for top in Swift.stride(from: 0, to: a.rows, by: mr) {
        let rows = min(mr, a.rows - top)
        if rows == mr && !a.isTransposed {
            // Six row pointers walking right together: the common case, no checks. A taller
            // panel is packed six rows at a time, each six into its own floats of every step,
            // and rows past a multiple of six one at a time.
            for six in Swift.stride(from: 0, to: mr - mr % 6, by: 6) {
                let r0 = a.pointer(top + six, 0), r1 = a.pointer(top + six + 1, 0), r2 = a.pointer(top + six + 2, 0)
                let r3 = a.pointer(top + six + 3, 0), r4 = a.pointer(top + six + 4, 0), r5 = a.pointer(top + six + 5, 0)
                var step = out + six
                for p in 0..<a.columns {
                    step[0] = alpha * r0[p]; step[1] = alpha * r1[p]; step[2] = alpha * r2[p]
                    step[3] = alpha * r3[p]; step[4] = alpha * r4[p]; step[5] = alpha * r5[p]
                    step += mr
                }
            }
            for r in (mr - mr % 6)..<mr {
                let row = a.pointer(top + r, 0)
                for p in 0..<a.columns { out[p * mr + r] = alpha * row[p] }
            }
            out += mr * a.columns
        } else if rows == mr {
            // Aᵀ stored row-major: the mr entries of column p are neighbours in memory.
            for p in 0..<a.columns {
                let column = a.pointer(top, p)
                for r in 0..<mr { out[r] = alpha * column[r] }
                out += mr
            }
        } else {
            for p in 0..<a.columns {
                for r in 0..<mr { out[r] = r < rows ? alpha * a.pointer(top + r, p).pointee : 0 }
                out += mr
            }
        }
    }
    // end lesson: pack-a
}

/// Packs all of `b` (at most kc × nc) into micro-panels of `nr` columns: panel after panel, and
/// within a panel row p after row p, `nr` floats each. Columns past the end are zeros.
/// `panels` selects which micro-panels to pack, so threads can share the work. `nr` is the
/// register tile's columns: 16 (the lesson's tile) or 32 (`RegisterTile.wide`).
public func packB(_ b: MatrixView, into buffer: UnsafeMutablePointer<Float>, panels: Range<Int>, nr: Int = MicroKernel.nr) {
    for panel in panels {
        let left = panel * nr
        let columns = min(nr, b.columns - left)
        var out = buffer + panel * nr * b.rows
        if b.isTransposed {
            // Bᵀ stored row-major: column j of B is contiguous, so read down it and write across.
            for j in 0..<nr {
                if j < columns {
                    let column = b.pointer(0, left + j)
                    for p in 0..<b.rows { out[p * nr + j] = column[p] }
                } else {
                    for p in 0..<b.rows { out[p * nr + j] = 0 }
                }
            }
            continue
        }
        // lesson: pack-b
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
        // end lesson: pack-b
    }
}
