// Lessons that cannot drift, part 2: every command a lesson tells the reader to run exists.
//
// Commands are read from shell code blocks (```sh, ```bash, ```zsh …, indented in list items or not)
// and from inline `code` that starts like a command (`swift …`, `make …`, `python3 …`, `speedup …`,
// `.build…`, `scripts/…`, `OPENBLAS_…=`). Each one is checked the way its program would check it:
// - `speedup` (through `swift run`, `make speedup ARGS="…"`, a built binary, or alone): the runner's
//   own argument parser must accept it, flag values included;
// - an environment variable set in front of a command must be one this project or OpenBLAS reads;
// - `swift test --filter PATTERN`: PATTERN must match at least one test that `swift test list` lists;
// - `make TARGET`: the Makefile must have TARGET;
// - `gpu-check`, `lesson-check`, `python3 scripts/…`: the file must exist and every --flag must be
//   one the program's source names;
// - a script or binary path: the file (or, for build outputs, the product that makes it) must exist.
// Inline code that is only flags (`--max-seconds 600`) must name flags some program here has; when
// they are all the runner's, its parser checks their values too (`--size -5` fails).

import Foundation
import Runner

/// What the command check needs to know about the repository.
public struct CommandContext: Sendable {
    /// Repository root.
    public let root: URL
    /// The test identifiers `swift test list` prints; nil skips the --filter check.
    public let tests: [String]?
    let makeTargets: Set<String>
    /// Every flag of every program here (for inline `--flag` fragments), gathered once.
    private(set) var knownFlags: Set<String> = []
    /// The environment variables a lesson may set: those this project's code and scripts read,
    /// and OpenBLAS's.
    private(set) var knownVariables: Set<String> = []

    public init(root: URL, tests: [String]?) {
        self.root = root
        self.tests = tests
        let makefile = (try? String(contentsOf: root.appendingPathComponent("Makefile"), encoding: .utf8)) ?? ""
        makeTargets = Set(makefile.split(separator: "\n").compactMap { line -> String? in
            guard let colon = line.firstIndex(of: ":"), !line.hasPrefix("\t"), !line.hasPrefix("#"), !line.hasPrefix(".") else { return nil }
            let name = line[..<colon]
            return name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" } && !name.isEmpty ? String(name) : nil
        })
        knownFlags = allFlags(self)
        knownVariables = environmentVariables(root: root)
    }

    /// The --flags named in a program's source text (as string literals or in its usage text).
    func flags(inSource path: String) -> Set<String>? {
        guard let text = try? String(contentsOf: root.appendingPathComponent(path), encoding: .utf8) else { return nil }
        return Set(text.matches(of: /--[a-z][a-z0-9-]*/).map { String($0.output) })
    }
}

/// A command as the shell would split it: environment assignments apart, quotes removed.
struct ShellCommand: Equatable {
    let words: [String]
    /// The names of the `NAME=value` words in front of the command.
    var environment: [String] = []
}

/// The commands in one line of shell: `a && b; c | d` is four, comments and prompts dropped.
func shellCommands(_ line: String) -> [ShellCommand] {
    var text = line.trimmingCharacters(in: .whitespaces)
    if text.hasPrefix("$ ") { text.removeFirst(2) }
    var commands: [ShellCommand] = []
    var words: [String] = []
    var word = ""
    var inWord = false
    var quote: Character?
    var characters = Array(text)[...]
    func endWord() {
        if inWord { words.append(word) }
        word = ""
        inWord = false
    }
    func endCommand() {
        endWord()
        // Leading VAR=value words set the environment; they are not the command.
        let isAssignment = { (word: String) in word.range(of: #"^[A-Za-z_][A-Za-z0-9_]*="#, options: .regularExpression) != nil }
        let command = Array(words.drop(while: isAssignment))
        let environment = words.prefix(while: isAssignment).map { String($0.prefix { $0 != "=" }) }
        if !command.isEmpty || !environment.isEmpty { commands.append(ShellCommand(words: command, environment: environment)) }
        words = []
    }
    while let character = characters.popFirst() {
        if let open = quote {
            if character == open { quote = nil } else { word.append(character) }
            continue
        }
        switch character {
        case "'", "\"": quote = character; inWord = true
        case " ", "\t": endWord()
        case "#" where !inWord: characters = []   // a comment to the end of the line
        case ";", "|", "&", ">", "<":
            // `2>&1`: the 2 is the redirected stream, not an argument.
            if character == ">", inWord, word.allSatisfy(\.isNumber) { word = ""; inWord = false }
            endCommand()
            // `> file` and `2>&1`: skip the redirection's target.
            if character == ">" || character == "<" {
                while characters.first == " " { characters.removeFirst() }
                while let next = characters.first, next != " " { characters.removeFirst() }
            }
        default: word.append(character); inWord = true
        }
    }
    endCommand()
    return commands
}

/// The commands a markdown file tells its reader to run, with their line numbers.
func commands(inMarkdown text: String) -> [(line: Int, text: String)] {
    let markdown = MarkdownFile(text)
    var found: [(Int, String)] = []
    for block in markdown.blocks where block.fenced && shellLanguages.contains(block.language) {
        var continued: (line: Int, text: String)?
        for (offset, line) in block.lines.enumerated() {
            // A line ending in a backslash goes on on the next line.
            let part = continued.map { $0.text + " " + line } ?? line
            if part.hasSuffix("\\") {
                continued = (continued?.line ?? block.line + 1 + offset, String(part.dropLast()))
            } else {
                found.append((continued?.line ?? block.line + 1 + offset, part))
                continued = nil
            }
        }
    }
    // Inline code spans in prose.
    for (index, line) in markdown.proseLines {
        for match in line.matches(of: /`([^`]+)`/) {
            let span = String(match.output.1)
            if commandStarts.contains(where: { span.hasPrefix($0) }) || span.hasPrefix("--") {
                found.append((index + 1, span))
            }
        }
    }
    return found.sorted { $0.0 < $1.0 }
}

/// How inline code that is a command starts.
let commandStarts = ["swift run", "swift test", "swift build", "make ", "python3 ", "./", ".build", "scripts/", "OPENBLAS_", "MATMUL_",
                     "speedup ", "speedup"]

/// Flags of tools that are not ours but that lessons name: swift's and the shell's.
let outsideFlags: Set<String> = ["--filter", "--product", "--static-swift-stdlib", "--scratch-path", "--skip-build",
                                 "--build-tests", "--fix", "--help", "--ptxas-options"]

/// Checks one command line; returns what is wrong with it, or nil.
func problem(with line: String, context: CommandContext) -> String? {
    let parsed = shellCommands(line)
    // Inline flags alone (`--max-seconds 600`): each must be some program's flag; the runner's
    // flags go through its parser, values and all.
    if line.hasPrefix("--") {
        let known = context.knownFlags
        let flags = line.matches(of: /(?:^|\s)(--[a-z][a-z0-9-]*)/).map { String($0.output.1) }
        let unknown = flags.filter { !known.contains($0) }
        guard unknown.isEmpty else { return "no program here has the flag \(unknown.joined(separator: ", "))" }
        let words = parsed.first?.words ?? []
        // A flag named in passing (`--stages`), or with a placeholder (`--threads T`), has no value to check.
        let placeholders = words.contains { !$0.hasPrefix("-") && $0.allSatisfy { $0.isUppercase || $0 == "," } }
        if words.count > 1, !placeholders, flags.allSatisfy(speedupFlags.contains) {
            do { try checkSpeedupArguments(words) } catch { return "speedup would refuse this: \(error)" }
        }
        return nil
    }
    for command in parsed {
        let unknown = command.environment.filter { !context.knownVariables.contains($0) }
        if !unknown.isEmpty {
            return "nothing here reads the environment variable \(unknown.joined(separator: ", ")) "
                + "(known: \(context.knownVariables.sorted().joined(separator: ", ")))"
        }
        if let reason = problem(with: command.words, context: context) { return reason }
    }
    return nil
}

/// The runner's flags (`speedup --help`), whose values its parser checks.
let speedupFlags = Set(usage.matches(of: /--[a-z][a-z0-9-]*/).map { String($0.output) })

/// Environment variables read by other programs the lessons run: OpenBLAS (its documented
/// ones), OpenMP's thread count that OpenBLAS also honours, and the shell's usual ones.
let outsideVariables: Set<String> = ["OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OPENBLAS_VERBOSE", "OPENBLAS_MAIN_FREE",
                                     "OPENBLAS_DEFAULT_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS",
                                     "NO_COLOR", "COLUMNS", "PATH", "LD_LIBRARY_PATH"]

/// The environment variables this project's code, manifest and scripts read, and the outside ones.
func environmentVariables(root: URL) -> Set<String> {
    var names = outsideVariables
    let files = swiftSources(root: root) + ["Package.swift"]
        + ((try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("scripts").path)) ?? []).map { "scripts/\($0)" }
    for file in files {
        guard let text = try? String(contentsOf: root.appendingPathComponent(file), encoding: .utf8) else { continue }
        names.formUnion(text.matches(of: /environment[\[(]"([A-Z_][A-Z0-9_]*)"[\])]|variable: "([A-Z_][A-Z0-9_]*)"|environ(?:\.get)?[(\[]"([A-Z_][A-Z0-9_]*)"/)
            .compactMap { match in (match.output.1 ?? match.output.2 ?? match.output.3).map(String.init) })
    }
    return names
}

private func problem(with words: [String], context: CommandContext) -> String? {
    guard let program = words.first else { return nil }
    let arguments = Array(words.dropFirst())
    switch program {
    case "speedup":
        return problem(withProduct: program, arguments, context: context)
    case "swift":
        guard let verb = arguments.first else { return nil }
        if verb == "run" {
            // swift run [-c release] [--scratch-path P] PRODUCT ARGS…
            var rest = arguments.dropFirst()
            while let first = rest.first, first.hasPrefix("-") {
                rest.removeFirst()
                if ["-c", "--configuration", "--scratch-path"].contains(first) { rest = rest.dropFirst() }
            }
            guard let product = rest.first else { return nil }
            return problem(withProduct: product, Array(rest.dropFirst()), context: context)
        }
        if verb == "test" {
            var rest = arguments.dropFirst()
            while let first = rest.popFirst() {
                guard first == "--filter" || first == "--skip" else { continue }
                guard let pattern = rest.popFirst() else { return "\(first) needs a pattern" }
                guard let tests = context.tests else { continue }
                guard let regex = try? Regex(pattern) else { return "--filter '\(pattern)' is not a valid pattern" }
                if !tests.contains(where: { $0.contains(regex) }) {
                    return "swift test \(first) '\(pattern)' matches no test (swift test list shows them all)"
                }
            }
        }
        return nil
    case "make":
        for argument in arguments {
            if argument.hasPrefix("ARGS=") {
                let inner = shellCommands(String(argument.dropFirst(5))).first?.words ?? []
                do { try checkSpeedupArguments(inner) } catch { return "make speedup ARGS=\"…\": speedup would refuse it: \(error)" }
            } else if !argument.contains("="), !argument.hasPrefix("-"), !context.makeTargets.contains(argument) {
                return "the Makefile has no target '\(argument)' (it has \(context.makeTargets.sorted().joined(separator: ", ")))"
            }
        }
        return nil
    case "python3", "python":
        guard let script = arguments.first, script.hasSuffix(".py") else { return nil }
        return unknownFlags(Array(arguments.dropFirst()), source: script, context: context)
    default:
        guard program.contains("/") else { return nil }   // git, cd, perf, …: not ours to check
        let name = (program as NSString).lastPathComponent
        if program.hasPrefix(".build") || program.hasPrefix("./") && !program.hasPrefix("./scripts") {
            return problem(withProduct: name, arguments, context: context)
        }
        let path = program.hasPrefix("./") ? String(program.dropFirst(2)) : program
        return FileManager.default.fileExists(atPath: context.root.appendingPathComponent(path).path) ? nil : "\(program) does not exist"
    }
}

/// A product of this package run with `arguments`.
private func problem(withProduct product: String, _ arguments: [String], context: CommandContext) -> String? {
    if product == "speedup" {
        do { try checkSpeedupArguments(arguments) } catch { return "speedup would refuse this command: \(error)" }
        return nil
    }
    let source = "Sources/\(product)/main.swift"
    guard FileManager.default.fileExists(atPath: context.root.appendingPathComponent(source).path) else {
        return "this package has no executable '\(product)' (no \(source))"
    }
    return unknownFlags(arguments, source: source, context: context)
}

private func unknownFlags(_ arguments: [String], source: String, context: CommandContext) -> String? {
    guard let known = context.flags(inSource: source) else { return "\(source) does not exist" }
    let unknown = arguments.filter { $0.hasPrefix("--") }.map { String($0.split(separator: "=")[0]) }.filter { !known.contains($0) }
    return unknown.isEmpty ? nil : "\(source) has no flag \(unknown.joined(separator: ", "))"
}

/// Every flag of every program here: speedup and tune (their usage texts), the executables'
/// sources, the scripts, and the outside tools' flags the lessons name.
private func allFlags(_ context: CommandContext) -> Set<String> {
    var flags = outsideFlags
    for text in [usage, tuneUsage] { flags.formUnion(text.matches(of: /--[a-z][a-z0-9-]*/).map { String($0.output) }) }
    let sources = (try? FileManager.default.contentsOfDirectory(atPath: context.root.appendingPathComponent("Sources").path)) ?? []
    for product in sources { flags.formUnion(context.flags(inSource: "Sources/\(product)/main.swift") ?? []) }
    let scripts = (try? FileManager.default.contentsOfDirectory(atPath: context.root.appendingPathComponent("scripts").path)) ?? []
    for script in scripts { flags.formUnion(context.flags(inSource: "scripts/\(script)") ?? []) }
    return flags
}
