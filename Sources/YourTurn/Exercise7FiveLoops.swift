// Exercise 7 — the five loops (lessons/04-blocked.md, part 4).
//
// The loop nest that feeds the micro-kernel, outside in:
//
//   for jc: columns of B, nc at a time       pack the kc × nc panel of B     (pieces.packB)
//     for pc: depth, kc at a time
//       for ic: rows of A, mc at a time      pack the mc × kc block of A     (pieces.packA)
//         for jr: nr columns                   a micro-panel of packed B
//           for ir: mr rows                      a micro-panel of packed A: one kernel call
//
// `pieces` are Stage 4's in the tests, so your loops are checked alone; the runner's row uses
// your packing and micro-kernel where you have written them. Tiles at the right and bottom edges
// are smaller than mr × nr: run the kernel into a scratch mr × nr tile (ldc = nr), then add its
// valid part to C.
//
//     swift test --filter YourTurnTests.FiveLoops        tiny blocks, so every shape has edges
//     swift run -c release speedup --stages 4c,you7 --size 1000
//
// Expect about 4c's speed: these are 4c's loops.

import MatmulCore
import Stage4Blocked

/// C += A · B (views not transposed) with blocks of `blocks.mc` rows, `blocks.kc` depth and
/// `blocks.nc` columns (multiples of mr and nr). Allocate the packing buffers with
/// `AlignedBuffer(count:)` and free them when done (`defer { buffer.free() }`).
public func yourFiveLoops(_ a: MatrixView, _ b: MatrixView, _ c: MatrixView, blocks: BlockSizes,
                          pieces: BlockedPieces) throws {
    throw NotWrittenYet(.fiveLoops)   // replace this line with your loops
}
