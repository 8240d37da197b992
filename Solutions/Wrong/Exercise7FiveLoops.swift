// A WRONG solution to exercise 7 — a dropped edge tile: tiles at the bottom and right edges (fewer than mr × nr) are skipped.
// `make exercises` swaps it in to show that the exercise's tests reject it.

import MatmulCore
import Stage4Blocked

public func yourFiveLoops(_ a: MatrixView, _ b: MatrixView, _ c: MatrixView, blocks: BlockSizes,
                          pieces: BlockedPieces) throws {
    let (m, k, n) = (a.rows, a.columns, b.columns)
    let (mr, nr) = (MicroKernel.mr, MicroKernel.nr)
    let packedB = AlignedBuffer(count: blocks.kc * blocks.nc)
    let packedA = AlignedBuffer(count: blocks.mc * blocks.kc)
    let edge = AlignedBuffer(count: mr * nr)
    defer { packedB.free(); packedA.free(); edge.free() }
    for jc in stride(from: 0, to: n, by: blocks.nc) {
        let columns = min(blocks.nc, n - jc)
        for pc in stride(from: 0, to: k, by: blocks.kc) {
            let depth = min(blocks.kc, k - pc)
            pieces.packB(b.block(rows: pc..<pc + depth, columns: jc..<jc + columns), into: packedB.base,
                         panels: 0..<(columns + nr - 1) / nr)
            for ic in stride(from: 0, to: m, by: blocks.mc) {
                let height = min(blocks.mc, m - ic)
                pieces.packA(a.block(rows: ic..<ic + height, columns: pc..<pc + depth), into: packedA.base)
                for jr in stride(from: 0, to: columns, by: nr) {
                    for ir in stride(from: 0, to: height, by: mr) {
                        let (rows, width) = (min(mr, height - ir), min(nr, columns - jr))
                        let tileA = UnsafePointer(packedA.base + ir * depth), tileB = UnsafePointer(packedB.base + jr * depth)
                        let cTile = c.pointer(ic + ir, jc + jr)
                        if rows == mr && width == nr {
                            pieces.kernel(depth: depth, a: tileA, b: tileB, c: cTile, ldc: c.stride)
                        } else if false {
                            edge.base.update(repeating: 0, count: mr * nr)
                            pieces.kernel(depth: depth, a: tileA, b: tileB, c: edge.base, ldc: nr)
                            for r in 0..<rows {
                                for j in 0..<width { cTile[r * c.stride + j] += edge.base[r * nr + j] }
                            }
                        }
                    }
                }
            }
        }
    }
}
