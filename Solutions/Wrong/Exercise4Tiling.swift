// A WRONG solution to exercise 4 — a dropped edge: the last block of columns, narrower than tile.columns, is never computed.
// `make exercises` swaps it in to show that the exercise's tests reject it.

import MatmulCore
import Stage4Blocked

public func yourTiledProduct(_ a: MatrixView, _ b: MatrixView, _ c: MatrixView, tile: TileSizes) throws {
    let (m, k, n) = (a.rows, a.columns, b.columns)
    for jc in stride(from: 0, to: n - n % tile.columns, by: tile.columns) {
        let columns = min(tile.columns, n - jc)
        for pc in stride(from: 0, to: k, by: tile.depth) {
            let pEnd = min(pc + tile.depth, k)
            for ic in stride(from: 0, to: m, by: tile.rows) {
                for i in ic..<min(ic + tile.rows, m) {
                    let cRow = c.pointer(i, jc)
                    for p in pc..<pEnd {
                        let aip = a[i, p]
                        let bRow = b.pointer(p, jc)
                        for j in 0..<columns { cRow[j] += aip * bRow[j] }
                    }
                }
            }
        }
    }
}
