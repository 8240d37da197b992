// Lessons that cannot drift, part 1: code shown in a lesson is a marked region of the source.
//
// In a source file, a region is the lines between two marker comments:
//
//     // lesson: NAME
//     …the code the lesson shows…
//     // end lesson: NAME
//
// (inside a GPU kernel, which is C in a Swift string, the same comments work). In a lesson, the
// line before a fenced code block names the region it shows:
//
//     <!-- code: Sources/Stage1Loops/LoopsMatmul.swift#multiply -->
//
// The block must equal the region, with the region's common indentation removed. Every other
// block says what it is on the line before it: `<!-- sketch -->` (code written for the lesson,
// not from this repository) or `<!-- output -->` (what a program prints); shell blocks (```sh)
// need no mark, their commands are checked instead (Commands.swift).

import Foundation

/// One problem the check found, at a file and line a reader can open.
public struct Finding: CustomStringConvertible, Equatable, Sendable {
    public let file: String
    public let line: Int
    public let message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { "\(file):\(line): \(message)" }
}

/// A marked region of a source file.
public struct Region: Equatable, Sendable {
    public let name: String
    /// The 1-based line of the `// lesson: NAME` marker.
    public let line: Int
    /// The region's lines, common indentation removed; other regions' marker lines left out.
    public let lines: [String]
}

/// The regions marked in `text`, and any marker that does not pair up.
public func regions(in text: String, file: String) -> (regions: [Region], findings: [Finding]) {
    var regions: [Region] = []
    var findings: [Finding] = []
    var open: [(name: String, line: Int, lines: [String])] = []
    for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        let line = String(raw)
        if let name = marker(line, "// lesson:") {
            if open.contains(where: { $0.name == name }) || regions.contains(where: { $0.name == name }) {
                findings.append(Finding(file: file, line: index + 1, message: "a second region named '\(name)' in this file"))
            }
            open.append((name, index + 1, []))
            continue
        }
        if let name = marker(line, "// end lesson:") {
            guard let position = open.lastIndex(where: { $0.name == name }) else {
                findings.append(Finding(file: file, line: index + 1, message: "'// end lesson: \(name)' without its '// lesson: \(name)'"))
                continue
            }
            let region = open.remove(at: position)
            regions.append(Region(name: name, line: region.line, lines: dedent(region.lines)))
            continue
        }
        for position in open.indices { open[position].lines.append(line) }
    }
    for region in open {
        findings.append(Finding(file: file, line: region.line, message: "'// lesson: \(region.name)' is never closed by '// end lesson: \(region.name)'"))
    }
    return (regions, findings)
}

/// "NAME" when `line`, trimmed, is `prefix NAME`.
private func marker(_ line: String, _ prefix: String) -> String? {
    let trimmed = line.trimmingCharacters(in: .whitespaces)
    guard trimmed.hasPrefix(prefix) else { return nil }
    let name = trimmed.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
    return name.isEmpty ? nil : name
}

/// `lines` with the indentation they all share removed; blank lines become empty.
func dedent(_ lines: [String]) -> [String] {
    let indents = lines.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map { $0.prefix { $0 == " " }.count }
    let common = indents.min() ?? 0
    return lines.map { $0.trimmingCharacters(in: .whitespaces).isEmpty ? "" : String($0.dropFirst(common)) }
}

/// Where a lesson's block comes from: `code: PATH#NAME`.
struct ExcerptSource: Equatable {
    let path: String
    let region: String

    init?(_ annotation: String?) {
        guard let annotation, annotation.hasPrefix("code:") else { return nil }
        let target = annotation.dropFirst(5).trimmingCharacters(in: .whitespaces)
        let parts = target.split(separator: "#", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        (path, region) = (parts[0], parts[1])
    }
}

/// Whether `path` is one the learner edits: an exercise file or their own kernel in Sources/YourTurn.
func isLearnersFile(_ path: String) -> Bool {
    guard path.hasPrefix("Sources/YourTurn/") else { return false }
    let name = String(path.dropFirst("Sources/YourTurn/".count))
    return name == "YourMatmul.swift" || (name.hasPrefix("Exercise") && name.dropFirst("Exercise".count).first?.isNumber == true)
}

/// What the line before a block may say it is, besides `code: PATH#NAME`.
let blockKinds: Set<String> = ["sketch", "output"]

/// Checks every code block of one markdown file against the sources under `root`.
///
/// - Parameters:
///   - fix: when true, blocks that differ from their region are rewritten from it; the returned
///     text is the corrected file.
/// - Returns: the findings, the regions used (as "path#name"), and the file's text after any fix.
func checkExcerpts(markdown text: String, file: String, root: URL, fix: Bool)
    -> (findings: [Finding], used: Set<String>, fixed: String) {
    var findings: [Finding] = []
    var used = Set<String>()
    let markdown = MarkdownFile(text)
    var lines = markdown.lines
    for line in markdown.unclosedFences {
        findings.append(Finding(file: file, line: line, message:
            "this code fence is never closed: everything after it would be read as code (close it with the same fence)"))
    }
    // Apply fixes from the bottom up so earlier line numbers stay right.
    for block in markdown.blocks.reversed() {
        guard let source = ExcerptSource(block.annotation) else {
            if block.annotation?.hasPrefix("code:") == true {
                findings.append(Finding(file: file, line: block.line - 1, message: "write the source as <!-- code: PATH#REGION -->"))
            } else if !block.fenced, !blockKinds.contains(block.annotation ?? "") {
                findings.append(Finding(file: file, line: block.line, message:
                    "an indented code block: fence it (```sh for commands, which are then checked), or put "
                    + "<!-- code: PATH#REGION -->, <!-- sketch --> or <!-- output --> on the line before it"))
            } else if block.fenced, !shellLanguages.contains(block.language), !blockKinds.contains(block.annotation ?? "") {
                let what = block.language.isEmpty ? "a code block with no language" : "a \(block.language) block"
                findings.append(Finding(file: file, line: block.line, message:
                    "\(what) that says neither where it comes from nor what it is: put <!-- code: PATH#REGION --> on the line "
                    + "before it (and mark the region in the source), <!-- sketch --> if it is not code from this repository, "
                    + "or <!-- output --> if it is what a program prints"))
            }
            continue
        }
        used.insert("\(source.path)#\(source.region)")
        if isLearnersFile(source.path) {
            findings.append(Finding(file: file, line: block.line - 1, message:
                "\(source.path) is the learner's to rewrite: an excerpt of it would break (and --fix would copy their code "
                + "into the lesson) once they write it. Show the stage's own code, or the stub as a <!-- sketch -->"))
            continue
        }
        let url = root.appendingPathComponent(source.path)
        guard let sourceText = try? String(contentsOf: url, encoding: .utf8) else {
            findings.append(Finding(file: file, line: block.line - 1, message: "\(source.path) does not exist"))
            continue
        }
        guard let region = regions(in: sourceText, file: source.path).regions.first(where: { $0.name == source.region }) else {
            findings.append(Finding(file: file, line: block.line - 1, message:
                "\(source.path) has no region '\(source.region)' (mark it with // lesson: \(source.region) … // end lesson: \(source.region))"))
            continue
        }
        guard block.lines != region.lines else { continue }
        if fix {
            let first = block.fenced ? block.line : block.line - 1
            lines.replaceSubrange(first..<(first + block.lines.count),
                                  with: region.lines.map { $0.isEmpty ? "" : block.indent + $0 })
            continue
        }
        let common = min(block.lines.count, region.lines.count)
        let firstDifference = (0..<common).first { block.lines[$0] != region.lines[$0] } ?? common
        let shown = firstDifference < block.lines.count ? block.lines[firstDifference] : "(the block ends here)"
        let actual = firstDifference < region.lines.count ? region.lines[firstDifference] : "(the region ends here)"
        findings.append(Finding(file: file, line: block.line + (block.fenced ? 1 : 0) + firstDifference, message: """
            this excerpt no longer matches \(source.path)#\(source.region) (region at line \(region.line)):
                lesson: \(shown)
                source: \(actual)
              `swift run lesson-check --fix` copies the source into the lesson; then reread the prose around it
            """))
    }
    return (findings.reversed(), used, lines.joined(separator: "\n"))
}
