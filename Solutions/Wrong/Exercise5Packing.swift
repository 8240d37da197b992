// A WRONG solution to exercise 5 — an off-by-one in the padding: the last padded row of a short panel of A is left unwritten.
// `make exercises` swaps it in to show that the exercise's tests reject it.

import MatmulCore
import Stage4Blocked

public func yourPackA(_ a: MatrixView, into buffer: UnsafeMutablePointer<Float>) throws {
    let mr = MicroKernel.mr
    var out = buffer
    for top in stride(from: 0, to: a.rows, by: mr) {
        let rows = min(mr, a.rows - top)
        for p in 0..<a.columns {
            for r in 0..<(rows < mr ? mr - 1 : mr) { out[r] = r < rows ? a[top + r, p] : 0 }
            out += mr
        }
    }
}

public func yourPackB(_ b: MatrixView, into buffer: UnsafeMutablePointer<Float>, panels: Range<Int>) throws {
    let nr = MicroKernel.nr
    for panel in panels {
        let left = panel * nr
        let columns = min(nr, b.columns - left)
        var out = buffer + panel * nr * b.rows
        for p in 0..<b.rows {
            let row = b.pointer(p, left)
            for j in 0..<nr { out[j] = j < columns ? row[j] : 0 }
            out += nr
        }
    }
}
