import Foundation

/// One row of the speedup table: one stage on one product.
public struct Row: Encodable, Sendable {
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
    /// The stage whose row `xPrevious` compares this one with (its stage's `baseline`).
    public var comparedWith: String?
    public var pctPeak: Double?
    /// What the reader of this row should know, one fact each: the device, the block sizes, why
    /// it was skipped… The compact table prints them as footnotes.
    public var notes: [String]
    /// Few FLOPs per byte: the product's speed is set by memory, and its note gives GB/s.
    public var memoryBound = false
    /// A GPU row timed without its copies: what copying A and B to the device and C back adds.
    public var copyMs: Double?
    /// For memory-bound products too big for the caches: how long one core takes just to read A and B.
    public var readMs: Double?

    /// The notes as one text, with the copies of a kernel-only GPU row and the bandwidth of a
    /// memory-bound row: the CSV's note.
    public var note: String {
        var all = notes
        if let copyMs { all.append("kernel only; copies to and from the device add \(milliseconds(copyMs)) ms") }
        if let readMs, let medianMs {
            all.append("one core reads A+B in \(milliseconds(readMs)) ms; this took \(fixed(medianMs / readMs, 1))× that")
        }
        if memoryBound, let gbps { all.append("A+B+C moved at \(fixed(gbps, 1)) GB/s") }
        return all.joined(separator: "; ")
    }

    public init(workload: String, shape: String, shapeID: String, stage: String, name: String, change: String,
                threads: Int, notes: [String]) {
        (self.workload, self.shape, self.shapeID, self.stage, self.name) = (workload, shape, shapeID, stage, name)
        (self.change, self.threads, self.notes) = (change, threads, notes.filter { !$0.isEmpty })
    }

    enum CodingKeys: String, CodingKey {
        case workload, shape = "product", shapeID = "shape", stage, name, change, threads
        case medianMs = "median_ms", minMs = "min_ms", maxMs = "max_ms", samples, gflops, gbps = "gb_per_s"
        case xLoops = "x_loops", xPrevious = "x_previous", comparedWith = "x_previous_of", pctPeak = "pct_peak", note
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(workload, forKey: .workload)
        try container.encode(shape, forKey: .shape)
        try container.encode(shapeID, forKey: .shapeID)
        try container.encode(stage, forKey: .stage)
        try container.encode(name, forKey: .name)
        try container.encode(change, forKey: .change)
        try container.encode(threads, forKey: .threads)
        try container.encodeIfPresent(medianMs, forKey: .medianMs)
        try container.encodeIfPresent(minMs, forKey: .minMs)
        try container.encodeIfPresent(maxMs, forKey: .maxMs)
        try container.encodeIfPresent(samples, forKey: .samples)
        try container.encodeIfPresent(gflops, forKey: .gflops)
        try container.encodeIfPresent(gbps, forKey: .gbps)
        try container.encodeIfPresent(xLoops, forKey: .xLoops)
        try container.encodeIfPresent(xPrevious, forKey: .xPrevious)
        try container.encodeIfPresent(comparedWith, forKey: .comparedWith)
        try container.encodeIfPresent(pctPeak, forKey: .pctPeak)
        try container.encode(note, forKey: .note)
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
public func render(_ rows: [Row], context: RunContext, format: Options.Format, style: TextStyle = TextStyle()) throws -> String {
    switch format {
    case .table: return style.wide ? renderText(rows, context: context, markdown: false) : renderCompact(rows, context: context, style: style)
    case .markdown: return renderText(rows, context: context, markdown: true)
    case .csv: return renderCSV(rows)
    case .json:
        struct Report: Encodable { let context: RunContext; let rows: [Row] }
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
/// each row's spread (max_ms, samples), bandwidth, and the stage its × prev is against
/// (x_previous_of) added after the stable columns. The lessons'
/// tables are generated from such files and checked against them (`swift run lesson-check`).
public func renderRunFile(_ rows: [Row], context: RunContext, command: String, commit: String, timing: String) -> String {
    var out = "# run file: made by `speedup --record`; the lessons' tables are checked against it (lesson-check)\n"
    out += "# command: \(command)\n# commit: \(commit)\n# timing: \(timing)\n"
    out += contextLines(context).map { "# \($0)\n" }.joined()
    out += csvHeader + ",max_ms,samples,gb_per_s,x_previous_of\n"
    for row in rows {
        // Milliseconds to the nanosecond: tiny products (n = 2…16) take well under a microsecond.
        var fields = csvFields(row)
        fields[5] = csvNumber(row.medianMs, 6)
        fields[6] = csvNumber(row.minMs, 6)
        fields += [csvNumber(row.maxMs, 6), row.samples.map(String.init) ?? "", csvNumber(row.gbps, 3), row.comparedWith ?? ""]
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

/// The full table (`--wide`, and markdown): every row with what changed and its notes, however wide.
func renderText(_ rows: [Row], context: RunContext, markdown: Bool) -> String {
    var out = contextLines(context).map { markdown ? "- \($0)" : $0 }.joined(separator: "\n") + "\n"
    let header = ["stage", "name", "median ms", "GFLOP/s", "× loops", "× prev", "% peak", "threads", "what changed", "note"]
    for (title, group) in productGroups(rows) {
        let cells = group.map { row in
            [row.stage, row.name, medianCell(row), gflopsCell(row), ratioCell(row.xLoops), ratioCell(row.xPrevious),
             percentCell(row.pctPeak), String(row.threads), row.change, row.note]
        }
        out += "\n" + (markdown ? "#### \(title)\n\n" : "\(title)\n")
        out += markdown ? markdownTable(header, cells)
            : alignedLines(header, cells, rightAligned: [2, 3, 4, 5, 6, 7]).joined(separator: "\n") + "\n"
    }
    return out
}

/// The table for a terminal of `style.width` columns: per product, the numbers only, with each
/// row's notes as numbered footnotes under it; what each stage changes is said once, above the
/// first product. Every line fits the width; if the columns do not fit even with one space
/// between them, the names are shortened.
func renderCompact(_ rows: [Row], context: RunContext, style: TextStyle) -> String {
    let width = max(40, style.width)
    var lines = contextLines(context).flatMap { wrap($0, width: width) }
    lines += [""] + legend(rows, width: width)
    for (title, group) in productGroups(rows) {
        var footnotes: [String] = []
        // The bandwidth is the telling number of a memory-bound product: a column, not a note.
        let bandwidth = group.contains(where: \.memoryBound)
        // One note for the kernel-only GPU rows, with the range of their copy times.
        let copies = group.compactMap(\.copyMs)
        let copyNote = copies.isEmpty ? "" : "kernel only: A, B and C stay on the device; copying A and B there and C back "
            + "adds " + (copies.count == 1 ? milliseconds(copies[0]) : "\(milliseconds(copies.min()!))–\(milliseconds(copies.max()!))")
            + " ms (the +copies row times it)"
        let cells = group.enumerated().map { index, row -> [String] in
            var notes = row.notes
            if row.copyMs != nil { notes.append(copyNote) }
            if let other = row.comparedWith, index == 0 || group[index - 1].stage != other {
                notes.insert("× prev is against \(other)", at: 0)
            }
            let marks = notes.map { note -> String in
                if let number = footnotes.firstIndex(of: note) { return String(number + 1) }
                footnotes.append(note)
                return String(footnotes.count)
            }
            var cells = [row.stage, compactName(row.name), medianCell(row), gflopsCell(row)]
            if bandwidth { cells.append(row.gbps.map { fixed($0, 1) } ?? "") }
            cells += [ratioCell(row.xLoops), ratioCell(row.xPrevious), percentCell(row.pctPeak), row.medianMs == nil ? "" : String(row.threads)]
            cells.append(marks.isEmpty ? "" : "[" + marks.joined(separator: ",") + "]")
            return cells
        }
        let header = ["stage", "name", "median ms", "GFLOP/s"] + (bandwidth ? ["GB/s"] : [])
            + ["× loops", "× prev", "% peak", "threads", "note"]
        let short = header.map { ["median ms": "ms", "threads": "thr"][$0] ?? $0 }
        var table = fittedTable([header, short], cells, rightAligned: Set(2..<(header.count - 1)), width: width)
        table[0] = style.bold(table[0])
        lines += ["", style.bold(title)]
        // The memory floor of a big memory-bound product: one line for all its rows.
        if let read = group.compactMap(\.readMs).first {
            lines += wrap("one core takes \(milliseconds(read)) ms just to read A and B (timed by the runner); "
                          + "GB/s counts A, B and C moved once", width: width, indent: "    ")
        }
        lines += table
        for (number, note) in footnotes.enumerated() {
            lines += wrap("[\(number + 1)] \(note)", width: width - 2, indent: "    ").map { style.dim("  " + $0) }
        }
    }
    return lines.joined(separator: "\n") + "\n"
}

/// How to read the columns, and what each stage in `rows` changes, once per stage.
func legend(_ rows: [Row], width: Int) -> [String] {
    var stages: [Row] = []
    for row in rows where !row.change.isEmpty && !stages.contains(where: { $0.stage == row.stage }) { stages.append(row) }
    var lines = wrap("median ms: the median of each row's timed runs. × loops: Stage 1's time ÷ the row's. "
                     + "× prev: the row's step, the time of the row before it in its family (the CPU stages in lesson "
                     + "order; each GPU API's kernels) ÷ the row's, or of the row its note names.", width: width, indent: "")
    lines.append("What each stage changes:")
    let idWidth = stages.map(\.stage.count).max() ?? 0
    for row in stages {
        let lead = "  " + row.stage.padding(toLength: idWidth, withPad: " ", startingAt: 0) + "  "
        let hanging = String(repeating: " ", count: lead.count)
        // Beside its stage when there is room, else under it.
        if width - lead.count >= 30 {
            let text = wrap("\(row.name): \(row.change)", width: width - lead.count, indent: "")
            lines += [lead + text[0]] + text.dropFirst().map { hanging + $0 }
        } else {
            lines += ["  \(row.stage)"] + wrap("\(row.name): \(row.change)", width: width - 4, indent: "").map { "    " + $0 }
        }
    }
    return lines
}

/// The rows grouped by product, in the order the run met them, each with its title.
func productGroups(_ rows: [Row]) -> [(title: String, rows: [Row])] {
    var groups: [(title: String, rows: [Row])] = []
    for row in rows {
        let title = "\(row.workload): \(row.shape)"
        if groups.last?.title == title { groups[groups.count - 1].rows.append(row) } else { groups.append((title, [row])) }
    }
    return groups
}

/// A stage's name without its API: in the compact table, the id says it ("6a.cl" is OpenCL,
/// "6a" CUDA), and the legend gives the full name.
func compactName(_ name: String) -> String {
    name.replacingOccurrences(of: " (OpenCL)", with: "").replacingOccurrences(of: " (CUDA)", with: "")
}

func medianCell(_ row: Row) -> String { row.medianMs.map(milliseconds) ?? "skipped" }
func gflopsCell(_ row: Row) -> String { row.gflops.map { fixed($0, $0 < 10 ? 2 : 1) } ?? "" }
func percentCell(_ percent: Double?) -> String { percent.map { fixed($0, 1) + "%" } ?? "" }
func ratioCell(_ ratio: Double?) -> String { ratio.map { fixed($0, 1) + "×" } ?? "" }

/// `alignedLines`, made to fit `width`: two spaces between columns, else one, else with each
/// next header of `headers` (shorter names), else with the names (column 1) cut short with "…".
func fittedTable(_ headers: [[String]], _ rows: [[String]], rightAligned: Set<Int>, width: Int) -> [String] {
    func widest(_ lines: [String]) -> Int { lines.map(columns).max() ?? 0 }
    var lines = alignedLines(headers[0], rows, rightAligned: rightAligned)
    for header in headers where widest(lines) > width {
        lines = alignedLines(header, rows, rightAligned: rightAligned, separator: " ")
    }
    var keep = rows.map { $0[1].count }.max() ?? 0
    while widest(lines) > width, keep > 4 {
        keep -= 1
        let cut = rows.map { row in
            var row = row
            if row[1].count > keep { row[1] = String(row[1].prefix(keep - 1)) + "…" }
            return row
        }
        lines = alignedLines(headers.last!, cut, rightAligned: rightAligned, separator: " ")
    }
    return lines
}

/// The header, a rule and the rows, each column as wide as its widest cell: the columns in
/// `rightAligned` (numbers) right-aligned, the others left-aligned; the last is not padded.
func alignedLines(_ header: [String], _ rows: [[String]], rightAligned: Set<Int>, separator: String = "  ") -> [String] {
    let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
    func line(_ cells: [String]) -> String {
        let padded = cells.indices.map { c -> String in
            let pad = String(repeating: " ", count: widths[c] - cells[c].count)
            if c == cells.count - 1 { return cells[c] }
            return rightAligned.contains(c) ? pad + cells[c] : cells[c] + pad
        }
        return String(padded.joined(separator: separator).reversed().drop { $0 == " " }.reversed())
    }
    return [line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)
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
