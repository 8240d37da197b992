// The parts of gpu-check (Sources/gpu-check) that need no GPU, so that the tests can run them on
// stand-in results: how a product is timed, the line each kernel's process sends back, and the
// table. gpu-check runs each kernel in a process of its own, because a kernel that faults leaves
// CUDA unusable for the rest of its process; the parent reads the children's lines, and prints
// the table only once every row is in, since × 6a and % cuBLAS need rows timed later.

import Foundation
import MatmulCore

public enum GPUCheck {
    /// What a kernel's process reports: its conformance checks, or one size's timing.
    public enum Message: Equatable, Sendable {
        /// How many of the checks against the CPU failed.
        case checks(id: String, failed: Int)
        /// One timed size.
        case row(Row)
    }

    /// One kernel at one square size.
    public struct Row: Equatable, Sendable {
        public var id: String
        public var size: Int
        public var outcome: Outcome

        public enum Outcome: Equatable, Sendable {
            /// Seconds per product on the device, runs per sample, seconds the copies took, and how
            /// many of the 256 sampled entries of C were wrong.
            case timed(seconds: Double, runs: Int, copies: Double, wrong: Int)
            case failed(String)
        }

        public init(id: String, size: Int, outcome: Outcome) {
            self.id = id
            self.size = size
            self.outcome = outcome
        }
    }

    /// Messages go to the parent on standard output, one per line, beside the lines people read.
    static let marker = "@gpu-check"

    public static func line(_ message: Message) -> String {
        let fields: [String]
        switch message {
        case let .checks(id, failed): fields = ["checks", id, "\(failed)"]
        case let .row(row):
            switch row.outcome {
            case let .timed(seconds, runs, copies, wrong):
                fields = ["timed", row.id, "\(row.size)", "\(seconds)", "\(runs)", "\(copies)", "\(wrong)"]
            case let .failed(why):
                fields = ["failed", row.id, "\(row.size)", String(why.map { $0 == "\t" || $0.isNewline ? " " : $0 })]
            }
        }
        return ([marker] + fields).joined(separator: "\t")
    }

    /// The message a line holds, or nil for a line meant for people.
    public static func message(in line: String) -> Message? {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        guard fields.count >= 4, fields[0] == marker else { return nil }
        switch (fields[1], fields.count) {
        case ("checks", 4):
            return Int(fields[3]).map { .checks(id: fields[2], failed: $0) }
        case ("timed", 8):
            guard let size = Int(fields[3]), let seconds = Double(fields[4]), let runs = Int(fields[5]),
                  let copies = Double(fields[6]), let wrong = Int(fields[7]) else { return nil }
            return .row(Row(id: fields[2], size: size, outcome: .timed(seconds: seconds, runs: runs, copies: copies, wrong: wrong)))
        case ("failed", 5):
            return Int(fields[3]).map { .row(Row(id: fields[2], size: $0, outcome: .failed(fields[4]))) }
        default:
            return nil
        }
    }

    /// Runs per timed sample: enough that one sample lasts at least `target` seconds (2 ms: CUDA
    /// events resolve about 0.5 µs, and a kernel of 10 µs timed alone would be mostly launch).
    public static func runsPerSample(oneRun seconds: Double, target: Double = 2e-3, most: Int = 10_000) -> Int {
        guard seconds > 0 else { return most }
        return min(most, max(1, Int((target / seconds).rounded(.up))))
    }

    /// Times a product on the device: one run to warm up (caches, clocks, lazy set-up), one to
    /// choose the runs per sample, then `repeats` samples; the median sample, per run.
    public static func time(_ product: ResidentProduct, repeats: Int) throws -> (seconds: Double, runs: Int) {
        _ = try product.deviceSecondsPerRun(runs: 1)
        let runs = runsPerSample(oneRun: try product.deviceSecondsPerRun(runs: 1))
        var samples = try (0..<max(1, repeats)).map { _ in try product.deviceSecondsPerRun(runs: runs) }
        samples.sort()
        let middle = samples.count / 2
        return (samples.count % 2 == 1 ? samples[middle] : (samples[middle - 1] + samples[middle]) / 2, runs)
    }

    /// The table for one size: a line per stage, in `stages`' order, with GFLOP/s, × the same API's
    /// 6a and, on CUDA, % of cuBLAS (cuBLAS's time over the row's: 80% means 1.25× cuBLAS's time).
    public static func table(size n: Int, stages: [GPUMatmul], rows: [Row]) -> [String] {
        let flops = 2 * Double(n) * Double(n) * Double(n)
        func seconds(_ stage: GPUMatmul) -> Double? {
            guard case let .timed(seconds, _, _, _)? = rows.first(where: { $0.id == stage.id && $0.size == n })?.outcome else { return nil }
            return seconds
        }
        var lines = ["stage      name                       median ms    GFLOP/s    × 6a   % cuBLAS   runs   copies ms   sampled check"]
        for stage in stages {
            let id = stage.id.padding(toLength: 9, withPad: " ", startingAt: 0)
            let name = stage.name.padding(toLength: 25, withPad: " ", startingAt: 0)
            guard let row = rows.first(where: { $0.id == stage.id && $0.size == n }) else {
                lines.append("\(id)  \(name)  not run")
                continue
            }
            switch row.outcome {
            case let .failed(why):
                lines.append("\(id)  \(name)  FAILED: \(why)")
            case let .timed(median, runs, copies, wrong):
                let naive = seconds(GPUMatmul(stage.api, .kernel(.naive)))
                let cuBLAS = stage.api == .cuda ? seconds(GPUMatmul(.cuda, .cuBLAS)) : nil
                lines.append([
                    id, name,
                    format(median * 1e3, width: 10, digits: 3),
                    format(flops / median / 1e9, width: 10, digits: 1),
                    naive.map { format($0 / median, width: 7, digits: 1) + "×" } ?? String(repeating: " ", count: 8),
                    cuBLAS.map { format($0 / median * 100, width: 9, digits: 0) + "%" } ?? String(repeating: " ", count: 10),
                    format(Double(runs), width: 6, digits: 0),
                    format(copies * 1e3, width: 11, digits: 3),
                    wrong == 0 ? "   256 entries ok" : "   \(wrong) of 256 entries WRONG",
                ].joined(separator: " "))
            }
        }
        return lines
    }

    /// How many kernels failed: a failed check, a failed or wrong timing, or a missing row.
    public static func failures(stages: [GPUMatmul], sizes: [Int], messages: [Message]) -> Int {
        stages.filter { stage in
            let checks = messages.compactMap { if case let .checks(id, failed) = $0, id == stage.id { failed } else { nil } }
            let rows = messages.compactMap { if case let .row(row) = $0, row.id == stage.id { row } else { nil } }
            let timedRight = sizes.allSatisfy { size in
                rows.contains { if $0.size == size, case .timed(_, _, _, 0) = $0.outcome { true } else { false } }
            }
            return checks != [0] || !timedRight
        }.count
    }

    /// How many of `samples` seeded entries of C = A·B are farther than 2·γ_k·Σ|a||b| from a
    /// double-precision dot product (γ_k = k·u / (1 − k·u), u = 2⁻²⁴: the bound for any order of
    /// summation in single precision, doubled for the reference's own rounding).
    /// `relativeAllowance` widens the bound by that much of Σ|a||b| (a TF32 product's).
    public static func sampledMismatches(_ a: Matrix, _ b: Matrix, _ c: Matrix, samples: Int = 256, relativeAllowance: Double = 0) -> Int {
        var generator = SeededGenerator(seed: 7)
        let k = a.columns
        let u = 0x1p-24, gamma = Double(k) * u / (1 - Double(k) * u)
        var wrong = 0
        for _ in 0..<samples {
            let (i, j) = (Int(generator.next() % UInt64(a.rows)), Int(generator.next() % UInt64(b.columns)))
            var (exact, scale) = (0.0, 0.0)
            for p in 0..<k {
                exact += Double(a[i, p]) * Double(b[p, j])
                scale += abs(Double(a[i, p]) * Double(b[p, j]))
            }
            if !(abs(Double(c[i, j]) - exact) <= (2 * gamma + relativeAllowance) * scale) { wrong += 1 }
        }
        return wrong
    }

    static func format(_ value: Double, width: Int, digits: Int) -> String {
        let text = String(format: "%.\(digits)f", value)
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
