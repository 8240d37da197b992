// Exercise 4 — tiling (lessons/04-blocked.md, part 1).
//
// Exercise 3's i-k-j loops, cut into blocks: for each block of B's columns (`tile.columns` wide)
// and rows (`tile.depth` deep), run the i-k-j loops over `tile.rows` rows of A at a time,
// touching only that block of B and that segment of C's rows. Every block has an edge: the last
// one in each direction is usually smaller (min(…, n - jc)).
//
//     swift test --filter YourTurnTests.Tiling           tiny tiles, so every shape has edges
//     swift run -c release speedup --stages 3,4a,you4 --size 1000
//
// Expect about 4a's speed, and 4a is barely faster than Stage 3: tiling cuts trips to memory
// for B, but the inner loop still loads and stores C on every step (lesson 04 says why).

import MatmulCore
import Stage4Blocked

/// C += A · B, one block at a time. The views are not transposed: element (i, j) of a view is
/// `x[i, j]`, and `x.pointer(i, j)` is its address (rows `x.stride` floats apart).
public func yourTiledProduct(_ a: MatrixView, _ b: MatrixView, _ c: MatrixView, tile: TileSizes) throws {
    throw NotWrittenYet(.tiling)   // replace this line with your loops
}
