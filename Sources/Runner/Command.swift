import Foundation
import MatmulCore

/// The `speedup` command: parses `arguments` (without the program name), runs, and prints.
///
/// Returns the exit code: 0 on success, 2 for a bad command line (with the usage on `error`),
/// 1 when the run failed (a damaged image file, say).
/// - Parameters:
///   - output: receives the report (the table, CSV or JSON).
///   - error: receives warnings, progress and errors: standard error.
public func speedupMain(_ arguments: [String], output: (String) -> Void, error: (String) -> Void) -> Int32 {
    if arguments.first == "tune" { return tuneMain(Array(arguments.dropFirst()), output: output, error: error) }
    if arguments.first == "chart" { return chartMain(Array(arguments.dropFirst()), output: output, error: error) }
    let options: Options
    do {
        options = try parseOptions(arguments)
    } catch let failure {
        error("speedup: \(failure)\n\n\(usage)\n")
        return 2
    }
    if options.help {
        output(usage + "\n")
        return 0
    }
    if isDebugBuild {
        error("""
            warning: speedup was built in DEBUG mode: its timings are meaningless (no optimization, no SIMD).
                     Run it as: swift run -c release speedup

            """)
    }
    for (flag, path) in [("--chart", options.chartPath), ("--record", options.recordPath)] {
        guard let path else { continue }
        // Find out now, not after a long run, that the file cannot be written there.
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard FileManager.default.isWritableFile(atPath: folder) else {
            error("speedup: \(flag): cannot write into the folder '\(folder)' (missing or not writable); choose another path\n")
            return 2
        }
    }
    let commit = options.recordPath == nil ? "" : sourceCommit()
    do {
        let (rows, context) = try runSpeedup(options) { error("speedup: \($0)\n") }
        if options.format == .csv {
            // Keep standard output pure CSV; the context goes to standard error.
            error(contextLines(context).map { "# \($0)\n" }.joined())
        }
        let style = TextStyle.forStandardOutput(wide: options.wide, environment: ProcessInfo.processInfo.environment)
        output(try render(rows, context: context, format: options.format, style: style))
        let command = (["swift run -c release speedup"] + arguments).joined(separator: " ")
        if let record = options.recordPath {
            let timing = "median of each row's samples: \(options.rounds) round\(options.rounds == 1 ? "" : "s") over the whole table, "
                + "each \(options.repeats) timed run\(options.repeats == 1 ? "" : "s") after one warm-up (fewer for runs over 2 s; the samples column counts them); min_ms and max_ms are the extremes"
            try renderRunFile(rows, context: context, command: command, commit: commit, timing: timing)
                .write(toFile: record, atomically: true, encoding: .utf8)
            error("speedup: wrote the run file \(record)\n")
        }
        if let chart = options.chartPath {
            try renderChart(rows, context: context, command: command).write(toFile: chart, atomically: true, encoding: .utf8)
            error("speedup: wrote the chart to \(chart)\n")
        }
        return 0
    } catch let failure {
        error("speedup: error: \(failure)\n")
        return 1
    }
}

public let chartUsage = """
    usage: swift run -c release speedup chart RUNFILE SVGFILE

    Draws the chart of a recorded run again (a run file, e.g. docs/runs/default.csv, made by
    `speedup --record`), without timing anything: the same two views as `speedup --chart`.

    example:
      swift run -c release speedup chart docs/runs/default.csv docs/speedup.svg
    """

/// `speedup chart RUNFILE SVGFILE`: the chart of a run file. Exit codes as `speedupMain`'s.
func chartMain(_ arguments: [String], output: (String) -> Void, error: (String) -> Void) -> Int32 {
    if arguments == ["--help"] || arguments == ["-h"] {
        output(chartUsage + "\n")
        return 0
    }
    guard arguments.count == 2, !arguments.contains(where: { $0.hasPrefix("-") }) else {
        error("speedup chart: takes a run file and an SVG file to write\n\n\(chartUsage)\n")
        return 2
    }
    let (path, chart) = (arguments[0], arguments[1])
    let folder = URL(fileURLWithPath: chart).deletingLastPathComponent().path
    guard !chart.hasSuffix("/"), FileManager.default.isWritableFile(atPath: folder) else {
        error("speedup chart: cannot write '\(chart)' (is the folder '\(folder)' there and writable?)\n")
        return 2
    }
    do {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw RunFileError(message: "cannot read '\(path)' as text")
        }
        let run = try RunFile(text)
        let (rows, context) = try run.report()
        guard !rows.isEmpty else { throw RunFileError(message: "'\(path)' has no rows") }
        try renderChart(rows, context: context, command: "\(run.command)  (drawn from \(path))")
            .write(toFile: chart, atomically: true, encoding: .utf8)
        error("speedup: wrote the chart of \(path) to \(chart)\n")
        return 0
    } catch let failure {
        error("speedup chart: \(path): \(failure)\n")
        return 1
    }
}

/// Throws `UsageError` when `speedup` would refuse `arguments` (without the program name), as it
/// would at its start: the lessons' commands are checked with this (`swift run lesson-check`).
public func checkSpeedupArguments(_ arguments: [String]) throws {
    switch arguments.first {
    case "tune": _ = try parseTuneOptions(Array(arguments.dropFirst()))
    case "chart":
        guard arguments.count == 3 || arguments.dropFirst().first == "--help" else { throw UsageError(message: "speedup chart takes RUNFILE SVGFILE") }
    default: _ = try parseOptions(arguments)
    }
}
