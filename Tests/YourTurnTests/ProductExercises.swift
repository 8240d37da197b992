// The exercises that compute a whole product (1–4, 7, 8 and your own kernel): each must pass the
// shared conformance checks every stage passes. A suite is skipped, with the reason "not written
// yet: …", while its stub still throws NotWrittenYet.

import MatmulCore
import MatmulTesting
import Stage4Blocked
import Testing
import YourTurn

func conformance(of stage: any MatmulStage, _ check: ConformanceCase) throws {
    let problems = try check.problems(of: stage)
    #expect(problems.isEmpty, "\(stage.id) (\(stage.threads) threads): \(problems.joined(separator: "; "))")
}

func skippedUntilWritten(_ exercise: Exercise) -> ConditionTrait {
    .enabled(if: exercise.isWritten, Comment(rawValue: exercise.notWrittenReason))
}

/// Blocks small enough that every shared shape crosses many block edges (as Stage 4's tests use).
let tinyBlocks = try! BlockSizes(mc: 12, kc: 7, nc: 32)

@Suite("Exercise 1: the three loops", skippedUntilWritten(.loops))
struct Loops {
    @Test(arguments: ConformanceCase.all)
    func passesTheSharedChecks(_ check: ConformanceCase) throws { try conformance(of: YourExercise(.loops), check) }
}

@Suite("Exercise 2: the transposed dot product", skippedUntilWritten(.dot))
struct Dot {
    @Test(arguments: ConformanceCase.all)
    func passesTheSharedChecks(_ check: ConformanceCase) throws { try conformance(of: YourExercise(.dot), check) }
}

@Suite("Exercise 3: i-k-j", skippedUntilWritten(.broadcast))
struct Broadcast {
    @Test(arguments: ConformanceCase.all)
    func passesTheSharedChecks(_ check: ConformanceCase) throws { try conformance(of: YourExercise(.broadcast), check) }
}

@Suite("Exercise 4: tiling", skippedUntilWritten(.tiling))
struct Tiling {
    @Test("passes the shared checks with tiles of 5 rows, depth 7, 9 columns: every shape has edges",
          arguments: ConformanceCase.all)
    func tinyTiles(_ check: ConformanceCase) throws {
        try conformance(of: YourExercise(.tiling, tile: TileSizes(rows: 5, depth: 7, columns: 9)), check)
    }

    @Test("passes them with 4a's tile sizes", arguments: ConformanceCase.all)
    func stageTiles(_ check: ConformanceCase) throws { try conformance(of: YourExercise(.tiling), check) }
}

@Suite("Exercise 7: the five loops (with Stage 4's pieces)", skippedUntilWritten(.fiveLoops))
struct FiveLoops {
    @Test("passes the shared checks with tiny blocks (mc=12, kc=7, nc=32)", arguments: ConformanceCase.all)
    func tinyBlocks(_ check: ConformanceCase) throws {
        try conformance(of: YourExercise(.fiveLoops, blocks: YourTurnTests.tinyBlocks, stagePiecesOnly: true), check)
    }

    @Test("passes them with this machine's blocks", arguments: ConformanceCase.all)
    func hostBlocks(_ check: ConformanceCase) throws {
        try conformance(of: YourExercise(.fiveLoops, stagePiecesOnly: true), check)
    }
}

@Suite("Exercise 8: threads (with Stage 4's pieces)", skippedUntilWritten(.threads))
struct Threads {
    @Test("passes the shared checks on 1, 2 and 3 threads with tiny blocks", arguments: [1, 2, 3])
    func tinyBlocks(_ threads: Int) throws {
        let stage = YourExercise(.threads, threads: threads, blocks: YourTurnTests.tinyBlocks, stagePiecesOnly: true)
        for check in ConformanceCase.all { try conformance(of: stage, check) }
    }

    // Many blocks per thread, so a race (two threads writing one buffer, or one C tile) has many
    // chances to show. It need not show: a race that passed these five runs was seen here, the
    // threads' turns never overlapping. ThreadSanitizer watches every access instead (lesson 04:
    // `swift test --sanitize=thread --filter YourTurnTests.Threads`).
    @Test("agrees with the loops on 300×70×150 with tiny blocks, 2–4 threads, five times each", arguments: [2, 3, 4])
    func manyBlocks(_ threads: Int) throws {
        let stage = YourExercise(.threads, threads: threads, blocks: YourTurnTests.tinyBlocks, stagePiecesOnly: true)
        for _ in 0..<5 { try conformance(of: stage, .agreesWithLoops(m: 300, k: 70, n: 150)) }
    }
}

@Suite("Your own kernel (YourMatmul)", skippedUntilWritten(.ownKernel))
struct OwnKernel {
    @Test(arguments: ConformanceCase.all)
    func passesTheSharedChecks(_ check: ConformanceCase) throws { try conformance(of: YourMatmul(), check) }

    @Test("passes them with threads: 2 too", arguments: ConformanceCase.all)
    func twoThreads(_ check: ConformanceCase) throws { try conformance(of: YourMatmul(threads: 2), check) }
}
