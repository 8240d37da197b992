import Foundation

/// One row of the speedup table: one stage on one product.
public struct Row: Codable, Sendable {
    public var workload: String
    /// "m×k · k×n"
    public var shape: String
    /// "MxKxN", the --shape spelling, used in CSV and JSON.
    public var shapeID: String
    public var stage: String
    public var name: String
    public var change: String
    public var threads: Int
    /// nil when the stage was skipped (`note` says why).
    public var medianMs: Double?
    public var minMs: Double?
    public var maxMs: Double?
    /// How many timed runs the median is taken over.
    public var samples: Int?
    public var gflops: Double?
    /// Bytes of A, B and C (each moved once) per second: the bandwidth view of memory-bound shapes.
    public var gbps: Double?
    public var xLoops: Double?
    public var xPrevious: Double?
    public var pctPeak: Double?
    public var note: String

    enum CodingKeys: String, CodingKey {
        case workload, shape = "product", shapeID = "shape", stage, name, change, threads
        case medianMs = "median_ms", minMs = "min_ms", maxMs = "max_ms", samples, gflops, gbps = "gb_per_s"
        case xLoops = "x_loops", xPrevious = "x_previous", pctPeak = "pct_peak", note
    }
}

/// What the table's reader needs to know about the run: machine, peak, BLAS, data, build.
public struct RunContext: Codable, Sendable {
    public var date: String
    public var cpu: String
    public var cores: Int
    public var peakGFLOPSPerCore: Double
    public var peakMethod: String
    public var openBLAS: String
    public var build: String
    /// This CPU's data caches, level by level (`HostCPU.caches`).
    public var caches: String
    public var sources: [String: String]

    enum CodingKeys: String, CodingKey {
        case date, cpu, cores, peakGFLOPSPerCore = "peak_gflops_per_core", peakMethod = "peak_method"
        case openBLAS = "openblas", build, caches, sources
    }
}

/// The report in `format`, ready to print.
public func render(_ rows: [Row], context: RunContext, format: Options.Format) throws -> String {
    switch format {
    case .table: return renderText(rows, context: context, markdown: false)
    case .markdown: return renderText(rows, context: context, markdown: true)
    case .csv: return renderCSV(rows)
    case .json:
        struct Report: Codable { let context: RunContext; let rows: [Row] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(Report(context: context, rows: rows)), as: UTF8.self) + "\n"
    }
}

/// The lines that say where the numbers come from; printed above a table, or to stderr beside CSV.
public func contextLines(_ context: RunContext) -> [String] {
    var lines = [
        "machine: \(context.cpu), \(context.cores) cores; \(context.date)",
        "caches: \(context.caches)",
        "peak: \(fixed(context.peakGFLOPSPerCore, 1)) GFLOP/s per core (\(context.peakMethod)); % peak = GFLOP/s ÷ (peak × threads)",
        "OpenBLAS: \(context.openBLAS)",
        "build: \(context.build)",
    ]
    for (workload, source) in context.sources.sorted(by: { $0.key < $1.key }) {
        lines.append("\(workload) data: \(source)")
    }
    return lines
}

let csvHeader = "workload,shape,stage,name,threads,median_ms,min_ms,gflops,x_loops,x_previous,pct_peak,note"

func renderCSV(_ rows: [Row]) -> String {
    var out = csvHeader + "\n"
    for row in rows { out += csvFields(row).map(csvField).joined(separator: ",") + "\n" }
    return out
}

/// A row's fields in the order of `csvHeader`.
func csvFields(_ row: Row) -> [String] {
    [row.workload, row.shapeID, row.stage, row.name, String(row.threads),
     csvNumber(row.medianMs, 4), csvNumber(row.minMs, 4), csvNumber(row.gflops, 3),
     csvNumber(row.xLoops, 2), csvNumber(row.xPrevious, 2), csvNumber(row.pctPeak, 1), row.note]
}

/// A run file (`speedup --record FILE`): what made the numbers, as `# ` lines, then the CSV with
/// each row's spread (max_ms, samples) and bandwidth added after the stable columns. The lessons'
/// tables are generated from such files and checked against them (`swift run lesson-check`).
public func renderRunFile(_ rows: [Row], context: RunContext, command: String, commit: String, timing: String) -> String {
    var out = "# run file: made by `speedup --record`; the lessons' tables are checked against it (lesson-check)\n"
    out += "# command: \(command)\n# commit: \(commit)\n# timing: \(timing)\n"
    out += contextLines(context).map { "# \($0)\n" }.joined()
    out += csvHeader + ",max_ms,samples,gb_per_s\n"
    for row in rows {
        // Milliseconds to the nanosecond: tiny products (n = 2…16) take well under a microsecond.
        var fields = csvFields(row)
        fields[5] = csvNumber(row.medianMs, 6)
        fields[6] = csvNumber(row.minMs, 6)
        fields += [csvNumber(row.maxMs, 6), row.samples.map(String.init) ?? "", csvNumber(row.gbps, 3)]
        out += fields.map(csvField).joined(separator: ",") + "\n"
    }
    return out
}

func csvNumber(_ value: Double?, _ digits: Int) -> String { value.map { fixed($0, digits) } ?? "" }

/// Quotes a CSV field when it holds a comma, a quote or a line break (RFC 4180).
func csvField(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

func renderText(_ rows: [Row], context: RunContext, markdown: Bool) -> String {
    var out = contextLines(context).map { markdown ? "- \($0)" : $0 }.joined(separator: "\n") + "\n"
    let header = ["stage", "name", "median ms", "GFLOP/s", "× loops", "× prev", "% peak", "threads", "what changed", "note"]
    var groups: [(String, [Row])] = []
    for row in rows {
        let title = "\(row.workload): \(row.shape)"
        if groups.last?.0 == title { groups[groups.count - 1].1.append(row) } else { groups.append((title, [row])) }
    }
    for (title, group) in groups {
        let cells = group.map(textCells)
        out += "\n" + (markdown ? "#### \(title)\n\n" : "\(title)\n")
        out += markdown ? markdownTable(header, cells) : alignedTable(header, cells)
    }
    return out
}

/// One row's cells, in the order of the text table's header.
func textCells(_ row: Row) -> [String] {
    let median = row.medianMs.map(milliseconds) ?? "skipped"
    let gflops = row.gflops.map { fixed($0, $0 < 10 ? 2 : 1) } ?? ""
    let xLoops = row.xLoops.map { fixed($0, 1) + "×" } ?? ""
    let xPrevious = row.xPrevious.map { fixed($0, 1) + "×" } ?? ""
    let peak = row.pctPeak.map { fixed($0, 1) + "%" } ?? ""
    return [row.stage, row.name, median, gflops, xLoops, xPrevious, peak, String(row.threads), row.change, row.note]
}

func alignedTable(_ header: [String], _ rows: [[String]]) -> String {
    let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
    // Numbers right-aligned, text left-aligned; the last column is not padded.
    let rightAligned: Set<Int> = [2, 3, 4, 5, 6, 7]
    func line(_ cells: [String]) -> String {
        cells.indices.map { c -> String in
            let pad = String(repeating: " ", count: widths[c] - cells[c].count)
            if c == cells.count - 1 { return cells[c] }
            return rightAligned.contains(c) ? pad + cells[c] : cells[c] + pad
        }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
    }
    return ([line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line))
        .joined(separator: "\n") + "\n"
}

func markdownTable(_ header: [String], _ rows: [[String]]) -> String {
    func line(_ cells: [String]) -> String {
        "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |"
    }
    let rule = "|" + header.indices.map { (2...7).contains($0) ? "---:|" : "---|" }.joined()
    return ([line(header), rule] + rows.map(line)).joined(separator: "\n") + "\n"
}

/// `value` with `digits` digits after the point: how every number of the table is printed.
public func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

/// Milliseconds with about four significant digits.
public func milliseconds(_ value: Double) -> String {
    value >= 100 ? fixed(value, 1) : value >= 1 ? fixed(value, 3) : fixed(value, 4)
}
