import MatmulCore
import Stage4Blocked
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
    #expect(try parseStages("2-5") == ["2", "3", "4a", "4b", "4c", "4", "4s", "5"])
    #expect(try parseStages("4,4s") == ["4", "4s"])
    #expect(try parseStages("5,6") == ["5"] + gpuStages.map(\.id))
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
}

@Test func stageIDsAreUniqueAndInLessonOrder() {
    let all = allStages(threads: 1)
    #expect(Set(all.map(\.id)).count == all.count)
    // The course's stages in order, then your kernel last.
    let stages = all.dropLast()
    #expect(stages.map(\.number) == stages.map(\.number).sorted())
    #expect(stages.first?.id == "1" && all.last?.id == "you")
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

@Test func tuneFindsTheBestOfWhatItTried() throws {
    var options = TuneOptions()
    (options.size, options.repeats) = (48, 1)
    let (trials, best) = try runTune(options) { _ in }
    #expect(trials.count > 10)
    #expect(trials.first?.blocks == BlockSizes.host)
    #expect(best.gflops == trials.map(\.gflops).max())
}
