import Foundation
import MatmulCore

/// A run file (`speedup --record FILE`, `renderRunFile`) read back: its `# ` lines, and its CSV
/// rows as column → text. The lessons' tables are checked against such files (lesson-check), and
/// `speedup chart` draws one again.
public struct RunFile: Sendable {
    /// The `# ` lines, without the "# ".
    public let header: [String]
    public let columns: [String]
    public let rows: [[String: String]]

    /// - Throws: `RunFileError` when there is no CSV header line.
    public init(_ text: String) throws {
        var header: [String] = []
        var records: [[String]] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("#") { header.append(String(line.dropFirst(1)).trimmingCharacters(in: .whitespaces)); continue }
            records.append(csvRecord(String(line)))
        }
        guard let columns = records.first, !columns.isEmpty else { throw RunFileError(message: "it has no CSV header line") }
        self.header = header
        self.columns = columns
        rows = records.dropFirst().map { Dictionary(zip(columns, $0), uniquingKeysWith: { first, _ in first }) }
    }

    /// Rows of one product together: "fastai 50000x784x10".
    public static func product(_ row: [String: String]) -> String { "\(row["workload"] ?? "") \(row["shape"] ?? "")" }

    /// The value of the `# KEY: value` line, or nil.
    public func headerValue(_ key: String) -> String? {
        header.first { $0.hasPrefix(key + ": ") }.map { String($0.dropFirst(key.count + 2)) }
    }

    /// The command that recorded this file.
    public var command: String { headerValue("command") ?? "unknown command" }

    /// The rows and context of the run, as it made them: what the chart is drawn from. A run file
    /// has no "what changed" column, so `change` is empty.
    /// - Throws: `RunFileError` when a needed column or header line is missing or malformed.
    public func report() throws -> (rows: [Row], context: RunContext) {
        for column in ["workload", "shape", "stage", "name", "threads", "median_ms", "gflops"] where !columns.contains(column) {
            throw RunFileError(message: "it has no '\(column)' column")
        }
        func number(_ row: [String: String], _ column: String) -> Double? { row[column].flatMap(Double.init) }
        let rows = try self.rows.map { fields -> Row in
            let id = fields["shape"] ?? ""
            let sizes = id.split(separator: "x").compactMap { Int($0) }
            guard sizes.count == 3, let threads = Int(fields["threads"] ?? "") else {
                throw RunFileError(message: "a row's shape '\(id)' or threads '\(fields["threads"] ?? "")' cannot be read")
            }
            var row = Row(workload: fields["workload"]!, shape: ProductShape(m: sizes[0], k: sizes[1], n: sizes[2]).description,
                          shapeID: id, stage: fields["stage"]!, name: fields["name"]!, change: "", threads: threads,
                          notes: [fields["note"] ?? ""])
            (row.medianMs, row.minMs, row.maxMs) = (number(fields, "median_ms"), number(fields, "min_ms"), number(fields, "max_ms"))
            (row.gflops, row.gbps, row.pctPeak) = (number(fields, "gflops"), number(fields, "gb_per_s"), number(fields, "pct_peak"))
            (row.xLoops, row.xPrevious) = (number(fields, "x_loops"), number(fields, "x_previous"))
            row.samples = fields["samples"].flatMap { Int($0) }
            row.comparedWith = fields["x_previous_of"].flatMap { $0.isEmpty ? nil : $0 }
            return row
        }
        // "machine: CPU, 2 cores; 2026-11-22" and "peak: 110.3 GFLOP/s per core (method); …"
        let machine = headerValue("machine") ?? ""
        let (cpuAndCores, date) = machine.range(of: "; ", options: .backwards).map { (String(machine[..<$0.lowerBound]), String(machine[$0.upperBound...])) } ?? (machine, "")
        let (cpu, cores) = cpuAndCores.range(of: ", ", options: .backwards).map {
            (String(cpuAndCores[..<$0.lowerBound]), Int(cpuAndCores[$0.upperBound...].split(separator: " ").first ?? "") ?? 0)
        } ?? (cpuAndCores, 0)
        let peakLine = headerValue("peak") ?? ""
        guard let peak = Double(peakLine.split(separator: " ").first ?? "") else {
            throw RunFileError(message: "its '# peak:' line does not start with the peak in GFLOP/s")
        }
        let method = peakLine.firstIndex(of: "(").flatMap { open in
            peakLine[open...].firstIndex(of: ")").map { String(peakLine[peakLine.index(after: open)..<$0]) }
        } ?? ""
        var sources: [String: String] = [:]
        for line in header {
            if let range = line.range(of: " data: ") { sources[String(line[..<range.lowerBound])] = String(line[range.upperBound...]) }
        }
        let context = RunContext(date: date, cpu: cpu, cores: cores, peakGFLOPSPerCore: peak, peakMethod: method,
                                 openBLAS: headerValue("OpenBLAS") ?? "", build: headerValue("build") ?? "",
                                 caches: headerValue("caches") ?? "", sources: sources)
        return (rows, context)
    }
}

/// A run file that cannot be read; the message says what is wrong.
public struct RunFileError: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// One CSV record (RFC 4180 quoting; records do not span lines in run files).
public func csvRecord(_ line: String) -> [String] {
    var fields: [String] = []
    var field = ""
    var quoted = false
    var characters = Array(line)[...]
    while let character = characters.popFirst() {
        if quoted {
            if character == "\"" {
                if characters.first == "\"" { field.append("\""); characters.removeFirst() } else { quoted = false }
            } else {
                field.append(character)
            }
        } else if character == "\"" {
            quoted = true
        } else if character == "," {
            fields.append(field)
            field = ""
        } else {
            field.append(character)
        }
    }
    fields.append(field)
    return fields
}
