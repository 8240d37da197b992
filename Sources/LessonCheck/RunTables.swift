// Lessons that cannot drift, part 3: every measured number comes from a recorded run.
//
// A run file (docs/runs/NAME.csv) is what `speedup --record FILE` or `scripts/lesson11.py --record
// FILE` writes: `# ` lines naming the command, commit, machine, caches, date and how the samples
// were taken, then CSV, one row per stage and product. A lesson shows a run's numbers in two ways:
//
//     <!-- run: docs/runs/default.csv; rows: shape=1000x1000x1000 stage=1,2,3; columns: stage, name, median_ms, gflops -->
//     | stage | name | median ms | GFLOP/s |        a table generated from the run file: it must equal
//     |---|---|---:|---:|                         what lesson-check generates (`--fix` writes it);
//     | 1 | loops | 1291.3 | 1.55 |               `pivot: median_ms` instead of columns gives one row per
//                                                   product and one column per stage
//     The paragraph right after such a table is prose that quotes the run: every number in it with
//     a unit (ms, GFLOP/s, GB/s, ×, %) must be a number of the run, as rounded.
//
//     <!-- numbers: docs/runs/default.csv -->     a hand-written paragraph or table whose numbers
//                                                   with units are checked the same way
//
// A table whose header names a measurement (ms, GFLOP/s, GB/s, ×, % peak) and has no mark fails.

import Foundation
import Runner

/// What a `<!-- run: … -->` or `<!-- numbers: … -->` mark asks for.
struct RunMark: Equatable {
    enum Kind: Equatable {
        /// A generated table with these columns, one row per matching row of the file.
        case table([String])
        /// A generated table: one row per product, one column per stage, this column's values.
        case pivot(String)
        /// A hand-written block whose numbers are checked.
        case numbers
    }
    let path: String
    /// column → accepted values; a row must match every filter.
    let filters: [(column: String, values: [String])]
    let kind: Kind

    static func == (a: RunMark, b: RunMark) -> Bool {
        a.path == b.path && a.kind == b.kind && a.filters.map(\.column) == b.filters.map(\.column)
            && a.filters.map(\.values) == b.filters.map(\.values)
    }

    /// nil when the annotation is no run mark; throws when it is one but malformed.
    init?(_ annotation: String?) throws {
        guard let annotation, annotation.hasPrefix("run:") || annotation.hasPrefix("numbers:") else { return nil }
        var path: String?
        var filters: [(String, [String])] = []
        var kind: Kind?
        for part in annotation.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard let colon = part.firstIndex(of: ":") else { throw RunFileError(message: "'\(part)' is not KEY: VALUE") }
            let key = part[..<colon].trimmingCharacters(in: .whitespaces)
            let value = part[part.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch key {
            case "run", "numbers":
                path = value
                if key == "numbers" { kind = .numbers }
            case "rows":
                for filter in value.split(separator: " ") {
                    let pieces = filter.split(separator: "=", maxSplits: 1).map(String.init)
                    guard pieces.count == 2 else { throw RunFileError(message: "rows: takes COLUMN=VALUE,VALUE … , not '\(filter)'") }
                    filters.append((pieces[0], pieces[1].split(separator: ",").map(String.init)))
                }
            case "columns":
                guard kind == nil else { throw RunFileError(message: "a mark takes one of columns:, pivot: or numbers:") }
                kind = .table(value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            case "pivot":
                guard kind == nil else { throw RunFileError(message: "a mark takes one of columns:, pivot: or numbers:") }
                kind = .pivot(value)
            default:
                throw RunFileError(message: "unknown part '\(key):' (a mark has run: or numbers:, rows:, and columns: or pivot:)")
            }
        }
        guard let path, !path.isEmpty else { throw RunFileError(message: "the mark names no run file") }
        guard let kind else { throw RunFileError(message: "a run: mark needs columns: or pivot:") }
        (self.path, self.filters, self.kind) = (path, filters, kind)
    }

    func selects(_ row: [String: String]) -> Bool {
        filters.allSatisfy { filter in filter.values.contains(row[filter.column] ?? "") }
    }
}

/// How a column of a run file is shown in a lesson's table: its header, and its cells.
struct ColumnStyle {
    let header: String
    let numeric: Bool
    let cell: ([String: String]) -> String
}

func columnStyle(_ column: String) -> ColumnStyle? {
    func number(_ key: String, _ format: @escaping (Double) -> String) -> ([String: String]) -> String {
        { row in
            guard let text = row[key], let value = Double(text) else {
                return key == "median_ms" && (row["note"] ?? "").hasPrefix("skipped") ? "skipped" : ""
            }
            return format(value)
        }
    }
    let ratio = { (value: Double) in fixed(value, value >= 100 ? 0 : 1) + "×" }
    switch column {
    case "product": return ColumnStyle(header: "product", numeric: false) { productLabel($0) }
    case "stage", "name", "threads", "note", "samples":
        let headers = ["stage": "stage", "name": "name", "threads": "threads", "note": "note", "samples": "runs"]
        return ColumnStyle(header: headers[column]!, numeric: column == "threads" || column == "samples") { $0[column] ?? "" }
    case "median_us":
        return ColumnStyle(header: "median µs", numeric: true) { row in
            row["median_ms"].flatMap(Double.init).map { fixed($0 * 1e3, $0 * 1e3 < 10 ? 3 : 1) } ?? ""
        }
    case "median_ms": return ColumnStyle(header: "median ms", numeric: true, cell: number(column, milliseconds))
    case "min_ms": return ColumnStyle(header: "min ms", numeric: true, cell: number(column, milliseconds))
    case "max_ms": return ColumnStyle(header: "max ms", numeric: true, cell: number(column, milliseconds))
    case "range_ms":
        return ColumnStyle(header: "min–max ms", numeric: true) { row in
            guard let low = row["min_ms"].flatMap(Double.init), let high = row["max_ms"].flatMap(Double.init) else { return "" }
            return "\(milliseconds(low))–\(milliseconds(high))"
        }
    case "gflops": return ColumnStyle(header: "GFLOP/s", numeric: true, cell: number(column) { fixed($0, $0 < 10 ? 2 : 1) })
    case "gb_per_s": return ColumnStyle(header: "GB/s", numeric: true, cell: number(column) { fixed($0, 1) })
    case "pct_peak": return ColumnStyle(header: "% peak", numeric: true, cell: number(column) { fixed($0, 1) + "%" })
    case "x_previous": return ColumnStyle(header: "× prev", numeric: true, cell: number(column, ratio))
    case "x_read":
        // The runner's note on big memory-bound products: "one core reads A+B in … ms; this took N× that".
        return ColumnStyle(header: "× one core's read time", numeric: true) { row in
            (row["note"] ?? "").firstMatch(of: /this took ([0-9.]+)× that/).map { "\($0.output.1)×" } ?? ""
        }
    case "x_loops":
        return ColumnStyle(header: "× loops", numeric: true) { row in
            guard let value = row["x_loops"].flatMap(Double.init) else { return "" }
            return (row["loops_base"] == "estimated" ? "~" : "") + ratio(value)
        }
    default: return nil
    }
}

/// "fastai 50000×784 · 784×10", "1000×1000 · 1000×1000".
func productLabel(_ row: [String: String]) -> String {
    let sizes = (row["shape"] ?? "").split(separator: "x").map(String.init)
    guard sizes.count == 3 else { return row["shape"] ?? "" }
    let shape = "\(sizes[0])×\(sizes[1]) · \(sizes[1])×\(sizes[2])"
    return row["workload"] == "fastai" ? "fastai \(shape)" : shape
}

/// The markdown table a mark asks for, as lines.
func renderTable(_ mark: RunMark, _ run: RunFile) throws -> [String] {
    let rows = run.rows.filter(mark.selects)
    guard !rows.isEmpty else { throw RunFileError(message: "no row of \(mark.path) matches the mark's rows:") }
    var header: [String] = []
    var numeric: [Bool] = []
    var cells: [[String]] = []
    switch mark.kind {
    case .numbers:
        return []
    case let .table(columns):
        let styles = try columns.map { column -> ColumnStyle in
            guard let style = columnStyle(column) else { throw RunFileError(message: "no column '\(column)' to show (see RunTables.swift)") }
            return style
        }
        header = styles.map(\.header)
        numeric = styles.map(\.numeric)
        cells = rows.map { row in styles.map { $0.cell(row) } }
    case let .pivot(column):
        guard let style = columnStyle(column), style.numeric else { throw RunFileError(message: "pivot: takes a numeric column, not '\(column)'") }
        let stageOrder = mark.filters.first { $0.column == "stage" }?.values ?? rows.map { $0["stage"] ?? "" }
        var stages: [String] = []
        for stage in stageOrder where !stages.contains(stage) && rows.contains(where: { $0["stage"] == stage }) { stages.append(stage) }
        var products: [String] = []
        for row in rows where !products.contains(RunFile.product(row)) { products.append(RunFile.product(row)) }
        header = ["product"] + stages.map { stage in
            "\(stage) \(rows.first { $0["stage"] == stage }?["name"] ?? "")"
        }
        numeric = [false] + stages.map { _ in true }
        cells = products.map { product in
            let inProduct = rows.filter { RunFile.product($0) == product }
            return [productLabel(inProduct[0])] + stages.map { stage in inProduct.first { $0["stage"] == stage }.map(style.cell) ?? "" }
        }
    }
    func line(_ cells: [String]) -> String {
        "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |"
    }
    return [line(header), "|" + numeric.map { $0 ? "---:|" : "---|" }.joined()] + cells.map(line)
}

/// A number with a unit in prose: "23.1 ms", "93.0 GFLOP/s", "4.2×", "1.6–1.9×", "89.7%".
struct QuotedNumber: Equatable {
    let text: String
    let value: Double
    let decimals: Int
    let unit: String
}

func quotedNumbers(in line: String) -> [QuotedNumber] {
    // Inline code (commands, flags) and link targets are not quotes of a run.
    let prose = line.replacing(/`[^`]*`/, with: "").replacing(/\]\([^)]*\)/, with: "]")
    var found: [QuotedNumber] = []
    // A number not inside another (no letter, digit or point before it), perhaps a range, then its unit;
    // × directly after the number, and not followed by another number (1000×1000 is a shape).
    let pattern = /(?:^|[^\w.])(\d+(?:\.\d+)?)(?:\s*[–-]\s*(\d+(?:\.\d+)?))?(?:\s*(ms|µs|GFLOP\/s|GB\/s|%)(?![\w\/])|(×)(?!\s*\d))/
    for match in prose.matches(of: pattern) {
        let unit = String(match.output.3 ?? match.output.4 ?? "")
        for number in [match.output.1, match.output.2].compactMap({ $0 }) {
            let text = String(number)
            let decimals = text.firstIndex(of: ".").map { text.distance(from: $0, to: text.endIndex) - 1 } ?? 0
            if let value = Double(text) { found.append(QuotedNumber(text: text + unit, value: value, decimals: decimals, unit: unit)) }
        }
    }
    return found
}

/// Whether `run` holds `number`, as rounded: for ms the medians, minima and maxima; for × the
/// ratios in the file and the ratio of any two medians of one product; and so on.
func holds(_ run: RunFile, _ number: QuotedNumber) -> Bool {
    func values(_ columns: [String]) -> [Double] {
        run.rows.flatMap { row in columns.compactMap { row[$0].flatMap(Double.init) } }
    }
    var candidates: [Double]
    switch number.unit {
    case "ms": candidates = values(["median_ms", "min_ms", "max_ms"])
    case "µs": candidates = values(["median_ms", "min_ms", "max_ms"]).map { $0 * 1e3 }
    case "GFLOP/s": candidates = values(["gflops"])
    case "GB/s": candidates = values(["gb_per_s"])
    case "%": candidates = values(["pct_peak"])
    default:
        candidates = values(["x_loops", "x_previous"])
            + run.rows.compactMap { ($0["note"] ?? "").firstMatch(of: /this took ([0-9.]+)× that/).flatMap { Double($0.output.1) } }
        let byProduct = Dictionary(grouping: run.rows, by: RunFile.product)
        for rows in byProduct.values {
            let medians = rows.compactMap { $0["median_ms"].flatMap(Double.init) }
            for a in medians { for b in medians where b > 0 { candidates.append(a / b) } }
        }
    }
    let tolerance = 0.5 * pow(10, -Double(number.decimals)) + 1e-9
    return candidates.contains { abs($0 - number.value) <= tolerance }
}

/// Checks the run marks and measurement tables of one markdown file; with `fix`, rewrites
/// generated tables from their run files.
func checkRunTables(markdown text: String, file: String, root: URL, fix: Bool) -> (findings: [Finding], fixed: String) {
    let markdown = MarkdownFile(text)
    var lines = markdown.lines
    var findings: [Finding] = []
    var cache: [String: Result<RunFile, Error>] = [:]
    func load(_ path: String) -> Result<RunFile, Error> {
        if let known = cache[path] { return known }
        let result = Result { try RunFile(String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)) }
        cache[path] = result
        return result
    }
    let isTableLine = { (index: Int) in index < lines.count && !markdown.codeLines.contains(index) && lines[index].trimmingCharacters(in: .whitespaces).hasPrefix("|") }
    let isBlank = { (index: Int) in lines[index].trimmingCharacters(in: .whitespaces).isEmpty }
    /// The block of lines from `start` to the next blank line.
    func block(from start: Int) -> Range<Int> {
        var end = start
        while end < lines.count, !isBlank(end), !markdown.codeLines.contains(end) { end += 1 }
        return start..<end
    }
    func checkNumbers(_ range: Range<Int>, _ run: RunFile, _ path: String) {
        for index in range {
            for number in quotedNumbers(in: lines[index]) where !holds(run, number) {
                findings.append(Finding(file: file, line: index + 1, message:
                    "\(number.text) is not a number of \(path) (as rounded): quote the run, or move arithmetic out of the paragraph next to the mark"))
            }
        }
    }
    var marked = Set<Int>()   // first lines of tables that have a mark
    var edits: [(range: Range<Int>, lines: [String])] = []
    for (index, raw) in markdown.proseLines {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("<!--"), trimmed.hasSuffix("-->") else { continue }
        let annotation = trimmed.dropFirst(4).dropLast(3).trimmingCharacters(in: .whitespaces)
        let mark: RunMark
        do {
            guard let parsed = try RunMark(annotation) else { continue }
            mark = parsed
        } catch {
            findings.append(Finding(file: file, line: index + 1, message: "this run mark cannot be read: \(error)"))
            continue
        }
        let run: RunFile
        switch load(mark.path) {
        case let .success(file): run = file
        case let .failure(error):
            findings.append(Finding(file: file, line: index + 1, message: "cannot read the run file \(mark.path): \(error)"))
            continue
        }
        var tableEnd = index + 1
        while isTableLine(tableEnd) { tableEnd += 1 }
        marked.insert(index + 1)
        if case .numbers = mark.kind {
            checkNumbers(block(from: index + 1), run, mark.path)
            continue
        }
        let expected: [String]
        do { expected = try renderTable(mark, run) } catch {
            findings.append(Finding(file: file, line: index + 1, message: "\(error)"))
            continue
        }
        let shown = Array(lines[(index + 1)..<tableEnd])
        if shown != expected {
            if fix {
                edits.append(((index + 1)..<tableEnd, expected + (tableEnd == index + 1 && tableEnd < lines.count && !isBlank(tableEnd) ? [""] : [])))
            } else {
                let difference = (0..<max(shown.count, expected.count)).first { $0 >= shown.count || $0 >= expected.count || shown[$0] != expected[$0] } ?? 0
                findings.append(Finding(file: file, line: index + 2 + difference, message: """
                    this table is not what \(mark.path) holds:
                        lesson: \(difference < shown.count ? shown[difference] : "(the table ends here)")
                        run:    \(difference < expected.count ? expected[difference] : "(the table ends here)")
                      `swift run lesson-check --fix` regenerates it from the run file; then reread the prose around it
                    """))
            }
        }
        // The paragraph right after the table quotes the run.
        var next = tableEnd
        while next < lines.count, isBlank(next) { next += 1 }
        if next < lines.count, next - tableEnd <= 1, !lines[next].hasPrefix("#"), !lines[next].hasPrefix("<!--") {
            checkNumbers(block(from: next), run, mark.path)
        }
    }
    // Tables of measurements must come from a run.
    var index = 0
    while index < lines.count {
        guard isTableLine(index) else { index += 1; continue }
        if !marked.contains(index), lines[index].contains(/\bms\b|GFLOP\/s|GB\/s|×|% peak/) {
            findings.append(Finding(file: file, line: index + 1, message:
                "a table of measurements with no run: put <!-- run: docs/runs/NAME.csv; rows: …; columns: … --> on the line before it "
                + "(or <!-- numbers: docs/runs/NAME.csv --> for a hand-written one)"))
        }
        while isTableLine(index) { index += 1 }
    }
    for edit in edits.reversed() { lines.replaceSubrange(edit.range, with: edit.lines) }
    return (findings, lines.joined(separator: "\n"))
}
