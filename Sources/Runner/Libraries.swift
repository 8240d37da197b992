import Foundation
import MatmulCore
import Stage5BLAS

// The libraries at their best. OpenBLAS and BLIS choose their kernels once, when they start, and
// may fall back to older ones on a CPU they do not know (Sources/Stage5BLAS/LibraryKernels.swift).
// So each kernel family this CPU can execute is timed in a process of its own (this program
// again, as `speedup kernel-probe LIBRARY`, with the library's variable set), and a table with
// Stage 5 or 5b is then timed in a process started again with the fastest families set, unless
// the user set them or asked for `--libraries as-found`. The notes of rows 5 and 5b say so.

/// `speedup libraries`: each kernel family OpenBLAS and BLIS can run here, timed.
public let librariesUsage = """
    usage: swift run -c release speedup libraries [--list openblas|blis]

    Times each kernel family with 256- or 512-bit vectors that OpenBLAS and BLIS can be told to use
    (OPENBLAS_CORETYPE, BLIS_ARCH_TYPE) and this CPU can execute, each in a process of its own, on \(KernelSurvey.probeShape)
    on one thread, beside the library's own choice (three rounds, each family's best), and says
    which is fastest and how to ask for it.
    A table with Stage 5 or 5b uses the fastest (speedup --libraries best, the default).

    --list LIBRARY   print only the settings of every family this CPU can execute (the older,
                     narrower ones too), one per line, the library's own choice first as an
                     empty line; BLIS's are numbers, which the table names (CI runs Stage 5's
                     tests under each)
    """

/// What `speedup libraries` was asked to do.
enum LibrariesCommand {
    case help, table
    /// `--list LIBRARY`: the settings of the families this CPU can execute.
    case list(LibraryKernels)
}

/// Parses `speedup libraries`' arguments (without "libraries").
/// - Throws: `UsageError` for anything else, saying what is wrong.
func parseLibrariesArguments(_ arguments: [String]) throws -> LibrariesCommand {
    if arguments == ["--help"] || arguments == ["-h"] { return .help }
    if arguments.isEmpty { return .table }
    guard arguments.count == 2, arguments[0] == "--list" else {
        throw UsageError(message: "unknown arguments '\(arguments.joined(separator: " "))'\n\n\(librariesUsage)")
    }
    guard let kernels = LibraryKernels.all.first(where: { $0.library.lowercased() == arguments[1].lowercased() }) else {
        throw UsageError(message: "--list takes openblas or blis, not '\(arguments[1])'")
    }
    return .list(kernels)
}

func librariesMain(_ arguments: [String], output: (String) -> Void, error: (String) -> Void) -> Int32 {
    let command: LibrariesCommand
    do { command = try parseLibrariesArguments(arguments) } catch let failure {
        error("speedup libraries: \(failure)\n")
        return 2
    }
    switch command {
    case .help:
        output(librariesUsage + "\n")
        return 0
    case let .list(kernels):
        output(([""] + kernels.runnable(on: HostCPU.flags).compactMap { kernels.setting($0.name) }).joined(separator: "\n") + "\n")
        return 0
    case .table:
        break
    }
    output("CPU: \(cpuModel())\nOpenBLAS: \(BLASMatmul.configuration)\nBLIS: \(BLISMatmul().note?.split(separator: ";").first ?? "not installed")\n")
    output("each row: \(KernelSurvey.probeShape) on 1 thread, the best of 3 processes × 10 products\n\n")
    for kernels in LibraryKernels.all {
        let survey = surveyKernels(kernels, environment: ProcessInfo.processInfo.environment.filter { $0.key != kernels.variable })
        output(renderSurvey(survey, kernels) + "\n")
    }
    return 0
}

/// One library's survey as lines: a row per trial, then the verdict.
func renderSurvey(_ survey: KernelSurvey, _ kernels: LibraryKernels) -> String {
    var lines = ["\(survey.library):", "  " + "setting".padding(toLength: 31, withPad: " ", startingAt: 0) + "kernel        GFLOP/s"]
    for trial in survey.trials {
        let setting = trial.setting ?? "(its own choice)"
        let speed = trial.gflops.map { fixed($0, 1) } ?? "failed: \(trial.failure ?? "")"
        lines.append("  " + setting.padding(toLength: 31, withPad: " ", startingAt: 0)
                     + trial.kernel.padding(toLength: 14, withPad: " ", startingAt: 0) + " " + speed)
    }
    if let better = survey.better, let own = survey.own, let setting = better.setting {
        lines.append("  \(survey.library) fell back: its own choice \(own.kernel) is slower here; \(setting) is "
                     + "\(fixed(better.gflops! / own.gflops!, 1))× faster (speedup sets it for its tables)")
    } else if let own = survey.own {
        lines.append("  \(survey.library)'s own choice, \(own.kernel), is as fast as any here (within 10%)")
    }
    return lines.joined(separator: "\n")
}

/// Times `kernels`' own choice and each family with 256- or 512-bit vectors this CPU can execute
/// (older, narrower ones are never the fastest where these run), each in a process of its own,
/// in three rounds (each round every family once, in turn), keeping each family's best: a slow
/// moment of a shared machine then spoils one sample of one family, not the choice.
/// `environment` is the children's, without the library's variable.
func surveyKernels(_ kernels: LibraryKernels, environment: [String: String]) -> KernelSurvey {
    let families = kernels.runnable(on: HostCPU.flags).filter { $0.vectorBits >= 256 }.compactMap { family in
        kernels.value(family.name).map { (name: family.name, value: $0) }
    }
    var trials: [KernelSurvey.Trial] = []
    for _ in 0..<3 {
        var round = [probeInChild(kernels, requested: nil, setting: nil, environment: environment)]
        for family in families {
            round.append(probeInChild(kernels, requested: family.name, setting: "\(kernels.variable)=\(family.value)",
                                      environment: environment.merging([kernels.variable: family.value]) { $1 }))
        }
        trials = trials.isEmpty ? round : zip(trials, round).map { kept, new in
            (new.gflops ?? 0) > (kept.gflops ?? 0) ? new : kept
        }
    }
    // A family the library ran under another name (it did not know the one asked for) is the
    // same kernels twice: keep the first.
    var seen = Set<String>()
    return KernelSurvey(library: kernels.library, trials: trials.filter { seen.insert($0.kernel.lowercased()).inserted || $0.gflops == nil })
}

/// This program's file, which the survey's children and the restart run.
private let thisProgram = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")

/// Runs `speedup kernel-probe LIBRARY` with `environment` and reads its one line: kernel, GFLOP/s.
private func probeInChild(_ kernels: LibraryKernels, requested: String?, setting: String?,
                          environment: [String: String]) -> KernelSurvey.Trial {
    func failed(_ reason: String) -> KernelSurvey.Trial {
        KernelSurvey.Trial(requested: requested, setting: setting, kernel: requested ?? "", gflops: nil, failure: reason)
    }
    guard let executable = thisProgram else { return failed("cannot find this program's file") }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = ["kernel-probe", kernels.library]
    process.environment = environment.filter { $0.key != KernelSurvey.environmentVariable }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return failed("could not start: \(error)") }
    // A kernel the CPU cannot execute dies at once; one that hangs is stopped after 30 s.
    let deadline = Date().addingTimeInterval(30)
    while process.isRunning, Date() < deadline { usleep(10_000) }
    if process.isRunning { process.terminate(); process.waitUntilExit(); return failed("no answer in 30 s") }
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    guard process.terminationReason == .exit, process.terminationStatus == 0 else {
        let how = process.terminationReason == .uncaughtSignal ? "died of signal \(process.terminationStatus)" : "exit \(process.terminationStatus)"
        return failed(how)
    }
    let fields = text.split(whereSeparator: \.isWhitespace)
    guard fields.count == 2, let gflops = Double(fields[1]), gflops.isFinite, gflops > 0 else { return failed("said '\(text)'") }
    return KernelSurvey.Trial(requested: requested, setting: setting, kernel: String(fields[0]), gflops: gflops)
}

/// `speedup kernel-probe LIBRARY`, the child of a survey: prints the kernel family the library
/// runs in this process and its GFLOP/s (`LibraryKernels.probe`).
func kernelProbeMain(_ arguments: [String], output: (String) -> Void, error: (String) -> Void) -> Int32 {
    guard arguments.count == 1, let kernels = LibraryKernels.all.first(where: { $0.library == arguments[0] }) else {
        error("speedup kernel-probe: takes OpenBLAS or BLIS (it is the runner's own probe: see speedup libraries)\n")
        return 2
    }
    do {
        let gflops = try kernels.probe()
        output("\(kernels.current() ?? "unknown") \(gflops)\n")
        return 0
    } catch let failure {
        error("speedup kernel-probe: \(failure)\n")
        return 1
    }
}

/// Before a table with Stage 5 or 5b: surveys the libraries whose variable the user did not set
/// and passes the result on in the environment (for the rows' notes). With `best`, when a library
/// fell back, starts this program again with the faster families set; it does not return then.
func prepareLibraries(_ stages: [any MatmulStage], best: Bool, progress: (String) -> Void) {
    let environment = ProcessInfo.processInfo.environment
    guard environment[KernelSurvey.environmentVariable] == nil else { return }   // surveyed already
    let runs = stages.filter { $0.unavailableReason == nil }
    let wanted = (runs.contains { $0 is BLASMatmul } ? [LibraryKernels.openBLAS] : [])
        + (runs.contains { $0 is BLISMatmul } ? [LibraryKernels.blis] : [])
    guard !wanted.isEmpty else { return }
    var surveys: [KernelSurvey] = []
    if wanted.contains(where: { environment[$0.variable] == nil }) {
        progress("timing the kernel families \(wanted.map(\.library).joined(separator: " and ")) can run here, each in a process of its own (speedup libraries shows them)…")
    }
    var settings: [String: String] = [:]
    for kernels in wanted {
        if let value = environment[kernels.variable] {
            surveys.append(KernelSurvey(library: kernels.library, trials: [], setByUser: "\(kernels.variable)=\(value)"))
            continue
        }
        let survey = surveyKernels(kernels, environment: environment)
        surveys.append(survey)
        if best, let value = survey.better?.requested.flatMap(kernels.value) {
            settings[kernels.variable] = value
        }
    }
    guard let json = try? JSONEncoder().encode(surveys) else { return }
    setenv(KernelSurvey.environmentVariable, String(decoding: json, as: UTF8.self), 1)
    guard !settings.isEmpty else { return }
    for (name, value) in settings { setenv(name, value, 1) }
    progress("starting again with " + settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
             + " (the libraries' faster kernels here; --libraries as-found keeps their own choice)")
    guard let executable = thisProgram else { return }
    var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) } + [nil]
    execv(executable, &argv)
    // Only reached when execv failed: go on in this process, with the libraries' own choices.
    progress("could not start again (\(String(cString: strerror(errno)))); the libraries keep their own kernels")
    for name in settings.keys { unsetenv(name) }
}
