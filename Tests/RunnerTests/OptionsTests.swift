import Stage6GPU
import MatmulCore
import Stage4Blocked
import Stage5BLAS
import Testing
@testable import Runner

@Test func defaultsRunBothWorkloads() throws {
    let options = try parseOptions([])
    #expect(options.runsFastai)
    #expect(options.squareSizes == Options.defaultSizes)
    #expect(options.threads == 1 && options.format == .table && options.stages == nil)
}

@Test func sizesAndShapesReplaceTheDefaultWorkloads() throws {
    let options = try parseOptions(["--size", "512", "--size=64", "--shape", "1000x784x10", "--threads", "2"])
    #expect(!options.runsFastai)
    #expect(options.squareSizes == [512, 64])
    #expect(options.shapes == [ProductShape(m: 1000, k: 784, n: 10)])
    #expect(options.threads == 2)
    let both = try parseOptions(["--workload", "fastai", "--size", "128"])
    #expect(both.runsFastai && both.squareSizes == [128])
}

@Test func stageListsAndRanges() throws {
    #expect(try parseStages("1,2,3,5") == ["1", "2", "3", "5"])
    #expect(try parseStages("5,1") == ["1", "5"])
    #expect(try parseStages("1-3") == ["1", "2", "3"])
    #expect(try parseStages("2-5") == ["2", "3", "4a", "4b", "4c", "4", "4s", "5", "5b"])
    #expect(try parseStages("4,4s") == ["4", "4s"])
    #expect(try parseStages("5,6") == ["5"] + GPUMatmul.allStages.map(\.id))
    #expect(try parseStages("6cublas,6d.cl") == ["6cublas", "6d.cl"])
    #expect(try parseStages("3,you") == ["3", "you"])
    #expect(try parseStages("1-6").contains("you") == false)
    #expect(throws: UsageError.self) { try parseStages("9") }
    #expect(throws: UsageError.self) { try parseStages("1,,2") }
}

@Test(arguments: [
    ["--bogus"], ["--size"], ["--size", "0"], ["--size", "-3"], ["--threads", "two"], ["--repeat", "0"],
    ["--format", "xml"], ["--workload", "cube"], ["--shape", "10x10"], ["--shape", "axbxc"],
    ["--max-seconds", "0"], ["--stages", "7"], ["--size", "--threads"],
    ["--chart"], ["--chart", ""], ["--chart", "charts/"],
    ["--blocks", "96,256"], ["--blocks", "0,256,4096"], ["--blocks", "a,b,c"], ["--crossover", "0"],
    // Issue 16: sizes that overflowed or asked for absurd amounts; shapes with empty parts; ranges
    // the wrong way round; an option the chosen workload does not use.
    ["--threads", "3000000000"], ["--threads", "1025"], ["--repeat", "10001"], ["--rounds", "1001"],
    ["--blocks", "9223372036854775807,1,1"], ["--shape", "3xx5x7"], ["--shape", "x3x5x7"], ["--shape", "3x5x7x"],
    ["--stages", "3-1"], ["--images", "x.idx", "--workload", "square"], ["--images", "x.idx", "--size", "8"],
])
func badCommandLinesAreUsageErrors(_ arguments: [String]) {
    #expect(throws: UsageError.self) { try parseOptions(arguments) }
}

@Test func badFlagExitsWithCodeTwoAndUsageOnStandardError() {
    var output = "", error = ""
    let status = speedupMain(["--sizes", "512"], output: { output += $0 }, error: { error += $0 })
    #expect(status == 2)
    #expect(output.isEmpty)
    #expect(error.contains("unknown option '--sizes'"))
    #expect(error.contains("usage: swift run -c release speedup"))
}

@Test func helpGoesToStandardOutput() {
    var output = ""
    #expect(speedupMain(["--help"], output: { output += $0 }, error: { _ in }) == 0)
    #expect(output.contains("--stages LIST"))
}

@Test func productsLargerThanMemoryAreRefused() throws {
    let options = try parseOptions(["--size", "200000"])
    #expect(throws: UsageError.self) { try checkMemory(options) }
    // Before anything runs, as a usage error (2), saying the limit is half of memory.
    var error = ""
    #expect(speedupMain(["--size", "4294967296"], output: { _ in }, error: { error += $0 }) == 2)
    #expect(error.contains("more than half of this machine's"))
    #expect(!error.contains("loading") && !error.contains("measuring"))
}

@Test func rangesTheWrongWayRoundSaySo() {
    #expect(throws: UsageError(message: "--stages: the range 3-1 runs backwards; write 1-3")) { try parseStages("3-1") }
}

@Test(arguments: [["--size", "4294967296"], ["--size", "1000000"], ["--threads", "3000000000"], ["--repeat", "10001"]])
func tuneRefusesWhatCannotRun(_ arguments: [String]) {
    #expect(throws: UsageError.self) { try parseTuneOptions(arguments) }
}

@Test func stageIDsAreUniqueAndInLessonOrder() {
    let all = allStages(threads: 1)
    #expect(Set(all.map(\.id)).count == all.count)
    // The course's stages in order, then your exercises in order, then your own kernel last.
    let stages = all.prefix { !$0.id.hasPrefix("you") }
    #expect(stages.map(\.number) == stages.map(\.number).sorted())
    #expect(stages.first?.id == "1")
    #expect(all.dropFirst(stages.count).map(\.id) == (1...8).map { "you\($0)" } + ["you"])
}

@Test func stageFourBlockSizesAndStrassenCrossover() throws {
    let options = try parseOptions(["--blocks", "96,256,4096", "--crossover=512"])
    #expect(options.blocks == (try BlockSizes(mc: 96, kc: 256, nc: 4096)))
    #expect(options.crossover == 512)
    let stages = allStages(threads: 2, blocks: options.blocks!, crossover: 512)
    let blocked = try #require(stages.first { $0.id == "4" } as? BlockedMatmul)
    #expect(blocked.blocks == options.blocks && blocked.threads == 2)
    let strassen = try #require(stages.first { $0.id == "4s" } as? StrassenMatmul)
    #expect(strassen.crossover == 512 && strassen.threads == 2)
}

@Test func tuneParsesItsOwnOptions() throws {
    let options = try parseTuneOptions(["--size", "256", "--threads=2", "--repeat", "1"])
    #expect(options.size == 256 && options.threads == 2 && options.repeats == 1)
    #expect(throws: UsageError.self) { try parseTuneOptions(["--size", "0"]) }
    #expect(throws: UsageError.self) { try parseTuneOptions(["--blocks", "1,2,3"]) }
    var errors = ""
    #expect(speedupMain(["tune", "--bogus"], output: { _ in }, error: { errors += $0 }) == 2)
    #expect(errors.contains("usage: swift run -c release speedup tune"))
}

@Test func tileAndStrassenSearchAreOptions() throws {
    #expect(try parseOptions(["--tile", "12x32"]).tile == .wide)
    #expect(try parseOptions(["--tile", "6×16"]).tile == .narrow)
    #expect(throws: UsageError(message: "--tile takes 6x16 or 12x32, not '8x8'")) { try parseOptions(["--tile", "8x8"]) }
    // --tile with --blocks: the sizes given, rounded to the tile asked for.
    let blocks = stage4Blocks(try parseOptions(["--blocks", "7,5,17", "--tile", "12x32"]))
    #expect(blocks == (try BlockSizes(mc: 12, kc: 5, nc: 32, tile: .wide)))
    #expect(stage4Blocks(try parseOptions(["--tile", "6x16"])) == BlockSizes(caches: .host, tile: .narrow))
    let tune = try parseTuneOptions(["--strassen"])
    #expect(tune.strassen && tune.size == 2048)
    #expect(try parseTuneOptions(["--strassen", "--size", "512"]).size == 512)
    #expect(throws: UsageError.self) { try parseTuneOptions(["--strassen", "--size", "100"]) }
    #expect(try parseTuneOptions(["--tile", "12x32"]).tile == .wide)
}

@Test func strassensCrossoverIsTheLargestSizeWhereALevelDidNotPay() {
    let trials = [StrassenTrial(n: 256, blocked: 1, strassen: 2), StrassenTrial(n: 512, blocked: 8, strassen: 7),
                  StrassenTrial(n: 768, blocked: 27, strassen: 28), StrassenTrial(n: 1024, blocked: 64, strassen: 50)]
    #expect(strassenCrossover(trials) == 768)
    #expect(strassenCrossover(Array(trials.prefix(1))) == 256)
    #expect(strassenCrossover([StrassenTrial(n: 256, blocked: 2, strassen: 1)]) == 255)
}

@Test func tuneFindsTheBestOfWhatItTried() throws {
    var options = TuneOptions()
    (options.size, options.repeats) = (48, 1)
    let (trials, best) = try runTune(options) { _ in }
    #expect(trials.count > 10)
    #expect(trials.first?.blocks == BlockSizes.host)
    #expect(best.gflops == trials.map(\.gflops).max())
}

@Test func roundsAndRecordAreParsedAndChecked() throws {
    let options = try parseOptions(["--rounds", "3", "--record", "docs/runs/x.csv"])
    #expect(options.rounds == 3 && options.recordPath == "docs/runs/x.csv")
    #expect(throws: UsageError.self) { try parseOptions(["--rounds", "0"]) }
    #expect(throws: UsageError.self) { try parseOptions(["--record", "docs/"]) }
}

@Test func theDefaultSizesAreNoPowersOfTwo() {
    // A power of two makes a row of B a multiple of 4 KiB: a column walk then hits the same cache
    // sets (lesson 01), and the default table would teach that artifact by accident.
    #expect(Options.defaultSizes.allSatisfy { $0 & ($0 - 1) != 0 })
}

@Test func hugeBlockSizesAreRefusedNotOverflowed() {
    #expect(throws: UsageError.self) { try parseOptions(["--blocks", "9223372036854775807,1,1"]) }
    #expect(throws: (any Error).self) { try BlockSizes(mc: 1, kc: 1, nc: Int.max) }
}

@Test func theEstimateStaysNearTheTruthWhenTheFirstProbeIsDisturbed() {
    // 2048 rows at 19.5 ms a row, no fixed cost: one run takes 40 s. The first probe (5 rows,
    // truly 98 ms) was slowed to 187 ms, the second (10 rows) took its true 195 ms. The
    // difference alone gives 1.6 ms a row and 3.3 s a run: twelve times too low.
    let estimate = extrapolate(once: 0.187, twice: 0.195, rows: 5, m: 2048)
    #expect(estimate >= 40.0 / 3.5 && estimate <= 80)
    // A stage with a large fixed cost (packing B: 3 ms) and 0.1 ms a row stays within a third.
    let truth = 0.003 + 2048 * 0.0001
    let fixedCost = extrapolate(once: 0.003 + 5 * 0.0001, twice: 0.003 + 10 * 0.0001, rows: 5, m: 2048)
    #expect(fixedCost >= truth && fixedCost <= truth * 4 / 3)
}

@Test func theShapesWorkloadRunsOnlyWhenNamed() throws {
    let shapes = try parseOptions(["--workload", "shapes"])
    #expect(shapes.runsShapes && !shapes.runsFastai && shapes.squareSizes.isEmpty)
    #expect(try !parseOptions([]).runsShapes)
    #expect(try !parseOptions(["--workload", "all"]).runsShapes)
    #expect(ShapesWorkload.shapes.count == 17)
    #expect(ShapesWorkload.largeSquares.map(\.m) == [1000, 2000])
}

@Test func theLibrariesAreTimedAtTheirBestUnlessAskedOtherwise() throws {
    #expect(try parseOptions([]).libraries == .best)
    #expect(try parseOptions(["--libraries", "as-found"]).libraries == .asFound)
    #expect(throws: UsageError(message: "--libraries takes best or as-found, not 'fastest'")) { try parseOptions(["--libraries", "fastest"]) }
    #expect(try parseOptions(["--help"]).help && usage.contains("--libraries L"))
}

@Test func speedupLibrariesListsWhatThisCPUCanRunAndRefusesTheRest() throws {
    var output = "", error = ""
    #expect(speedupMain(["libraries", "--list", "openblas"], output: { output += $0 }, error: { error += $0 }) == 0)
    let lines = output.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
    // The library's own choice first (an empty setting), then one OPENBLAS_CORETYPE per family this CPU executes.
    #expect(lines.first == "")
    #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("OPENBLAS_CORETYPE=") } && lines.count > 1, "\(lines)")
    #expect(lines.contains("OPENBLAS_CORETYPE=SkylakeX") == HostCPU.hasAVX512)
    error = ""
    #expect(speedupMain(["libraries", "--list", "mkl"], output: { _ in }, error: { error += $0 }) == 2)
    #expect(error.contains("--list takes openblas or blis, not 'mkl'"))
    #expect(speedupMain(["libraries", "--fast"], output: { _ in }, error: { _ in }) == 2)
    #expect(speedupMain(["kernel-probe", "MKL"], output: { _ in }, error: { _ in }) == 2)
    #expect(throws: UsageError.self) { try checkSpeedupArguments(["libraries", "--fast"]) }
    try checkSpeedupArguments(["libraries"])
    try checkSpeedupArguments(["libraries", "--list", "blis"])
}

@Test func theKernelProbeSaysWhichKernelRanAndHowFast() {
    var output = ""
    #expect(speedupMain(["kernel-probe", "OpenBLAS"], output: { output += $0 }, error: { _ in }) == 0)
    let fields = output.split(whereSeparator: \.isWhitespace)
    #expect(fields.count == 2 && fields[0] == Substring(BLASMatmul.coreName) && (Double(fields[1]) ?? 0) > 0, "\(output)")
}
