// Exercise 5 — packing A and B (lessons/04-blocked.md, part 2).
//
// Copy a block of A, and a panel of B, into buffers laid out in exactly the order the
// micro-kernel reads them, with zeros where a block does not fill the last micro-panel. Both
// functions are checked float for float against Stage 4's own packers (Packing.swift), padding
// included: a float left unwritten in the padding is an error too.
//
//     swift test --filter YourTurnTests.Packing
//     swift run -c release speedup --stages 4a,4b,you5 --size 1000
//
// Your row runs your packing inside 4b's loops with 4b's kernel, so expect about 4b's speed: the
// step from 4a to 4b is mostly the register tile that packing makes possible (lesson 04).

import MatmulCore
import Stage4Blocked

/// Packs `a` (at most mc × kc; not transposed) into micro-panels of `MicroKernel.mr` rows.
///
/// Panel after panel (rows 0..<mr, then mr..<2·mr, …); within a panel, column p after column p,
/// `mr` floats each: A[top, p], A[top + 1, p], …, A[top + mr − 1, p]. A last panel with fewer than
/// `mr` rows is padded with zeros to `mr`. In all, ⌈rows ÷ mr⌉ · mr · columns floats.
public func yourPackA(_ a: MatrixView, into buffer: UnsafeMutablePointer<Float>) throws {
    throw NotWrittenYet(.packing)   // replace this line with your packing
}

/// Packs micro-panels `panels` of `b` (at most kc × nc; not transposed), `MicroKernel.nr`
/// columns each: panel q holds columns q·nr ..< (q + 1)·nr and starts at `buffer + q · nr · b.rows`.
///
/// Within a panel, row p after row p, `nr` floats each: B[p, left], …, B[p, left + nr − 1].
/// Columns past the end of `b` are zeros. Only the panels in `panels` are written, so threads can
/// share the work (exercise 8); the others are left as they are.
public func yourPackB(_ b: MatrixView, into buffer: UnsafeMutablePointer<Float>, panels: Range<Int>) throws {
    throw NotWrittenYet(.packing)   // replace this line with your packing
}
