/// The `speedup` command: parses `arguments` (without the program name), runs, and prints.
///
/// Returns the exit code: 0 on success, 2 for a bad command line (with the usage on `error`),
/// 1 when the run failed (a damaged image file, say).
/// - Parameters:
///   - output: receives the report (the table, CSV or JSON).
///   - error: receives warnings, progress and errors: standard error.
public func speedupMain(_ arguments: [String], output: (String) -> Void, error: (String) -> Void) -> Int32 {
    if arguments.first == "tune" { return tuneMain(Array(arguments.dropFirst()), output: output, error: error) }
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
    do {
        let (rows, context) = try runSpeedup(options) { error("speedup: \($0)\n") }
        if options.format == .csv {
            // Keep standard output pure CSV; the context goes to standard error.
            error(contextLines(context).map { "# \($0)\n" }.joined())
        }
        output(try render(rows, context: context, format: options.format))
        return 0
    } catch let failure {
        error("speedup: error: \(failure)\n")
        return 1
    }
}
