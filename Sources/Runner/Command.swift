import Foundation
import MatmulCore

/// The `speedup` command: parses `arguments` (without the program name), runs, and prints.
///
/// Returns the exit code: 0 on success, 2 for a bad command line (with the usage on `error`),
/// 1 when the run failed (a damaged image file, say).
/// - Parameters:
///   - output: receives the report (the table, CSV or JSON).
///   - error: receives warnings, progress and errors: standard error.
///   - surveysLibraries: before a table with Stage 5 or 5b, time the libraries' kernels in child
///     processes of this program and, with `--libraries best`, start it again with the faster
///     ones (`prepareLibraries`): only for the `speedup` program itself, never in a test process.
public func speedupMain(_ arguments: [String], output: (String) -> Void, error: (String) -> Void,
                        surveysLibraries: Bool = false) -> Int32 {
    if arguments.first == "tune" { return tuneMain(Array(arguments.dropFirst()), output: output, error: error) }
    if arguments.first == "libraries" { return librariesMain(Array(arguments.dropFirst()), output: output, error: error) }
    if arguments.first == "kernel-probe" { return kernelProbeMain(Array(arguments.dropFirst()), output: output, error: error) }
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
    // Find out now, not after a long run, that a product is too large or a file cannot be written.
    let record: OutputFile?, chart: OutputFile?
    do {
        try checkMemory(options)
        record = try options.recordPath.map { try OutputFile(path: $0, flag: "--record") }
        chart = try options.chartPath.map { try OutputFile(path: $0, flag: "--chart") }
    } catch let failure {
        error("speedup: \(failure)\n")
        return 2
    }
    if surveysLibraries { prepareLibraries(chosenStages(options), best: options.libraries == .best) { error("speedup: \($0)\n") } }
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
        if let record {
            let timing = "median of each row's samples: \(options.rounds) round\(options.rounds == 1 ? "" : "s") over the whole table, "
                + "each \(options.repeats) timed run\(options.repeats == 1 ? "" : "s") after one warm-up (fewer for runs over 2 s; the samples column counts them); min_ms and max_ms are the extremes"
            try record.write(renderRunFile(rows, context: context, command: command, commit: commit, timing: timing))
            error("speedup: wrote the run file \(record.path)\n")
        }
        if let chart {
            try chart.write(renderChart(rows, context: context, command: command))
            error("speedup: wrote the chart to \(chart.path)\n")
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
    let path = arguments[0]
    let chart: OutputFile
    do {
        chart = try OutputFile(path: arguments[1], flag: "SVGFILE")
    } catch let failure {
        error("speedup chart: \(failure)\n")
        return 2
    }
    do {
        let run = try RunFile(try readTextFile(path))
        let (rows, context) = try run.report()
        guard !rows.isEmpty else { throw RunFileError(message: "'\(path)' has no rows") }
        try chart.write(renderChart(rows, context: context, command: "\(run.command)  (drawn from \(path))"))
        error("speedup: wrote the chart of \(path) to \(chart.path)\n")
        return 0
    } catch let failure as InputFileError {
        error("speedup chart: \(failure)\n")
        return 1
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
    case "libraries": _ = try parseLibrariesArguments(Array(arguments.dropFirst()))
    case "chart":
        guard arguments.count == 3 || arguments.dropFirst().first == "--help" else { throw UsageError(message: "speedup chart takes RUNFILE SVGFILE") }
    default: _ = try parseOptions(arguments)
    }
}
