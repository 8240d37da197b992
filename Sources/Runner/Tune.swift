import Foundation
import MatmulCore
import Stage4Blocked

/// What `speedup tune` was asked to do.
public struct TuneOptions: Equatable, Sendable {
    public var size = 1024
    public var threads = 1
    public var repeats = 5
    /// The register tile to tune for; nil: the host's (`RegisterTile.host`).
    public var tile: RegisterTile? = nil
    /// Find Strassen's crossover instead of the block sizes (`--strassen`).
    public var strassen = false
    public var help = false
    public init() {}
}

public let tuneUsage = """
    usage: swift run -c release speedup tune [options]

    Searches Stage 4's block sizes (mc, kc, nc) on this machine: starting from the sizes derived
    from its caches (\(BlockSizes.host)), it times Stage 4 on an n×n product for each candidate
    value of one size while holding the others, keeps the best, and moves to the next size.
    It prints every trial and the best sizes, and the flag that uses them.

    options:
      --size N       the square size to tune on (default 1024)
      --threads T    threads, as in speedup --threads (default 1, at most 1024)
      --repeat R     timed runs per trial after one warm-up; the fastest counts, being the
                     least disturbed by other work on the machine (default 5, at most 10000)
      --tile T       the register tile to tune for, 6x16 or 12x32 (default: Stage 4's choice
                     here, \(RegisterTile.host))
      --strassen     instead, find where Strassen (4s) starts to pay: one level of it against
                     Stage 4 at n = 256, 512, 768, 1024, 1536, 2048 up to --size (default
                     for this search 2048), and record the crossover for this CPU model in
                     \(StrassenRecord().path), where 4s reads it
      --help         print this message
    """

/// Parses `speedup tune`'s arguments (after the word `tune`).
func parseTuneOptions(_ arguments: [String]) throws -> TuneOptions {
    var options = TuneOptions()
    var sizeGiven = false
    var reader = ArgumentReader(arguments)
    while let flag = try reader.next() {
        switch flag {
        case "--help", "-h": options.help = true
        case "--size": options.size = try reader.positiveInteger(); sizeGiven = true
        case "--threads": options.threads = try reader.threadCount()
        case "--repeat": options.repeats = try reader.repeatCount()
        case "--strassen": options.strassen = true
        case "--tile": options.tile = try parseTile(try reader.value(), flag: "tune --tile")
        default: throw UsageError(message: "tune: unknown option '\(flag)'")
        }
    }
    if options.strassen && !sizeGiven { options.size = 2048 }
    if options.strassen && options.size < 256 { throw UsageError(message: "tune --strassen: --size must be at least 256, not \(options.size)") }
    if let refusal = ProductShape(m: options.size, k: options.size, n: options.size).memoryRefusal {
        throw UsageError(message: "tune --size: \(refusal)")
    }
    return options
}

/// One timed set of block sizes.
struct TuneTrial {
    let blocks: BlockSizes
    let gflops: Double
}

/// The candidate values for each block size: around the cache-derived guess `derived`, in the
/// units both tiles need (mc a multiple of 12, which 6 divides; nc of 32, which 16 divides).
func tuneCandidates(size: Int, derived: BlockSizes = .host) -> (mc: [Int], kc: [Int], nc: [Int]) {
    let kc = [64, 128, 192, 256, 320, 384, 512]
    let mc = [24, 48, 72, 96, 120, 144, 192, 252, 312, 384, 480, 720, 960].filter { $0 <= max(size, 96) }
    let nc = [256, 512, 1024, 2048, 4096, 8192, derived.nc].filter { $0 <= max(size, 256) || $0 == derived.nc }
    return (mc, kc, nc)
}

/// Coordinate search over kc, then mc, then nc, then kc again; returns every trial in order and the best.
func runTune(_ options: TuneOptions, progress: (String) -> Void) throws -> (trials: [TuneTrial], best: TuneTrial) {
    let a = try Matrix.randomNormal(rows: options.size, columns: options.size, seed: 1)
    let b = try Matrix.randomNormal(rows: options.size, columns: options.size, seed: 2)
    let flops = 2 * Double(options.size) * Double(options.size) * Double(options.size)
    var trials: [TuneTrial] = []
    var timed: [BlockSizes: Double] = [:]
    func time(_ blocks: BlockSizes) throws -> TuneTrial {
        if let gflops = timed[blocks] { return TuneTrial(blocks: blocks, gflops: gflops) }
        let stage = BlockedMatmul(step: .full, threads: options.threads, blocks: blocks)
        let timing = try timeProduct(stage, a, b, repeats: options.repeats)
        let trial = TuneTrial(blocks: blocks, gflops: flops / timing.minimum / 1e9)
        timed[blocks] = trial.gflops
        trials.append(trial)
        progress("\(blocks): \(fixed(trial.gflops, 1)) GFLOP/s")
        return trial
    }
    let tile = options.tile ?? .host
    let derived = BlockSizes(caches: .host, tile: tile)
    let candidates = tuneCandidates(size: options.size, derived: derived)
    // Each search varies one size of the best so far: (its candidates, the sizes with it replaced).
    let withKC = { (sizes: BlockSizes, kc: Int) in try BlockSizes(mc: sizes.mc, kc: kc, nc: sizes.nc, tile: tile) }
    let searches: [([Int], (BlockSizes, Int) throws -> BlockSizes)] = [
        (candidates.kc, withKC),
        (candidates.mc, { try BlockSizes(mc: $1, kc: $0.kc, nc: $0.nc, tile: tile) }),
        (candidates.nc, { try BlockSizes(mc: $0.mc, kc: $0.kc, nc: $1, tile: tile) }),
        (candidates.kc, withKC),
    ]
    var best = try time(derived)
    for (values, replacing) in searches {
        for value in values {
            let trial = try time(try replacing(best.blocks, value))
            if trial.gflops > best.gflops { best = trial }
        }
    }
    return (trials, best)
}

/// `speedup tune …`: returns the exit code like `speedupMain`.
func tuneMain(_ arguments: [String], output: (String) -> Void, error: (String) -> Void) -> Int32 {
    let options: TuneOptions
    do {
        options = try parseTuneOptions(arguments)
    } catch let failure {
        error("speedup: \(failure)\n\n\(tuneUsage)\n")
        return 2
    }
    if options.help {
        output(tuneUsage + "\n")
        return 0
    }
    if options.strassen { return strassenTuneMain(options, output: output, error: error) }
    do {
        error("tuning Stage 4 on \(options.size)×\(options.size) · \(options.size)×\(options.size), \(options.threads) thread(s), on \(cpuModel())\n")
        let (trials, best) = try runTune(options) { error("  \($0)\n") }
        let host = trials[0]
        output("""
            tried \(trials.count) block sizes on \(options.size)×\(options.size), \(options.threads) thread(s)
            derived from the caches: \(host.blocks)  \(fixed(host.gflops, 1)) GFLOP/s
            best:                    \(best.blocks)  \(fixed(best.gflops, 1)) GFLOP/s (\(fixed(best.gflops / host.gflops, 2))× the derived sizes)
            use them:   swift run -c release speedup --blocks \(best.blocks.mc),\(best.blocks.kc),\(best.blocks.nc) --tile \(best.blocks.tile.name)
            measured the first time Stage 4 needed them: \(RegisterTile.choice.reason); for the \(best.blocks.tile) tile, \(HostCosts.of(best.blocks.tile))

            """)
        return 0
    } catch let failure {
        error("speedup: error: \(failure)\n")
        return 1
    }
}

/// One size of the Strassen search: Stage 4 and one level of Strassen over it, fastest of the repeats.
struct StrassenTrial {
    let n: Int
    let blocked: Double
    let strassen: Double
    var pays: Bool { strassen < blocked }
}

/// Times Stage 4 against one level of Strassen (crossover n − 1) at each size up to `options.size`;
/// the crossover is the largest size at which the level did not pay (256 − 1 if it paid at every size).
func runStrassenTune(_ options: TuneOptions, progress: (String) -> Void) throws -> (trials: [StrassenTrial], crossover: Int) {
    let blocks = BlockSizes(caches: .host, tile: options.tile ?? .host)
    var trials: [StrassenTrial] = []
    for n in [256, 512, 768, 1024, 1536, 2048] where n <= options.size {
        let a = try Matrix.randomNormal(rows: n, columns: n, seed: 1)
        let b = try Matrix.randomNormal(rows: n, columns: n, seed: 2)
        let blocked = try timeProduct(BlockedMatmul(threads: options.threads, blocks: blocks), a, b, repeats: options.repeats).minimum
        let strassen = try timeProduct(StrassenMatmul(crossover: n - 1, threads: options.threads, blocks: blocks), a, b,
                                       repeats: options.repeats).minimum
        let trial = StrassenTrial(n: n, blocked: blocked, strassen: strassen)
        trials.append(trial)
        progress("n = \(n): Stage 4 \(milliseconds(blocked * 1000)) ms, one level of Strassen \(milliseconds(strassen * 1000)) ms\(trial.pays ? " (pays)" : "")")
    }
    return (trials, strassenCrossover(trials))
}

/// The largest size at which one level did not pay, or one below the smallest size if it always paid.
func strassenCrossover(_ trials: [StrassenTrial]) -> Int {
    trials.last(where: { !$0.pays })?.n ?? max(1, (trials.first?.n ?? 2) - 1)
}

func strassenTuneMain(_ options: TuneOptions, output: (String) -> Void, error: (String) -> Void) -> Int32 {
    do {
        error("finding Strassen's crossover, \(options.threads) thread(s), on \(cpuModel())\n")
        let (trials, crossover) = try runStrassenTune(options) { error("  \($0)\n") }
        let record = StrassenRecord()
        let date = Date().formatted(.iso8601.year().month().day().dateSeparator(.dash))
        try record.record(crossover, for: HostCPU.modelName, date: date)
        let paid = trials.filter(\.pays).map { "\($0.n)" }
        output("""
            one level of Strassen paid at n = \(paid.isEmpty ? "none of the sizes tried" : paid.joined(separator: ", "))
            crossover: \(crossover) (4s recurses while min(m,k,n) > \(crossover)); recorded in \(record.path)

            """)
        return 0
    } catch let failure {
        error("speedup: error: \(failure)\n")
        return 1
    }
}
