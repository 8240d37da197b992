import Foundation
import Testing
@testable import LessonCheck

@Test func regionsAreDedentedAndNestedMarkersLeftOut() {
    let source = """
        struct S {
            // lesson: outer
            func f() {
                // lesson: inner
                let x = 1
                // end lesson: inner
            }
            // end lesson: outer
        }
        """
    let (found, problems) = regions(in: source, file: "S.swift")
    #expect(problems.isEmpty)
    #expect(found.first { $0.name == "inner" }?.lines == ["let x = 1"])
    #expect(found.first { $0.name == "outer" }?.lines == ["func f() {", "    let x = 1", "}"])
}

@Test func unpairedMarkersAreFindings() {
    let (_, problems) = regions(in: "// lesson: a\nlet x = 1\n// end lesson: b\n", file: "S.swift")
    #expect(problems.count == 2)
}

/// A scratch repository: one source with a region, one lesson showing it.
func scratchRepository(lesson: String, source: String = "func f() {\n    // lesson: body\n    return 1\n    // end lesson: body\n}\n") throws -> URL {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("lesson-check-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: root.appendingPathComponent("lessons"), withIntermediateDirectories: true)
    try FileManager.default.createDirectory(at: root.appendingPathComponent("Sources/S"), withIntermediateDirectories: true)
    try source.write(to: root.appendingPathComponent("Sources/S/S.swift"), atomically: true, encoding: .utf8)
    try lesson.write(to: root.appendingPathComponent("lessons/01.md"), atomically: true, encoding: .utf8)
    try "".write(to: root.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
    try "speedup:\n\tswift run -c release speedup\ntest:\n\tswift test\n".write(to: root.appendingPathComponent("Makefile"), atomically: true, encoding: .utf8)
    return root
}

@Test func aMatchingExcerptPassesAndAChangedLineFails() throws {
    let lesson = "<!-- code: Sources/S/S.swift#body -->\n```swift\nreturn 1\n```\n"
    let good = try scratchRepository(lesson: lesson)
    #expect(checkLessons(CommandContext(root: good, tests: [])).findings.isEmpty)

    // One line changed in the source's region: the lesson no longer matches.
    let changed = try scratchRepository(lesson: lesson, source: "func f() {\n    // lesson: body\n    return 2\n    // end lesson: body\n}\n")
    let findings = checkLessons(CommandContext(root: changed, tests: [])).findings
    #expect(findings.count == 1)
    #expect(findings.first?.file == "lessons/01.md" && findings.first?.line == 3)
    #expect(findings.first?.message.contains("source: return 2") == true)

    // --fix copies the region into the lesson, and then it passes.
    _ = checkLessons(CommandContext(root: changed, tests: []), fix: true)
    #expect(try String(contentsOf: changed.appendingPathComponent("lessons/01.md"), encoding: .utf8).contains("return 2"))
    #expect(checkLessons(CommandContext(root: changed, tests: [])).findings.isEmpty)
}

@Test func codeWithoutASourceOrAMissingRegionFails() throws {
    let unmarked = try scratchRepository(lesson: "```swift\nlet y = 2\n```\n")
    #expect(checkLessons(CommandContext(root: unmarked, tests: [])).findings.count == 1)
    let sketch = try scratchRepository(lesson: "<!-- sketch -->\n```swift\nlet y = 2\n```\n")
    #expect(checkLessons(CommandContext(root: sketch, tests: [])).findings.isEmpty)
    let missing = try scratchRepository(lesson: "<!-- code: Sources/S/S.swift#nothing -->\n```swift\nreturn 1\n```\n")
    #expect(checkLessons(CommandContext(root: missing, tests: [])).findings.first?.message.contains("no region 'nothing'") == true)
}

@Test func commandsAreCheckedAgainstTheRunnerTheTestsAndTheMakefile() throws {
    let lesson = """
        ```sh
        swift run -c release speedup --stages 1,3 --size 512   # fine
        swift run -c release speedup --stagez 1
        swift test --filter Stage1LoopsTests
        swift test --filter NoSuchTests
        make test && make speedup ARGS="--size 64 --format csv"
        make lessons
        make speedup ARGS="--format xml"
        ```
        Then try `swift run -c release speedup --size 0`, and `--max-seconds 600`, but not `--max-secs 6`.
        """
    let root = try scratchRepository(lesson: lesson)
    let findings = checkLessons(CommandContext(root: root, tests: ["Stage1LoopsTests.conformance(_:)"])).findings
    #expect(findings.map(\.line) == [3, 5, 7, 8, 10, 10])
    #expect(findings[0].message.contains("unknown option '--stagez'"))
    #expect(findings[1].message.contains("matches no test"))
    #expect(findings[2].message.contains("no target 'lessons'"))
    #expect(findings[5].message.contains("--max-secs"))
}

@Test func shellLinesSplitIntoCommands() {
    #expect(shellCommands("OPENBLAS_CORETYPE=Haswell swift run speedup --size 8 2>&1 | tail -3 # note")
            == [ShellCommand(words: ["swift", "run", "speedup", "--size", "8"]), ShellCommand(words: ["tail", "-3"])])
    #expect(shellCommands("make speedup ARGS=\"--size 64 --format csv\"") == [ShellCommand(words: ["make", "speedup", "ARGS=--size 64 --format csv"])])
}
