import Foundation
import MatmulCore
import Testing
@testable import Runner

/// Rows as a run makes them, without timing anything: a CPU family, a skipped CUDA group, the
/// OpenCL kernels with a long shared note, a "+copies" row and your kernel.
func fixtureRows(product: String = "1000×1000 · 1000×1000", n: Int = 1000) -> [Row] {
    func row(_ stage: String, _ name: String, _ ms: Double?, threads: Int = 1, notes: [String] = [],
             change: String = "what this stage changes, in a line of about seventy-five characters or so") -> Row {
        var row = Row(workload: "square", shape: product, shapeID: "\(n)x\(n)x\(n)", stage: stage, name: name,
                      change: change, threads: threads, notes: notes)
        row.medianMs = ms
        let flops = 2 * pow(Double(n), 3)
        row.gflops = ms.map { flops / ($0 * 1e-3) / 1e9 }
        row.pctPeak = ms.map { flops / ($0 * 1e-3) / 1e9 / 108.6 * 100 }
        return row
    }
    let device = "OpenCL: pthread-skylake-avx512-AMD EPYC 9B14 96-Core Processor (CPU, all 2 cores; Portable "
        + "Computing Language, a note of about two hundred characters that repeats on every OpenCL row of the product)"
    var rows = [
        row("1", "loops", 12345.678), row("2", "dot", 2345.6), row("3", "broadcast", 123.4),
        row("4b", "packed", 30.1, notes: ["mc=354 kc=368 nc=11392"]), row("4", "blocked", 20.2, notes: ["mc=354 kc=368 nc=11392"]),
        row("5", "BLAS", 19.9, notes: ["OpenBLAS core: Cooperlake"]),
        row("6a…6cublas", "CUDA", nil, notes: ["skipped: no CUDA driver: could not open libcuda.so.1, libcuda.so (libcuda.so: cannot open shared object file: No such file or directory)"], change: ""),
        row("6a.cl", "naive (OpenCL)", 900.5, threads: 2, notes: [device]),
        row("6d.cl", "register tiles (OpenCL)", 80.25, threads: 2, notes: [device]),
        row("6d.cl+copies", "register tiles (OpenCL)", 85.5, threads: 2, notes: [device]),
        row("you", "your kernel", 25.0),
    ]
    rows[10].comparedWith = "5"
    rows[7].copyMs = 0.25
    rows[8].copyMs = 0.5
    return rows
}

let fixtureContext = RunContext(
    date: "2026-11-22", cpu: "AMD EPYC (AVX-512, FMA)", cores: 2, peakGFLOPSPerCore: 108.6,
    peakMethod: "measured: 8 independent chains of SIMD FMAs, best of 8- and 16-lane vectors", openBLAS: "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64; core Cooperlake",
    build: "release", caches: "L1d 32 KiB (8-way × 64 sets × 64 B lines), L2 1 MiB (8-way × 2048 sets × 64 B lines), L3 32 MiB (16-way × 32768 sets × 64 B lines)",
    sources: ["square": "seeded normal matrices"])

@Test("The compact table fits the width it is given, counted in bytes as awk counts them", arguments: [100, 120, 80, 72])
func compactTableFitsTheWidth(_ width: Int) throws {
    var rows = fixtureRows() + fixtureRows(product: "50000×784 · 784×10")
    for index in rows.indices where rows[index].shape.hasPrefix("50000") {
        (rows[index].memoryBound, rows[index].readMs, rows[index].gbps) = (true, 5.357, 8.1)
    }
    let text = try render(rows, context: fixtureContext, format: .table, style: TextStyle(width: width))
    // A memory-bound product gets a GB/s column, and its read time once, not a note per row.
    #expect(text.components(separatedBy: "just to read A and B").count - 1 == 1)
    #expect(!text.contains("this took"))
    let widest = text.split(separator: "\n").map { $0.utf8.count }.max() ?? 0
    #expect(widest <= width, "\(text)")
    // Every stage's row is there, and every number of it.
    #expect(text.contains("12345.7") && text.contains("80.25"))
}

@Test func compactTableSaysEachChangeOnceAndEachNoteOncePerProduct() throws {
    let rows = fixtureRows() + fixtureRows(product: "500×500 · 500×500")
    let text = try render(rows, context: fixtureContext, format: .table, style: TextStyle(width: 100))
        .replacingOccurrences(of: "\n +", with: " ", options: .regularExpression)   // wrapped lines joined
    // What changed: once per stage, in the legend (the fixture's rows share one text, so count lines).
    let change = "what this stage changes"
    #expect(text.components(separatedBy: change).count - 1 == Set(rows.filter { !$0.change.isEmpty }.map(\.stage)).count)
    // The long OpenCL note: one footnote per product, though three rows carry it.
    #expect(text.components(separatedBy: "Portable Computing").count - 1 == 2)
    #expect(text.contains("6d.cl+copies  register tiles"))
    // The kernel-only rows share one note, with the range of their copy times.
    #expect(text.contains("adds 0.2500–0.5000 ms"))
    // A row compared with a row other than the one above it says which.
    #expect(text.contains("× prev is against 5"))
}

@Test func wideTableKeepsEveryColumnOfEveryRow() throws {
    let rows = fixtureRows()
    let text = try render(rows, context: fixtureContext, format: .table, style: TextStyle(width: 80, wide: true))
    let rowLines = text.split(separator: "\n").filter { $0.hasPrefix("6a.cl ") }
    #expect(rowLines.count == 1)
    #expect(rowLines.first?.contains("what this stage changes") == true && rowLines.first?.contains("Portable Computing") == true)
}

@Test func boldAndDimOnlyWithColour() throws {
    let rows = fixtureRows()
    let plain = try render(rows, context: fixtureContext, format: .table, style: TextStyle(width: 100, color: false))
    let styled = try render(rows, context: fixtureContext, format: .table, style: TextStyle(width: 100, color: true))
    #expect(!plain.contains("\u{1B}"))
    #expect(styled.contains("\u{1B}[1m") && styled.contains("\u{1B}[2m"))
    // Not a terminal here (the test's output is captured): no colour, whatever the environment says.
    #expect(TextStyle.forStandardOutput(wide: false, environment: [:]).color == false)
    #expect(TextStyle.forStandardOutput(wide: false, environment: ["COLUMNS": "120"]).width == 120)
    #expect(TextStyle.forStandardOutput(wide: false, environment: ["COLUMNS": "junk"]).width == TextStyle.pipeWidth)
}

@Test func wrappedLinesNeverPassTheWidth() {
    let long = "a path/without/spaces/that/is/longer/than/any/line/could/be/at/all/and/then/some more words × ·"
    for width in [10, 20, 33] {
        let lines = wrap(long, width: width, indent: "    ")
        #expect(lines.allSatisfy { columns($0) <= width }, "\(lines)")
        #expect(lines.joined().filter { $0 != " " } == long.filter { $0 != " " })
    }
    #expect(wrap("", width: 10) == [""])
}

@Test("× prev compares each row with its family's previous row, a +copies row with its kernel, yours with the fastest CPU row")
func comparisonsWithinFamilies() {
    let cpu = Baseline.previous(family: "CPU"), cl = Baseline.previous(family: "OpenCL")
    let rows: [(id: String, baseline: Baseline, median: Double)] = [
        ("1", cpu, 100), ("2", cpu, 50), ("5", cpu, 1),
        ("6a.cl", cl, 40), ("6d.cl", cl, 10), ("6d.cl+copies", .stage(id: "6d.cl"), 12),
        ("6cublas", .previous(family: "CUDA"), 0.5), ("you", .fastest(family: "CPU"), 2),
    ]
    let compared = rows.indices.map { comparedRow($0, in: rows).map { rows[$0].id } }
    #expect(compared == [nil, "1", "2", nil, "6a.cl", "6d.cl", nil, "5"])
}

@Test func theSummarySaysHowLongWhatRanAndWhatWasSkipped() {
    var rows = fixtureRows() + fixtureRows(product: "500×500 · 500×500")
    rows[1].medianMs = nil
    rows[1].notes = ["skipped: about 45.2 s a run (timed on 8 of 1000 rows); --max-seconds 47 runs it"]
    let line = summary(rows, seconds: 75, rounds: 2)
    #expect(line.hasPrefix("done in 75.0 s: 19 rows timed in 2 rounds; skipped "))
    #expect(line.contains("6a…6cublas on every product (no CUDA driver)"))
    #expect(line.contains("2 on 1000×1000 · 1000×1000 (about 45.2 s a run)"))
    #expect(!line.contains("\n"))
}
