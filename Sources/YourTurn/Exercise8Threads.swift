// Exercise 8 — threads (lessons/04-blocked.md, part 5).
//
// Exercise 7's loops on `threads` threads with `DispatchQueue.concurrentPerform(iterations:)`.
// Split the rows of C into `threads` contiguous ranges, multiples of mr, one per thread; give
// each thread its own buffer for packed A (threads writing one buffer is a data race); pack the
// B panel before any thread reads it. The closure concurrentPerform runs is `@Sendable`: it may
// capture `MatrixView`s, `AlignedBuffer`s and `pieces` (all Sendable, lesson 04 says why), not
// raw pointers.
//
//     swift test --filter YourTurnTests.Threads          1, 2 and 3 threads, tiny blocks
//     swift run -c release speedup --stages 4,you8 --size 1000 --threads 2
//
// Expect about Stage 4's speed on square products; Stage 4 also has a path for skinny B (the
// fastai shapes) that this exercise does not ask for.

import Dispatch
import MatmulCore
import Stage4Blocked

/// C += A · B (views not transposed) as in `yourFiveLoops`, on `threads` threads (at least 1).
public func yourThreadedFiveLoops(_ a: MatrixView, _ b: MatrixView, _ c: MatrixView, blocks: BlockSizes,
                                  threads: Int, pieces: BlockedPieces) throws {
    throw NotWrittenYet(.threads)   // replace this line with your loops
}
