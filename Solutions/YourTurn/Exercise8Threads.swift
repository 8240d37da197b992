// A reference solution to exercise 8 (the exercise: Sources/YourTurn/Exercise8Threads.swift).

import Dispatch
import MatmulCore
import Stage4Blocked

public func yourThreadedFiveLoops(_ a: MatrixView, _ b: MatrixView, _ c: MatrixView, blocks: BlockSizes,
                                  threads: Int, pieces: BlockedPieces) throws {
    let (m, k, n) = (a.rows, a.columns, b.columns)
    let (mr, nr) = (MicroKernel.mr, MicroKernel.nr)
    let threads = max(1, threads)
    // Shared: the packed B panel, written before the threads that read it start. Per thread: its
    // own packed A block and edge tile, so no two threads ever write the same float.
    let packedB = AlignedBuffer(count: blocks.kc * blocks.nc)
    let workspaces = (0..<threads).map { _ in AlignedBuffer(count: blocks.mc * blocks.kc + mr * nr) }
    defer { packedB.free(); workspaces.forEach { $0.free() } }
    let microRows = (m + mr - 1) / mr
    for jc in stride(from: 0, to: n, by: blocks.nc) {
        let columns = min(blocks.nc, n - jc)
        for pc in stride(from: 0, to: k, by: blocks.kc) {
            let depth = min(blocks.kc, k - pc)
            pieces.packB(b.block(rows: pc..<pc + depth, columns: jc..<jc + columns), into: packedB.base,
                         panels: 0..<(columns + nr - 1) / nr)
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                // Thread t's rows: a contiguous range, a multiple of mr, disjoint from the others'.
                let rows = min(m, microRows * t / threads * mr)..<min(m, microRows * (t + 1) / threads * mr)
                let packedA = workspaces[t].base, edge = packedA + blocks.mc * blocks.kc
                for ic in stride(from: rows.lowerBound, to: rows.upperBound, by: blocks.mc) {
                    let height = min(blocks.mc, rows.upperBound - ic)
                    pieces.packA(a.block(rows: ic..<ic + height, columns: pc..<pc + depth), into: packedA)
                    for jr in stride(from: 0, to: columns, by: nr) {
                        for ir in stride(from: 0, to: height, by: mr) {
                            let (tileRows, width) = (min(mr, height - ir), min(nr, columns - jr))
                            let tileA = UnsafePointer(packedA + ir * depth), tileB = UnsafePointer(packedB.base + jr * depth)
                            let cTile = c.pointer(ic + ir, jc + jr)
                            if tileRows == mr && width == nr {
                                pieces.kernel(depth: depth, a: tileA, b: tileB, c: cTile, ldc: c.stride)
                            } else {
                                edge.update(repeating: 0, count: mr * nr)
                                pieces.kernel(depth: depth, a: tileA, b: tileB, c: edge, ldc: nr)
                                for r in 0..<tileRows {
                                    for j in 0..<width { cTile[r * c.stride + j] += edge[r * nr + j] }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
