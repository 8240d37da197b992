import MatmulCore
import Stage1Loops
import Stage2Dot
import Stage3Broadcast
import Stage4Blocked
import Stage5BLAS
import Stage6GPU
import YourTurn

/// Every stage, in lesson order, then the learner's exercises ("you1" … "you8") and own kernel
/// ("you"): the one list the runner iterates.
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
        BLISMatmul(threads: threads),
    ] + GPUMatmul.allStages + YourExercise.all(threads: threads, blocks: blocks) + [YourMatmul(threads: threads)]
}

/// The stage whose time the table's "× loops" divides by: the first in the list, the loop version.
let referenceStageID = allStages(threads: 1)[0].id

/// The stages a run with `options` times, in order. With no --stages, the stages listed by
/// default (your kernel joins once it is written); `--stages you` always asks for it (and its
/// row says when it is not written).
func chosenStages(_ options: Options) -> [any MatmulStage] {
    allStages(threads: options.threads, blocks: stage4Blocks(options),
              crossover: options.crossover ?? StrassenMatmul.measuredCrossover).filter {
        options.stages?.contains($0.id) ?? $0.isListedByDefault
    }
}

/// One line of the table-to-be: a stage to time, or several stages skipped for one reason.
enum TableEntry {
    case run(any MatmulStage)
    /// Stages that cannot run here (no CUDA driver, no OpenCL platform, your kernel not written yet):
    /// one row says so.
    case skipped(ids: String, name: String, reason: String)
}

/// `stages` in order, with each run of consecutive stages that share one reason for being
/// unavailable folded into a single skipped line.
func tableEntries(_ stages: [any MatmulStage]) -> [TableEntry] {
    var entries: [TableEntry] = []
    var group: (first: any MatmulStage, last: any MatmulStage, reason: String)?
    func close() {
        guard let (first, last, reason) = group else { return }
        // GPU kernels skipped are named by their API; a CPU stage by its name.
        let name = first.family == MatmulFamily.cpu ? first.name : first.family
        entries.append(.skipped(ids: first.id == last.id ? first.id : "\(first.id)…\(last.id)", name: name, reason: reason))
        group = nil
    }
    for stage in stages {
        let reason = stage.unavailableReason
        if let reason, let current = group, current.reason == reason {
            group = (current.first, stage, reason)
            continue
        }
        close()
        if let reason { group = (stage, stage, reason) } else { entries.append(.run(stage)) }
    }
    close()
    return entries
}

/// Stage 4's block sizes and tile for a run: `--blocks` and `--tile` where given; otherwise the
/// host's tile and the blocks derived from the caches for it.
func stage4Blocks(_ options: Options) -> BlockSizes {
    let tile = options.tile ?? .host
    return options.blocks?.retiled(tile) ?? BlockSizes(caches: .host, tile: tile)
}
