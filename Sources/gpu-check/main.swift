// gpu-check: Stage 6 on a GPU machine that has no Swift toolchain. `make gpu-check` builds it here
// as one self-contained binary (Swift's runtime linked in, no -march=native) and compresses it;
// copy it there, unpack it and run it. It checks every GPU kernel it can run against the CPU and
// prints the Stage 6 table.
//
// Each kernel is checked and timed in a process of its own (gpu-check starting itself with --row):
// a kernel that faults leaves CUDA unusable for the rest of its process, and would otherwise take
// every later row down with it. Output is flushed line by line, so a run that dies still shows how
// far it got.
//
// Exit status: 0 when every kernel that ran agreed with the CPU (a backend that is missing is
// skipped, saying why), 1 on any mismatch, fault or error, 2 on a bad command line.

import Foundation
import MatmulCore
import MatmulTesting
import Stage6GPU

/// Swift's `print`, then a flush: each line leaves at once, also into a pipe or a file, where
/// standard output is otherwise written in blocks, and the last one lost if the process dies.
func print(_ line: String = "") {
    Swift.print(line)
    fflush(nil)
}

let usage = """
    usage: gpu-check [--size N]... [--repeat R]
           gpu-check --tune [--size N] [--repeat R]

    Checks each Stage 6 kernel (CUDA 6a–6f, cuBLAS and cuBLAS in TF32; OpenCL 6a.cl–6f.cl)
    against the CPU, then times them on n×n · n×n products with A, B and C on the device and
    prints GFLOP/s, × 6a and % of cuBLAS. A timed sample is enough back-to-back runs to last 2 ms,
    timed with CUDA events on CUDA (the host clock on OpenCL); the table gives the median of R
    samples, per run, after a warm-up. Compilation is never timed. Each kernel runs in a process
    of its own.

      --size N     a square size to time (repeatable; default 1024 and 4096 on CUDA, 512 otherwise)
      --repeat R   timed samples per row (default 10)
      --tune       instead: time 6e with each candidate tile size on each backend at one size (default
                   4096 on CUDA, 512 otherwise) and record the fastest for the device, in
                   ~/.cache/swift-matmul/gpu-tiles.txt (MATMUL_GPU_TILES=FILE for another); 6e then uses it
    """

var sizes: [Int] = []
var repeats = 10
var onlyRow: String?
var tuning = false
do {
    var reader = ArgumentReader(Array(CommandLine.arguments.dropFirst()))
    while let flag = try reader.next() {
        switch flag {
        case "--size":
            let n = try reader.positiveInteger()
            if let refusal = ProductShape(m: n, k: n, n: n).memoryRefusal { throw UsageError(message: "--size: \(refusal)") }
            sizes.append(n)
        case "--repeat": repeats = try reader.repeatCount()
        case "--tune": tuning = true
        case "--row": onlyRow = try reader.value()   // gpu-check's own: check and time one kernel, in this process
        case "--help", "-h":
            print(usage)
            exit(0)
        default: throw UsageError(message: "unknown option '\(flag)'")
        }
    }
} catch {
    FileHandle.standardError.write(Data("gpu-check: \(error)\n\(usage)\n".utf8))
    exit(2)
}

/// Stage 6's own list, without the +copies rows: here every kernel's copies are timed beside it.
let stages = GPUMatmul.allStages.filter { !$0.timesCopies }

if let id = onlyRow {
    guard let stage = stages.first(where: { $0.id == id }) else {
        FileHandle.standardError.write(Data("gpu-check: --row: no stage '\(id)'\n".utf8))
        exit(2)
    }
    checkAndTime(stage, sizes: sizes, repeats: repeats)
    exit(0)
}

if tuning && sizes.count > 1 {
    FileHandle.standardError.write(Data("gpu-check: --tune takes one --size (it tunes for one n)\n\(usage)\n".utf8))
    exit(2)
}

let date = Date().formatted(.iso8601.year().month().day().dateSeparator(.dash))
print("gpu-check, \(date)")
if tuning { exit(tune(size: sizes.first, repeats: repeats, date: date)) }

// 1. Which backends are here.
var runnable: [GPUMatmul] = []
for api in GPUMatmul.API.allCases {
    let apiStages = stages.filter { $0.api == api }
    if let reason = apiStages[0].unavailableReason {
        print("\(apiStages[0].family): skipped: \(reason)")
        continue
    }
    print(apiStages[0].note ?? "")
    for stage in apiStages {
        if let reason = stage.unavailableReason { print("\(stage.id): skipped: \(reason)") } else { runnable.append(stage) }
    }
}
if case let .success(nvrtc) = NVRTC.shared, runnable.contains(where: { $0.api == .cuda }) {
    print("NVRTC \(nvrtc.version): \(nvrtc.path)")
}
guard !runnable.isEmpty else {
    print("nothing to check: no GPU backend on this machine")
    exit(0)
}
if sizes.isEmpty { sizes = runnable.contains { $0.api == .cuda } ? [1024, 4096] : [512] }

// 2. Each kernel in a process of its own: its checks, then its timings, its lines passed on as they come.
print("\neach kernel in a process of its own: checks against the CPU loop version, then its timings")
var messages: [GPUCheck.Message] = []
for stage in runnable {
    print("\(stage.id) \(stage.name):")
    messages += runInOwnProcess(stage, sizes: sizes, repeats: repeats)
}

// 3. The tables, once every row is in.
for n in sizes {
    print("\nsquare \(n)×\(n) · \(n)×\(n), on the device (A, B, C resident), median of \(repeats) samples, per run:")
    let rows = messages.compactMap { if case let .row(row) = $0 { row } else { nil } }
    GPUCheck.table(size: n, stages: runnable, rows: rows).forEach { print($0) }
}
let failures = GPUCheck.failures(stages: runnable, sizes: sizes, messages: messages)
print(failures == 0 ? "\nall kernels agree with the CPU" : "\n\(failures) kernel(s) disagree with the CPU, failed or faulted")
exit(failures == 0 ? 0 : 1)

/// `--tune`: 6e with each candidate tile size, on each backend here, at one size; the fastest
/// recorded for the device. Returns the exit status: 1 when a backend ran but no candidate succeeded.
func tune(size: Int?, repeats: Int, date: String) -> Int32 {
    let record = TileRecord()
    var status: Int32 = 0
    for api in GPUMatmul.API.allCases {
        let stage = GPUMatmul(api, .kernel(.tunedTiles))
        if let reason = stage.unavailableReason {
            print("\(stage.family): skipped: \(reason)")
            continue
        }
        do {
            let device = try TileRecord.device(api)
            let n = size ?? (api == .cuda ? 4096 : 512)
            let candidates = GPUTuner.candidates(maxThreads: device.maxThreads)
            print("\n\(device.key)\n6e at \(n)×\(n) · \(n)×\(n), \(candidates.count) candidates, median of \(repeats) samples each:")
            let flops = 2 * Double(n) * Double(n) * Double(n)
            let trials = try GPUTuner.trials(api: api, n: n, repeats: repeats, candidates: candidates) { trial in
                switch trial.outcome {
                case let .success(seconds):
                    print("  \(trial.tiles)  \(String(format: "%10.3f ms %9.1f GFLOP/s", seconds * 1e3, flops / seconds / 1e9))")
                case let .failure(error):
                    print("  \(trial.tiles)  FAILED: \(error)")
                }
            }
            guard let best = GPUTuner.best(trials) else {
                print("no candidate ran; nothing recorded")
                status = 1
                continue
            }
            try record.record(best.tiles, for: device.key, gflops: flops / best.seconds / 1e9, n: n, date: date)
            print("fastest: \(best.tiles), \(String(format: "%.1f", flops / best.seconds / 1e9)) GFLOP/s; recorded in \(record.path)")
        } catch {
            print("\(stage.family): error: \(error)")
            status = 1
        }
    }
    return status
}

/// Starts this program again with --row for `stage`, prints its lines (indented) as they come,
/// and returns its messages; a process that dies or exits early is reported as the row's failure.
func runInOwnProcess(_ stage: GPUMatmul, sizes: [Int], repeats: Int) -> [GPUCheck.Message] {
    var messages: [GPUCheck.Message] = []
    func failAll(_ why: String) -> [GPUCheck.Message] {
        print("  FAILED: \(why)")
        let done = Set(messages.compactMap { if case let .row(row) = $0 { row.size } else { nil } })
        return messages + sizes.filter { !done.contains($0) }.map { .row(GPUCheck.Row(id: stage.id, size: $0, outcome: .failed(why))) }
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                                ?? CommandLine.arguments[0])
    process.arguments = ["--row", stage.id, "--repeat", "\(repeats)"] + sizes.flatMap { ["--size", "\($0)"] }
    let pipe = Pipe()
    process.standardOutput = pipe
    do { try process.run() } catch { return failAll("could not start its process: \(error)") }
    var pending = Data()
    func take(_ line: Data) {
        let text = String(decoding: line, as: UTF8.self)
        if let message = GPUCheck.message(in: text) { messages.append(message) } else { print("  " + text) }
    }
    while true {
        let chunk = pipe.fileHandleForReading.availableData
        if chunk.isEmpty { break }
        pending.append(chunk)
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            take(pending[pending.startIndex..<newline])
            pending = Data(pending[(newline + 1)...])
        }
    }
    if !pending.isEmpty { take(pending) }
    process.waitUntilExit()
    if process.terminationReason == .uncaughtSignal {
        return failAll("its process died of signal \(process.terminationStatus) (\(String(cString: strsignal(process.terminationStatus))))")
    }
    if process.terminationStatus != 0 { return failAll("its process exited with status \(process.terminationStatus)") }
    if !messages.contains(where: { if case .checks = $0 { true } else { false } }) { return failAll("its process reported no checks") }
    return messages
}

/// The child's work: the shared conformance checks and shapes around the tile sizes, then each
/// size timed; a line for people and a message for the parent for each.
func checkAndTime(_ stage: GPUMatmul, sizes: [Int], repeats: Int) {
    let edgeShapes = [(256, 256, 256), (300, 260, 270), (130, 7, 129)]
    let checks = ConformanceCase.all + edgeShapes.map { ConformanceCase.agreesWithLoops(m: $0.0, k: $0.1, n: $0.2) }
    if stage.code == .kernel(.tunedTiles), let note = stage.note { print(note) }   // which tile sizes 6e runs with
    var problems: [String] = []
    do {
        try stage.prepare()
        for check in checks {
            do {
                // TF32's own tolerance for its row; FP32's for every other.
                let tolerance: Tolerance = stage.relativeAllowance > 0 ? .roundedInputs(relative: stage.relativeAllowance) : .anyOrder
                problems += try check.problems(of: stage, tolerance: tolerance).map { "\(check): \($0)" }
            } catch {
                problems.append("\(check): \(error)")
            }
        }
    } catch {
        problems.append("compiling: \(error)")
    }
    print(problems.isEmpty ? "checks: all \(checks.count) pass" : "checks: \(problems.count) of \(checks.count) FAILED")
    for problem in problems.prefix(5) { print("    \(problem)") }
    print(GPUCheck.line(.checks(id: stage.id, failed: problems.count)))

    for n in sizes {
        let outcome: GPUCheck.Row.Outcome
        do {
            let a = try Matrix.randomNormal(rows: n, columns: n, seed: 1)
            let b = try Matrix.randomNormal(rows: n, columns: n, seed: 2)
            let product = try ResidentProduct(stage, a, b)
            let (seconds, runs) = try GPUCheck.time(product, repeats: repeats)
            let wrong = GPUCheck.sampledMismatches(a, b, try product.result(), relativeAllowance: stage.relativeAllowance)
            outcome = .timed(seconds: seconds, runs: runs, copies: product.copySeconds, wrong: wrong)
            print("n = \(n): \(String(format: "%.3f", seconds * 1e3)) ms per run (\(runs) run\(runs == 1 ? "" : "s") per sample)"
                  + (wrong == 0 ? "" : ", \(wrong) of 256 sampled entries WRONG"))
        } catch {
            outcome = .failed("\(error)")
            print("n = \(n): FAILED: \(error)")
        }
        print(GPUCheck.line(.row(GPUCheck.Row(id: stage.id, size: n, outcome: outcome))))
    }
}
