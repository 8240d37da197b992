// gpu-check: Stage 6 on a GPU machine that has no Swift toolchain. `make gpu-check` builds it here
// as one self-contained binary (Swift's runtime linked in, no -march=native); copy it there and run
// it. It checks every GPU kernel it can run against the CPU and prints the Stage 6 table.
//
// Exit status: 0 when every kernel that ran agreed with the CPU (a backend that is missing is
// skipped, saying why), 1 on any mismatch or error, 2 on a bad command line.

import Foundation
import MatmulCore
import MatmulTesting
import Stage6GPU

let usage = """
    usage: gpu-check [--size N]... [--repeat R]

    Checks each Stage 6 kernel (CUDA 6a–6d and cuBLAS, OpenCL 6a.cl–6d.cl) against the CPU, then
    times them on n×n · n×n products with A, B and C on the device (median of R samples, after one
    warm-up, timed as speedup times; compilation is never timed) and prints GFLOP/s, × 6a and % of cuBLAS.

      --size N     a square size to time (repeatable; default 1024 and 4096 on CUDA, 512 otherwise)
      --repeat R   timed runs per row (default 10)
    """

var sizes: [Int] = []
var repeats = 10
do {
    var reader = ArgumentReader(Array(CommandLine.arguments.dropFirst()))
    while let flag = try reader.next() {
        switch flag {
        case "--size":
            let n = try reader.positiveInteger()
            if let refusal = ProductShape(m: n, k: n, n: n).memoryRefusal { throw UsageError(message: "--size: \(refusal)") }
            sizes.append(n)
        case "--repeat": repeats = try reader.repeatCount()
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

let date = Date().formatted(.iso8601.year().month().day().dateSeparator(.dash))
print("gpu-check, \(date)")

// 1. Which backends are here.
var runnable: [GPUMatmul] = []
for api in GPUMatmul.API.allCases {
    // Stage 6's own list, without the +copies rows: here every kernel is timed with its copies beside it.
    let stages = GPUMatmul.allStages.filter { $0.api == api && !$0.timesCopies }
    if let reason = stages[0].unavailableReason {
        print("\(stages[0].family): skipped: \(reason)")
        continue
    }
    print(stages[0].note ?? "")
    for stage in stages {
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

// 2. Correctness: the shared conformance checks, and shapes around the kernels' tile sizes.
var failures = 0
let edgeShapes = [(256, 256, 256), (300, 260, 270), (130, 7, 129)]
let checks = ConformanceCase.all + edgeShapes.map { ConformanceCase.agreesWithLoops(m: $0.0, k: $0.1, n: $0.2) }
print("\nchecks against the CPU loop version (\(checks.count) per kernel):")
for stage in runnable {
    var problems: [String] = []
    for check in checks {
        do {
            problems += try check.problems(of: stage).map { "\(check): \($0)" }
        } catch {
            problems.append("\(check): \(error)")
        }
    }
    print("  \(stage.id.padding(toLength: 8, withPad: " ", startingAt: 0)) \(stage.name): "
          + (problems.isEmpty ? "all pass" : "\(problems.count) FAILED"))
    for problem in problems.prefix(5) { print("      \(problem)") }
    failures += problems.isEmpty ? 0 : 1
}

// 3. The table.
if sizes.isEmpty { sizes = runnable.contains { $0.api == .cuda } ? [1024, 4096] : [512] }
for n in sizes {
    let shape = ProductShape(m: n, k: n, n: n)
    print("\nsquare \(shape), kernel only (A, B, C on the device), median of \(repeats):")
    print("stage      name                       median ms    GFLOP/s    × 6a   % cuBLAS   copies ms   sampled check")
    let a = try Matrix.randomNormal(rows: n, columns: n, seed: 1)
    let b = try Matrix.randomNormal(rows: n, columns: n, seed: 2)
    // Every kernel is timed before any row is printed: × 6a and % cuBLAS need rows timed later.
    var results: [(stage: GPUMatmul, outcome: Result<(seconds: Double, copies: Double, wrong: Int), Error>)] = []
    for stage in runnable {
        results.append((stage, Result {
            try stage.prepare()
            let product = try ResidentProduct(stage, a, b)
            // The same timing as `speedup`'s (MatmulCore's Timing.swift): one warm-up, then the samples.
            let timing = try timePlaced(product, repeats: repeats)
            let wrong = sampledMismatches(a, b, try product.result())
            return (timing.median, product.copySeconds, wrong)
        }))
    }
    func seconds(of code: GPUMatmul.Code, api: GPUMatmul.API) -> Double? {
        guard case let .success(timed)? = results.first(where: { $0.stage.api == api && $0.stage.code == code })?.outcome else { return nil }
        return timed.seconds
    }
    for (stage, outcome) in results {
        switch outcome {
        case let .failure(error):
            print("\(stage.id): error: \(error)")
            failures += 1
        case let .success((median, copies, wrong)):
            failures += wrong == 0 ? 0 : 1
            let naive = seconds(of: .kernel(.naive), api: stage.api)
            let cuBLAS = stage.api == .cuda ? seconds(of: .cuBLAS, api: .cuda) : nil
            let columns = [
                stage.id.padding(toLength: 9, withPad: " ", startingAt: 0),
                stage.name.padding(toLength: 25, withPad: " ", startingAt: 0),
                format(median * 1e3, width: 10, digits: 3),
                format(shape.flops / median / 1e9, width: 10, digits: 1),
                naive.map { format($0 / median, width: 7, digits: 1) + "×" } ?? "        ",
                cuBLAS.map { format($0 / median * 100, width: 9, digits: 0) + "%" } ?? "          ",
                format(copies * 1e3, width: 11, digits: 3),
                wrong == 0 ? "   256 entries ok" : "   \(wrong) of 256 entries WRONG",
            ]
            print(columns.joined(separator: " "))
        }
    }
}
print(failures == 0 ? "\nall kernels agree with the CPU" : "\n\(failures) kernel(s) disagree with the CPU or failed")
exit(failures == 0 ? 0 : 1)

/// How many of 256 seeded entries of C are outside 2·γ_k·(|A|·|B|) of a Double-precision dot product.
func sampledMismatches(_ a: Matrix, _ b: Matrix, _ c: Matrix) -> Int {
    var generator = SeededGenerator(seed: 7)
    var wrong = 0
    let k = a.columns
    for _ in 0..<256 {
        let (i, j) = (Int(generator.next() % UInt64(a.rows)), Int(generator.next() % UInt64(b.columns)))
        var (exact, scale) = (0.0, 0.0)
        for p in 0..<k {
            exact += Double(a[i, p]) * Double(b[p, j])
            scale += abs(Double(a[i, p]) * Double(b[p, j]))
        }
        if abs(Double(c[i, j]) - exact) > 2 * gammaBound(k: k) * scale { wrong += 1 }
    }
    return wrong
}

func format(_ value: Double, width: Int, digits: Int) -> String {
    let text = String(format: "%.\(digits)f", value)
    return String(repeating: " ", count: max(0, width - text.count)) + text
}
