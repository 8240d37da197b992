// lesson-check: the lessons cannot drift from the code. CI runs it (`make check-lessons`).
//
// It fails (exit 1) when a lesson's code excerpt no longer matches the marked region of the source
// it names, or when a command a lesson tells the reader to run does not exist: a flag the runner
// lacks, a `swift test --filter` that matches no test, a make target or file that is not there.
// How excerpts are marked: Sources/LessonCheck/Excerpts.swift.

import Foundation
import LessonCheck
import MatmulCore
import Runner

let usage = """
    usage: swift run lesson-check [--fix] [--test-list FILE]

    Checks lessons/*.md and README.md against the code: every excerpt against its marked region,
    every command against the program it runs. Exit 0 when they agree, 1 when not, 2 on bad usage.

      --fix              copy each marked region into the lesson that shows it, then check the rest
      --test-list FILE   the output of `swift test list`, to check --filter patterns against;
                         without it, lesson-check runs `swift test list` itself
    """

var fix = false
var testList: String?
do {
    var reader = ArgumentReader(Array(CommandLine.arguments.dropFirst()))
    while let flag = try reader.next() {
        switch flag {
        case "--fix": fix = true
        case "--test-list": testList = try reader.value()
        case "--help", "-h":
            print(usage)
            exit(0)
        default: throw UsageError(message: "unknown option '\(flag)'")
        }
    }
} catch {
    FileHandle.standardError.write(Data("lesson-check: \(error)\n\(usage)\n".utf8))
    exit(2)
}

/// The test identifiers, one a line, as `swift test list` prints them.
@MainActor func listTests() -> [String]? {
    if let testList {
        let text: String
        do { text = try readTextFile(testList) } catch {
            FileHandle.standardError.write(Data("lesson-check: --test-list: \(error)\n".utf8))
            exit(2)
        }
        return text.split(separator: "\n").map(String.init)
    }
    print("lesson-check: running `swift test list` (builds the tests the first time)…")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["swift", "test", "list"]
    let pipe = Pipe()
    process.standardOutput = pipe
    do { try process.run() } catch { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        FileHandle.standardError.write(Data("lesson-check: `swift test list` failed; --filter patterns are not checked\n".utf8))
        exit(1)
    }
    return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
}

let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
guard FileManager.default.fileExists(atPath: root.appendingPathComponent("lessons").path) else {
    FileHandle.standardError.write(Data("lesson-check: run it from the repository root (no lessons/ here)\n".utf8))
    exit(2)
}
let tests = listTests()
let (findings, notes) = checkLessons(CommandContext(root: root, tests: tests), fix: fix)
for note in notes { print("note: \(note)") }
for finding in findings { print(finding) }
let files = lessonFiles(root: root).count
print(findings.isEmpty
      ? "lesson-check: \(files) files agree with the code (\(tests?.count ?? 0) tests listed)"
      : "lesson-check: \(findings.count) problem\(findings.count == 1 ? "" : "s") in the lessons")
exit(findings.isEmpty ? 0 : 1)
