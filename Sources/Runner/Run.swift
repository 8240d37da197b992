import Foundation
import MatmulCore
import Stage4Blocked
import Stage5BLAS
import Stage6GPU

/// Runs every chosen stage on every chosen product and returns the table's rows, in order.
///
/// - Parameter progress: called with a line before each row starts, and with notes on the run.
/// - Throws: `IDXError` for a bad image file, `UsageError` for products too large for this machine.
public func runSpeedup(_ options: Options, progress: (String) -> Void) throws -> (rows: [Row], context: RunContext) {
    let stages = chosenStages(options)
    try checkMemory(options)

    var workloads: [Workload] = []
    if options.runsFastai {
        progress("loading the fastai workload…")
        workloads.append(try fastaiWorkload(imagesPath: options.imagesPath ?? fashionMNISTTrainImages,
                                            explicitlyNamed: options.imagesPath != nil))
    }
    if !options.squareSizes.isEmpty { workloads.append(try squareWorkload(sizes: options.squareSizes)) }
    if !options.shapes.isEmpty { workloads.append(try shapeWorkload(shapes: options.shapes)) }

    progress("measuring this core's peak FMA throughput…")
    let context = RunContext(
        date: Date().formatted(.iso8601.year().month().day().dateSeparator(.dash)),
        cpu: cpuModel(), cores: ProcessInfo.processInfo.activeProcessorCount,
        peakGFLOPSPerCore: measurePeakGFLOPS(),
        peakMethod: "measured: 8 independent chains of SIMD FMAs, best of 8- and 16-lane vectors",
        openBLAS: "\(BLASMatmul.configuration); core \(BLASMatmul.coreName)"
            + (ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"].map { " (OPENBLAS_CORETYPE=\($0))" } ?? ""),
        build: isDebugBuild ? "DEBUG: timings are meaningless, use swift run -c release speedup" : "release, compiled for this CPU (-march=native)",
        sources: Dictionary(workloads.map { ($0.name, $0.source) }, uniquingKeysWith: { first, _ in first }))

    var rows: [Row] = []
    let entries = tableEntries(stages)
    let total = workloads.reduce(0) { $0 + $1.problems.count } * entries.count
    for workload in workloads {
        for problem in workload.problems {
            let shape = problem.shape
            var loopsMedian: Double?
            // Few FLOPs per byte: memory, not arithmetic, sets the floor. When A and B are also too
            // big for the caches (over 64 MB), time how long one core takes just to read them.
            let memoryBound = shape.flops / shape.minimumBytes < 8
            let floor = memoryBound && shape.minimumBytes > 64e6 && !stages.isEmpty ? readSeconds(problem.a, problem.b) : nil
            var previousMedian: Double?
            for entry in entries {
                guard case let .run(stage) = entry else {
                    if case let .skipped(ids, name, reason) = entry {
                        rows.append(Row(workload: workload.name, shape: shape.description, shapeID: "\(shape.m)x\(shape.k)x\(shape.n)",
                                        stage: ids, name: name, change: "", threads: 1, note: "skipped: \(reason)"))
                    }
                    continue
                }
                var row = Row(workload: workload.name, shape: shape.description, shapeID: "\(shape.m)x\(shape.k)x\(shape.n)",
                              stage: stage.id, name: stage.name, change: stage.change, threads: stage.threads,
                              note: stage.note ?? "")
                if let gpu = stage as? GPUMatmul { try gpu.compile() }   // once, never timed
                let (estimate, probeRows) = try estimateSeconds(stage, problem)
                progress("[\(rows.count + 1)/\(total)] \(workload.name) \(shape), stage \(stage.id) \(stage.name)"
                         + (estimate > 1 ? " (about \(duration(estimate)) a run)" : ""))
                if estimate > options.maxSeconds {
                    row.note = "skipped: about \(duration(estimate)) a run (timed on \(probeRows) of \(shape.m) rows); "
                        + "--max-seconds \(Int(estimate.rounded(.up)) + 1) runs it"
                    rows.append(row)
                    continue
                }
                let timing: Timing
                if let gpu = stage as? GPUMatmul, !gpu.timesCopies {
                    let (kernel, copies) = try timeOnDevice(gpu, problem.a, problem.b, repeats: options.repeats)
                    timing = kernel
                    row.note = joinNotes(row.note, "kernel only; copies to and from the device add \(milliseconds(copies * 1e3)) ms")
                } else {
                    timing = try timeProduct(stage, problem.a, problem.b, repeats: options.repeats)
                }
                let median = timing.median
                let gflops = shape.flops / median / 1e9
                let gbps = shape.minimumBytes / median / 1e9
                row.medianMs = median * 1e3
                row.minMs = timing.minimum * 1e3
                row.gflops = gflops
                row.gbps = gbps
                // The peak is this CPU's; a GPU row's % of it would mean nothing.
                row.pctPeak = stage.number == 6 ? nil : gflops / (context.peakGFLOPSPerCore * Double(stage.threads)) * 100
                if stage.id == "1" { loopsMedian = median }
                row.xLoops = loopsMedian.map { $0 / median }
                row.xPrevious = previousMedian.map { $0 / median }
                previousMedian = median
                if memoryBound {
                    row.note = joinNotes(row.note, "A+B+C moved at \(fixed(gbps, 1)) GB/s")
                }
                if let floor {
                    row.note = joinNotes(row.note, "one core reads A+B in \(milliseconds(floor * 1e3)) ms; this took \(fixed(median / floor, 1))× that")
                }
                if timing.samples.count < options.repeats {
                    row.note = joinNotes(row.note, "median of \(timing.samples.count) runs")
                }
                rows.append(row)
            }
        }
    }
    return (rows, context)
}

/// Estimated seconds for one run of `stage` on `problem`, and how many rows of A the estimate
/// timed: the first r rows of A (about 50 MFLOP of work) times all of B, then the first 2r rows,
/// extrapolated to every row. Every stage's work grows in proportion to m, so this holds for
/// the cache effects of the real k and n too, which a smaller square product would miss; the
/// two probes separate a stage's fixed cost per call (Stage 4 packs all of B) from its cost per row.
func estimateSeconds(_ stage: any MatmulStage, _ problem: Problem) throws -> (seconds: Double, rows: Int) {
    let shape = problem.shape
    guard shape.flops > 0 else { return (0, 0) }
    let rows = max(1, min(shape.m, Int(50e6 / (2 * Double(shape.k) * Double(shape.n)))))
    guard 2 * rows < shape.m else { return (0, rows) }
    func time(_ rows: Int) throws -> Double {
        let top = try Matrix(rows: rows, columns: shape.k, elements: Array(problem.a.elements[0..<(rows * shape.k)]))
        return try seconds { _ = try stage.multiply(top, problem.b) }
    }
    let (once, twice) = (try time(rows), try time(2 * rows))
    let perRow = max(0, twice - once) / Double(rows)
    return (once + perRow * Double(shape.m - rows), 2 * rows)
}

/// Refuses products whose matrices would not fit in half of this machine's memory.
func checkMemory(_ options: Options) throws {
    let products = options.squareSizes.map { ProductShape(m: $0, k: $0, n: $0) } + options.shapes
    let available = Double(ProcessInfo.processInfo.physicalMemory) / 2
    for shape in products {
        // A, B, C, and room for one copy of B (Stage 2's transpose).
        let bytes = shape.minimumBytes + 4 * Double(shape.k) * Double(shape.n)
        if bytes > available {
            throw UsageError(message: "\(shape) needs about \(fixed(bytes / 1e9, 1)) GB; this machine has \(fixed(available * 2 / 1e9, 1)) GB — choose a smaller size")
        }
    }
}

func joinNotes(_ notes: String...) -> String { notes.filter { !$0.isEmpty }.joined(separator: "; ") }

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

/// Keeps a value alive so the products that produced it cannot be optimized away.
@inline(never)
func blackHole(_ value: Float) {
    if value == .greatestFiniteMagnitude { print("", terminator: "") }
}
