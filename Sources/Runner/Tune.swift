import MatmulCore
import Stage4Blocked

/// What `speedup tune` was asked to do.
public struct TuneOptions: Equatable, Sendable {
    public var size = 1024
    public var threads = 1
    public var repeats = 5
    /// The register tile to tune for; nil: the host's (`RegisterTile.host`).
    public var tile: RegisterTile? = nil
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
      --help         print this message
    """

/// Parses `speedup tune`'s arguments (after the word `tune`).
func parseTuneOptions(_ arguments: [String]) throws -> TuneOptions {
    var options = TuneOptions()
    var reader = ArgumentReader(arguments)
    while let flag = try reader.next() {
        switch flag {
        case "--help", "-h": options.help = true
        case "--size": options.size = try reader.positiveInteger()
        case "--threads": options.threads = try reader.threadCount()
        case "--repeat": options.repeats = try reader.repeatCount()
        case "--tile":
            let text = try reader.value()
            guard let tile = RegisterTile(named: text) else {
                throw UsageError(message: "tune --tile takes \(RegisterTile.all.map(\.name).joined(separator: " or ")), not '\(text)'")
            }
            options.tile = tile
        default: throw UsageError(message: "tune: unknown option '\(flag)'")
        }
    }
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
    do {
        error("tuning Stage 4 on \(options.size)×\(options.size) · \(options.size)×\(options.size), \(options.threads) thread(s), on \(cpuModel())\n")
        let (trials, best) = try runTune(options) { error("  \($0)\n") }
        let host = trials[0]
        output("""
            tried \(trials.count) block sizes on \(options.size)×\(options.size), \(options.threads) thread(s)
            derived from the caches: \(host.blocks)  \(fixed(host.gflops, 1)) GFLOP/s
            best:                    \(best.blocks)  \(fixed(best.gflops, 1)) GFLOP/s (\(fixed(best.gflops / host.gflops, 2))× the derived sizes)
            use them:   swift run -c release speedup --blocks \(best.blocks.mc),\(best.blocks.kc),\(best.blocks.nc) --tile \(best.blocks.tile.name)

            """)
        return 0
    } catch let failure {
        error("speedup: error: \(failure)\n")
        return 1
    }
}
