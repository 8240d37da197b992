import MatmulCore
import Stage1Loops
import Stage2Dot
import Stage3Broadcast
import Stage4Blocked
import Stage5BLAS

/// Every stage, in lesson order: the one list the runner iterates.
///
/// Adding a stage is one entry here, plus its module, its test target and its lesson.
/// - Parameters:
///   - threads: the thread count for stages that can use more than one.
///   - blocks: Stage 4's block sizes.
///   - crossover: where Strassen (4s) stops recursing.
public func allStages(threads: Int, blocks: BlockSizes = .host,
                      crossover: Int = StrassenMatmul.measuredCrossover) -> [any MatmulStage] {
    [
        LoopsMatmul(),
        DotMatmul(),
        BroadcastMatmul(),
        BlockedMatmul(step: .tiled, blocks: blocks),
        BlockedMatmul(step: .packed, blocks: blocks),
        BlockedMatmul(step: .microKernel, blocks: blocks),
        BlockedMatmul(step: .full, threads: threads, blocks: blocks),
        StrassenMatmul(crossover: crossover, threads: threads, blocks: blocks),
        BLASMatmul(threads: threads),
    ]
}
