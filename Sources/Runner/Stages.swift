import MatmulCore
import Stage1Loops
import Stage2Dot
import Stage3Broadcast
import Stage4Blocked
import Stage5BLAS

/// Every stage, in lesson order: the one list the runner iterates.
///
/// Adding a stage is one entry here, plus its module, its test target and its lesson.
/// - Parameter threads: the thread count for stages that can use more than one.
public func allStages(threads: Int) -> [any MatmulStage] {
    [
        LoopsMatmul(),
        DotMatmul(),
        BroadcastMatmul(),
        BlockedMatmul(step: .tiled),
        BlockedMatmul(step: .packed),
        BlockedMatmul(step: .microKernel),
        BlockedMatmul(step: .full, threads: threads),
        BLASMatmul(threads: threads),
    ]
}
