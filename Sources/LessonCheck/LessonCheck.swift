import Foundation

/// The markdown files the check reads: every lesson and the README.
public func lessonFiles(root: URL) -> [String] {
    let lessons = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("lessons").path)) ?? []
    return lessons.filter { $0.hasSuffix(".md") }.sorted().map { "lessons/\($0)" } + ["README.md"]
}

/// The whole check: excerpts against the sources, commands against the programs, tables and the
/// numbers quoted beside them against their run files.
///
/// - Parameter fix: rewrite excerpts that differ from their regions, and tables that differ from
///   their run files, instead of reporting them.
/// - Returns: what is wrong (empty when the lessons agree with the code), and notes: regions no
///   lesson shows, files rewritten by `fix`.
public func checkLessons(_ context: CommandContext, fix: Bool = false) -> (findings: [Finding], notes: [String]) {
    var findings: [Finding] = []
    var notes: [String] = []
    var used = Set<String>()
    for file in lessonFiles(root: context.root) {
        let url = context.root.appendingPathComponent(file)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            findings.append(Finding(file: file, line: 1, message: "cannot read this file"))
            continue
        }
        let excerpts = checkExcerpts(markdown: text, file: file, root: context.root, fix: fix)
        findings += excerpts.findings
        used.formUnion(excerpts.used)
        let tables = checkRunTables(markdown: excerpts.fixed, file: file, root: context.root, fix: fix)
        findings += tables.findings
        if fix, tables.fixed != text {
            do {
                try tables.fixed.write(to: url, atomically: true, encoding: .utf8)
                notes.append("rewrote the excerpts and run tables in \(file) from the sources and run files")
            } catch {
                findings.append(Finding(file: file, line: 1, message: "cannot write the fixed file: \(error)"))
            }
        }
        findings += checkImages(markdown: text, file: file, root: context.root)
        for (line, command) in commands(inMarkdown: text) {
            if let reason = problem(with: command, context: context) {
                findings.append(Finding(file: file, line: line, message: "`\(command)`: \(reason)"))
            }
        }
    }
    // Every marked region in the sources: well formed, and (a note only) shown somewhere.
    for file in swiftSources(root: context.root) {
        guard let text = try? String(contentsOf: context.root.appendingPathComponent(file), encoding: .utf8) else { continue }
        let (regions, problems) = regions(in: text, file: file)
        findings += problems
        for region in regions where !used.contains("\(file)#\(region.name)") {
            notes.append("\(file)#\(region.name) (line \(region.line)) is marked but no lesson shows it")
        }
    }
    return (findings, notes)
}

/// Every .swift file under Sources/, as a path from the root.
func swiftSources(root: URL) -> [String] {
    let sources = root.appendingPathComponent("Sources")
    guard let walker = FileManager.default.enumerator(atPath: sources.path) else { return [] }
    return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }.sorted().map { "Sources/\($0)" }
}

/// Every image a markdown file shows (`![what it shows](path)`) has a description and exists:
/// the figures in docs/ are part of the lessons.
func checkImages(markdown text: String, file: String, root: URL) -> [Finding] {
    var findings: [Finding] = []
    let folder = (file as NSString).deletingLastPathComponent
    for (index, line) in text.components(separatedBy: "\n").enumerated() {
        var rest = Substring(line)
        while let start = rest.range(of: "![") {
            rest = rest[start.upperBound...]
            guard let close = rest.range(of: "]("), let end = rest[close.upperBound...].firstIndex(of: ")") else { break }
            let alt = rest[..<close.lowerBound], target = String(rest[close.upperBound..<end])
            rest = rest[end...]
            if alt.trimmingCharacters(in: .whitespaces).isEmpty {
                findings.append(Finding(file: file, line: index + 1, message: "the image \(target) has no description: say what it shows between ![ and ]"))
            }
            guard !target.contains("://") else { continue }
            let path = (folder as NSString).appendingPathComponent(target)
            if !FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path) {
                findings.append(Finding(file: file, line: index + 1, message: "the image \(target) does not exist (looked for \(path))"))
            }
        }
    }
    return findings
}
