// The five loops as Stage 4 runs them on one thread (each part of the thread grid): 4c's loops
// (`packedProduct`) with the host's register tile and two refinements, each for a cost the
// arithmetic below names (lessons/04-blocked.md, part 8):
//
// 1. Balanced blocks. With mc = 960, a part of 1000 rows was a block of 960 and one of 40: the
//    second packs A and sweeps all of B for 4% of the work. The blocks of each dimension are now
//    as many as the limits ask for, and as equal as the tile allows (1000 rows: two of 504).
// 2. B packed just in time when A is one block. The lesson's loops pack the whole kc × nc panel
//    of B before using any of it. When every row of A fits one mc block, each micro-panel of B
//    is used by that one block only, so it can be packed right before its use into a kc × nr
//    buffer that stays in L1. For 64×2048 · 2048×2048 that turns 16 MiB written and read back
//    into one read of B.

import MatmulCore

/// C += α · A · B on one thread with `blocks` and its tile: the refined five loops above.
/// C is not transposed; A and B may be.
func stage4PackedProduct(_ alpha: Float, _ a: MatrixView, _ b: MatrixView, _ c: MatrixView, blocks: BlockSizes) {
    let (m, k, n) = (a.rows, a.columns, b.columns)
    let tile = blocks.tile
    let (mr, nr) = (tile.rows, tile.columns)
    let kc = balanced(k, limit: blocks.kc, unit: 1)
    let mc = balanced(m, limit: blocks.mc, unit: mr)
    let nc = balanced(n, limit: blocks.nc, unit: nr)
    let justInTime = mc >= m
    let packedB = BufferPool.shared.borrow(count: kc * (justInTime ? nr : nc))
    // A's block, plus room for a tail's padding (at most 7 rows past mc's), plus the edge tile.
    let workspace = BufferPool.shared.borrow(count: (mc + 8) * kc + mr * nr)
    defer {
        BufferPool.shared.giveBack(packedB)
        BufferPool.shared.giveBack(workspace)
    }
    let packedA = workspace.base, edgeTile = workspace.base + (mc + 8) * kc
    for jc in stride(from: 0, to: n, by: nc) {
        let columns = min(nc, n - jc)
        for pc in stride(from: 0, to: k, by: kc) {
            let depth = min(kc, k - pc)
            let bBlock = b.block(rows: pc..<pc + depth, columns: jc..<jc + columns)
            if !justInTime { packB(bBlock, into: packedB.base, panels: 0..<(columns + nr - 1) / nr, nr: nr) }
            for ic in stride(from: 0, to: m, by: mc) {
                let height = min(mc, m - ic)
                // Rows in tiles of mr, then (the wide tile) a tail in tiles of 8: RegisterTile.rowSplit.
                let (main, _) = tile.rowSplit(height)
                packA(a.block(rows: ic..<ic + main, columns: pc..<pc + depth), into: packedA, alpha: alpha, mr: mr)
                if main < height, let tailRows = tile.tailRows {
                    packA(a.block(rows: ic + main..<ic + height, columns: pc..<pc + depth), into: packedA + main * depth,
                          alpha: alpha, mr: tailRows)
                }
                for jr in stride(from: 0, to: columns, by: nr) {
                    let tileColumns = min(nr, columns - jr)
                    var bPanel = UnsafePointer(packedB.base + jr * depth)
                    if justInTime {
                        packB(bBlock.block(rows: 0..<depth, columns: jr..<jr + tileColumns), into: packedB.base, panels: 0..<1, nr: nr)
                        bPanel = UnsafePointer(packedB.base)
                    }
                    tile.forEachRowTile(height) { ir, tileRows, isTail in
                        // Panels of mr rows, then of tailRows: either way, tile ir's starts ir · depth floats in.
                        let aPanel = UnsafePointer(packedA + ir * depth)
                        let cTile = c.pointer(ic + ir, jc + jr)
                        let fullRows = isTail ? tile.tailRows! : mr
                        func kernel(_ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
                            if isTail {
                                tile.tailKernel(depth: depth, a: aPanel, b: bPanel, c: c, ldc: ldc)
                            } else {
                                tile.kernel(depth: depth, a: aPanel, b: bPanel, c: c, ldc: ldc)
                            }
                        }
                        if tileRows == fullRows && tileColumns == nr {
                            kernel(cTile, c.stride)
                        } else {
                            // An edge tile: the whole padded tile into scratch, then the part inside C.
                            edgeTile.update(repeating: 0, count: mr * nr)
                            kernel(edgeTile, nr)
                            for r in 0..<tileRows {
                                for j in 0..<tileColumns { cTile[r * c.stride + j] += edgeTile[r * nr + j] }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The block size for a dimension of `size` with blocks of at most `limit`: as few blocks as the
/// limit allows, as equal as whole `unit`s make them. 1000 by 960 in units of 12: two of 504.
func balanced(_ size: Int, limit: Int, unit: Int) -> Int {
    let count = max(1, (size + limit - 1) / limit)
    return min(limit, roundUp((size + count - 1) / count, to: unit))
}
