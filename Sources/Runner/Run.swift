import Foundation
import MatmulCore
import Stage4Blocked
import Stage5BLAS

/// Runs every chosen stage on every chosen product and returns the table's rows, in order.
///
/// - Parameter progress: called with a line before each row starts, and with notes on the run.
/// - Throws: `IDXError` for a bad image file, `UsageError` for products too large for this machine.
public func runSpeedup(_ options: Options, progress: (String) -> Void) throws -> (rows: [Row], context: RunContext) {
    let started = Date()
    let stages = chosenStages(options)
    try checkMemory(options)  // speedupMain checked it already; a caller of this function may not have

    var workloads: [Workload] = []
    if options.runsFastai {
        progress("loading the fastai workload…")
        workloads.append(try fastaiWorkload(imagesPath: options.imagesPath ?? fashionMNISTTrainImages,
                                            explicitlyNamed: options.imagesPath != nil))
    }
    if !options.squareSizes.isEmpty { workloads.append(try squareWorkload(sizes: options.squareSizes)) }
    if options.runsShapes { workloads.append(try ShapesWorkload.workload()) }
    if !options.shapes.isEmpty { workloads.append(try shapeWorkload(shapes: options.shapes)) }

    progress("measuring this core's peak FMA throughput…")
    let peak = measurePeak()
    let context = RunContext(
        date: Date().formatted(.iso8601.year().month().day().dateSeparator(.dash)),
        cpu: cpuModel(), cores: ProcessInfo.processInfo.activeProcessorCount,
        peakGFLOPSPerCore: peak.gflops, peakMethod: peak.method,
        openBLAS: "\(BLASMatmul.configuration); core \(BLASMatmul.coreName)"
            + (ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"].map { " (OPENBLAS_CORETYPE=\($0))" } ?? ""),
        build: isDebugBuild ? "DEBUG: timings are meaningless, use swift run -c release speedup" : "release, compiled for this CPU (-march=native)",
        caches: HostCPU.caches.map(\.description).joined(separator: ", "),
        sources: Dictionary(workloads.map { ($0.name, $0.source) }, uniquingKeysWith: { first, _ in first }))

    // Pass 1: one row per stage and product; estimate each stage's time and skip what is too slow.
    progress("estimating each stage's time on each product (and compiling the GPU kernels)…")
    var rows: [Row] = []
    var cells: [Cell] = []
    let entries = tableEntries(stages)
    for workload in workloads {
        for problem in workload.problems {
            let shape = problem.shape
            // Few FLOPs per byte: memory, not arithmetic, sets the floor. When A and B are also too
            // big for the caches (over 64 MB), time how long one core takes just to read them.
            let memoryBound = shape.flops / shape.minimumBytes < 8
            let floor = memoryBound && shape.minimumBytes > 64e6 && !stages.isEmpty ? readSeconds(problem.a, problem.b) : nil
            for entry in entries {
                let id = "\(shape.m)x\(shape.k)x\(shape.n)"
                guard case let .run(stage) = entry else {
                    if case let .skipped(ids, name, reason) = entry {
                        rows.append(Row(workload: workload.name, shape: shape.description, shapeID: id,
                                        stage: ids, name: name, change: "", threads: 1, notes: ["skipped: \(reason)"]))
                    }
                    continue
                }
                var row = Row(workload: workload.name, shape: shape.description, shapeID: id,
                              stage: stage.id, name: stage.name, change: stage.change, threads: stage.threads,
                              notes: [stage.note ?? ""])
                try stage.prepare()   // once, never timed (GPU kernels compile here)
                let (estimate, probeRows) = try estimateSeconds(stage, problem)
                if estimate > options.maxSeconds {
                    row.notes = ["skipped: about \(duration(estimate)) a run (timed on \(probeRows) of \(shape.m) rows); "
                        + "--max-seconds \(Int(estimate.rounded(.up)) + 1) runs it"]
                } else {
                    cells.append(Cell(row: rows.count, stage: stage, problem: problem, estimate: estimate,
                                      memoryBound: memoryBound, floor: floor))
                }
                rows.append(row)
            }
        }
    }

    // Pass 2: time every cell, the whole table once per round, pooling each cell's samples.
    var samples = [[Double]](repeating: [], count: rows.count)
    var copies = [Double?](repeating: nil, count: rows.count)
    for round in 1...options.rounds {
        for (index, cell) in cells.enumerated() {
            let row = rows[cell.row]
            // Threaded libraries keep their threads spinning for a while after a product, ready for
            // the next: OpenBLAS for 2²⁸ TSC ticks (its THREAD_TIMEOUT, about 0.1 s at 2.6 GHz),
            // Stage 4 for 1 ms. Spinning on the core the next row needs, they would slow whichever
            // stage comes after them. So around threaded rows, the stage runs for `quietSeconds`
            // before it is timed: the last stage's threads have gone quiet, and this one's are
            // awake, as in a program that multiplies again and again.
            if cell.stage.threads > 1 || (index > 0 && cells[index - 1].stage.threads > 1) {
                try warmUp(cell.stage, cell.problem, seconds: quietSeconds)
            }
            progress((options.rounds > 1 ? "round \(round)/\(options.rounds) " : "")
                     + "[\(index + 1)/\(cells.count)] \(row.workload) \(row.shape), stage \(row.stage) \(row.name)"
                     + (cell.estimate > 1 ? " (about \(duration(cell.estimate)) a run)" : ""))
            let timing: Timing
            if let placed = try cell.stage.placedProduct(cell.problem.a, cell.problem.b) {
                // The computation alone (a GPU kernel with its operands resident); the copies beside it.
                timing = try timePlaced(placed, repeats: options.repeats)
                _ = try placed.result()
                copies[cell.row] = min(copies[cell.row] ?? .infinity, placed.copySeconds)
            } else {
                timing = try timeProduct(cell.stage, cell.problem.a, cell.problem.b, repeats: options.repeats)
            }
            samples[cell.row] += timing.samples
        }
    }

    // Pass 3: the numbers of each row; then, product by product, its ratios to Stage 1 and to
    // the row its stage is compared with (`comparedRow`).
    for cell in cells {
        var row = rows[cell.row]
        let shape = cell.problem.shape
        let timing = Timing(samples: samples[cell.row])
        let median = timing.median
        let gflops = shape.flops / median / 1e9
        let gbps = shape.minimumBytes / median / 1e9
        row.medianMs = median * 1e3
        row.minMs = timing.minimum * 1e3
        row.maxMs = timing.maximum * 1e3
        row.samples = timing.samples.count
        row.gflops = gflops
        row.gbps = gbps
        // The peak is this CPU's; a GPU row's % of it would mean nothing.
        row.pctPeak = cell.stage.family != MatmulFamily.cpu ? nil : gflops / (context.peakGFLOPSPerCore * Double(cell.stage.threads)) * 100
        row.memoryBound = cell.memoryBound
        row.copyMs = copies[cell.row].map { $0 * 1e3 }
        row.readMs = cell.floor.map { $0 * 1e3 }
        if timing.samples.count < options.repeats * options.rounds {
            row.notes.append("median of \(timing.samples.count) runs")
        }
        rows[cell.row] = row
    }
    var first = 0
    while first < cells.count {
        let product = rows[cells[first].row].workload + rows[cells[first].row].shape
        let end = cells[first...].firstIndex { rows[$0.row].workload + rows[$0.row].shape != product } ?? cells.count
        let timed = cells[first..<end].map { (id: $0.stage.id, baseline: $0.stage.baseline, median: rows[$0.row].medianMs!) }
        let loops = timed.first { $0.id == referenceStageID }?.median
        for (index, cell) in cells[first..<end].enumerated() {
            rows[cell.row].xLoops = loops.map { $0 / timed[index].median }
            if let other = comparedRow(index, in: timed) {
                rows[cell.row].xPrevious = timed[other].median / timed[index].median
                rows[cell.row].comparedWith = timed[other].id
            }
        }
        first = end
    }
    progress(summary(rows, seconds: Date().timeIntervalSince(started), rounds: options.rounds))
    return (rows, context)
}

/// The index of the row that `rows[index]` is compared with in the table's "× prev", or nil
/// when it has none (the first row of its family). `rows` are one product's timed rows in table
/// order, each with its stage's id, baseline and median.
func comparedRow(_ index: Int, in rows: [(id: String, baseline: Baseline, median: Double)]) -> Int? {
    switch rows[index].baseline {
    case let .previous(family):
        return rows[..<index].lastIndex { $0.baseline == .previous(family: family) }
    case let .stage(id):
        return rows.firstIndex { $0.id == id }
    case let .fastest(family):
        return rows.indices.filter { rows[$0].baseline == .previous(family: family) }.min { rows[$0].median < rows[$1].median }
    }
}

/// The run's last line: how long it took, how many rows it timed, and what it skipped and why.
func summary(_ rows: [Row], seconds: Double, rounds: Int) -> String {
    let timed = rows.filter { $0.medianMs != nil }.count
    var text = "done in \(duration(seconds)): \(timed) row\(timed == 1 ? "" : "s") timed"
        + (rounds > 1 ? " in \(rounds) rounds" : "")
    // Skipped rows, one entry per stage and reason; "on every product" when it is all of them.
    let products = rows.map { $0.workload + $0.shape }.uniqued().count
    var skipped: [(stage: String, reason: String, products: [String])] = []
    for row in rows where row.medianMs == nil {
        let reason = shortReason(row.note)
        if let index = skipped.firstIndex(where: { $0.stage == row.stage && $0.reason == reason }) {
            skipped[index].products.append(row.shape)
        } else {
            skipped.append((row.stage, reason, [row.shape]))
        }
    }
    if !skipped.isEmpty {
        text += "; skipped " + skipped.map { entry in
            let on = entry.products.count == products && products > 1 ? "every product" : entry.products.joined(separator: ", ")
            return "\(entry.stage) on \(on) (\(entry.reason))"
        }.joined(separator: "; ")
    }
    return text
}

/// The gist of a row's note, for one-line summaries and chart labels: "skipped: " dropped, and
/// cut before its details (a colon, a parenthesis or a semicolon): "no CUDA driver",
/// "about 45.2 s a run".
func shortReason(_ note: String) -> String {
    let text = note.hasPrefix("skipped: ") ? note.dropFirst(9) : note[...]
    let cut = [": ", " (", "; "].compactMap { text.range(of: $0)?.lowerBound }.min() ?? text.endIndex
    return String(text[..<cut])
}

/// One row to time: which stage, on which product, and what pass 1 found out about it.
private struct Cell {
    let row: Int
    let stage: any MatmulStage
    let problem: Problem
    let estimate: Double
    let memoryBound: Bool
    /// Seconds one core takes to read A and B, for memory-bound products too big for the caches.
    let floor: Double?
}

/// Estimated seconds for one run of `stage` on `problem`, and how many rows of A the estimate
/// timed: the first r rows of A (about 50 MFLOP of work) times all of B, then the first 2r rows,
/// each the faster of two tries, extrapolated to every row (`extrapolate`). Every stage's work
/// grows in proportion to m, so this holds for the cache effects of the real k and n too, which
/// a smaller square product would miss.
func estimateSeconds(_ stage: any MatmulStage, _ problem: Problem) throws -> (seconds: Double, rows: Int) {
    let shape = problem.shape
    guard shape.flops > 0 else { return (0, 0) }
    let rows = max(1, min(shape.m, Int(50e6 / (2 * Double(shape.k) * Double(shape.n)))))
    guard 2 * rows < shape.m else { return (0, rows) }
    func time(_ rows: Int) throws -> Double {
        let top = try Matrix(rows: rows, columns: shape.k, elements: Array(problem.a.elements[0..<(rows * shape.k)]))
        return min(try seconds { _ = try stage.multiply(top, problem.b) }, try seconds { _ = try stage.multiply(top, problem.b) })
    }
    let (once, twice) = (try time(rows), try time(2 * rows))
    return (extrapolate(once: once, twice: twice, rows: rows, m: shape.m), 2 * rows)
}

/// Seconds for all `m` rows, from the seconds `once` for the first `rows` rows and `twice` for
/// the first 2·rows. The difference of the two separates a stage's fixed cost per call (Stage 4
/// packs all of B) from its cost per row. But it is the difference of two noisy times: one
/// disturbed first probe can make it nearly zero, and the estimate ten times too low (it
/// happened: Stage 1 at n = 2048 estimated at 3.3 s ran 40 s a run). So the cost per row is
/// never taken below a third of the average per row in `twice`: with no fixed cost at all, the
/// estimate is then at least a third of the truth, and a large fixed cost (half of `twice`)
/// makes it at most a third too high.
func extrapolate(once: Double, twice: Double, rows: Int, m: Int) -> Double {
    let perRow = max((twice - once) / Double(rows), twice / Double(2 * rows) / 3)
    return once + perRow * Double(m - rows)
}

/// The commit the code was built from, and which of its sources had uncommitted changes: what a
/// run file names so its numbers can be traced to code. "unknown" outside a git checkout. Taken
/// when the run starts, from the working tree the binary was built from.
func sourceCommit() -> String {
    func git(_ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }
    guard let head = git(["rev-parse", "--short=12", "HEAD"]) else { return "unknown (not a git checkout)" }
    // The code speedup is built from: every module but the lesson checker and the GPU self-check.
    let changed = git(["status", "--porcelain", "--", "Sources", "Package.swift", ":!Sources/LessonCheck",
                       ":!Sources/lesson-check", ":!Sources/gpu-check"]) ?? ""
    return changed.isEmpty ? head : "\(head) with uncommitted changes: \(changed.split(separator: "\n").map { $0.dropFirst(3) }.joined(separator: ", "))"
}

/// How long the runner runs a stage before timing it, when it or the stage before it is threaded.
let quietSeconds = 0.25

/// Runs `stage` on `problem` for about `seconds` (at least once), the results thrown away.
func warmUp(_ stage: any MatmulStage, _ problem: Problem, seconds: Double) throws {
    let start = DispatchTime.now().uptimeNanoseconds
    var sink = Float(0)
    repeat {
        sink += try stage.multiply(problem.a, problem.b).elements.first ?? 0
    } while Double(DispatchTime.now().uptimeNanoseconds - start) < seconds * 1e9
    blackHole(sink)
}

/// Refuses products whose matrices would not fit in half of this machine's memory.
/// - Throws: `UsageError` naming the product, what it needs and the limit.
func checkMemory(_ options: Options) throws {
    let products = options.squareSizes.map { ProductShape(m: $0, k: $0, n: $0) } + options.shapes
    for shape in products {
        if let refusal = shape.memoryRefusal { throw UsageError(message: refusal) }
    }
}


/// "3.2 s", "4.5 min", "2.1 h".
func duration(_ seconds: Double) -> String {
    seconds < 90 ? "\(fixed(seconds, 1)) s" : seconds < 5400 ? "\(fixed(seconds / 60, 1)) min" : "\(fixed(seconds / 3600, 1)) h"
}

/// The CPU's model name and widest vector instructions.
func cpuModel() -> String {
    let vectors = HostCPU.hasAVX512 ? "AVX-512" : HostCPU.flags.contains("avx2") ? "AVX2, no AVX-512" : "no AVX2"
    return "\(HostCPU.modelName) (\(vectors)\(HostCPU.flags.contains("fma") ? ", FMA" : ""))"
}

/// True when this module was compiled without optimization.
public var isDebugBuild: Bool {
    #if DEBUG
    true
    #else
    false
    #endif
}
