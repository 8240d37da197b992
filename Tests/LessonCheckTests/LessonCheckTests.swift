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

@Test func theLearnersFilesCannotBeExcerptedNorFixedIntoALesson() throws {
    let root = try scratchRepository(lesson: "<!-- code: Sources/YourTurn/Exercise3Broadcast.swift#stub -->\n```swift\nthrow X\n```\n")
    try FileManager.default.createDirectory(at: root.appendingPathComponent("Sources/YourTurn"), withIntermediateDirectories: true)
    try "// lesson: stub\nlearner's code\n// end lesson: stub\n".write(
        to: root.appendingPathComponent("Sources/YourTurn/Exercise3Broadcast.swift"), atomically: true, encoding: .utf8)
    let findings = checkLessons(CommandContext(root: root, tests: []), fix: true).findings
    #expect(findings.count == 1 && findings.first?.message.contains("the learner's to rewrite") == true)
    #expect(try String(contentsOf: root.appendingPathComponent("lessons/01.md"), encoding: .utf8).contains("throw X"))
    #expect(isLearnersFile("Sources/YourTurn/YourMatmul.swift") && !isLearnersFile("Sources/YourTurn/Exercises.swift"))
}

@Test func imagesMustExistAndSayWhatTheyShow() throws {
    let root = try scratchRepository(lesson: "![the loops](../docs/figures/loops.svg)\n\n![](../docs/figures/loops.svg) and ![tiles](../docs/tiles.svg)\n")
    var findings = checkLessons(CommandContext(root: root, tests: [])).findings
    #expect(findings.count == 4)   // three images missing, one without a description
    try FileManager.default.createDirectory(at: root.appendingPathComponent("docs/figures"), withIntermediateDirectories: true)
    try "<svg/>".write(to: root.appendingPathComponent("docs/figures/loops.svg"), atomically: true, encoding: .utf8)
    findings = checkLessons(CommandContext(root: root, tests: [])).findings
    #expect(findings.map(\.message).sorted() == ["the image ../docs/figures/loops.svg has no description: say what it shows between ![ and ]",
                                                 "the image ../docs/tiles.svg does not exist (looked for lessons/../docs/tiles.svg)"])
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
            == [ShellCommand(words: ["swift", "run", "speedup", "--size", "8"], environment: ["OPENBLAS_CORETYPE"]),
                ShellCommand(words: ["tail", "-3"])])
    #expect(shellCommands("make speedup ARGS=\"--size 64 --format csv\"") == [ShellCommand(words: ["make", "speedup", "ARGS=--size 64 --format csv"])])
}

// MARK: - Every block is checked, whatever its fence

@Test func everyKindOfBlockIsSeen() throws {
    // ```Swift, a plain fence, a tilde fence, a fence indented in a list, an indented block:
    // each is code with no source, so each is a finding.
    let lesson = """
        ```Swift
        let a = 1
        ```

        ```
        let b = 2
        ```

        ~~~swift
        let c = 3
        ~~~

        - a list item:

          ```swift
          let d = 4
          ```

        A paragraph.

            let e = 5

        <!-- output -->
        ```text
        what a program prints
        ```
        """
    let root = try scratchRepository(lesson: lesson)
    let findings = checkLessons(CommandContext(root: root, tests: [])).findings
    #expect(findings.map(\.line) == [1, 5, 9, 15, 21])
    #expect(findings.last?.message.contains("indented code block") == true)
}

@Test func anUnclosedFenceIsAnErrorAndCannotHideAChangedExcerpt() throws {
    // The ```text fence is never closed. Read in pairs, its "closing" fence would be the excerpt's
    // opening one, and the altered excerpt would pass unseen; read to the next plain fence, the
    // excerpt would be hidden inside it.
    let lesson = "```text\nsome output\n\n<!-- code: Sources/S/S.swift#body -->\n```swift\nreturn 99\n```\n"
    let root = try scratchRepository(lesson: lesson)
    let findings = checkLessons(CommandContext(root: root, tests: [])).findings
    #expect(findings.contains { $0.line == 1 && $0.message.contains("never closed") })
    #expect(findings.contains { $0.message.contains("no longer matches") })
}

@Test func excerptsInListItemsAreComparedAndFixedWithTheirIndentation() throws {
    let lesson = "- see:\n\n  <!-- code: Sources/S/S.swift#body -->\n  ```swift\n  return 2\n  ```\n"
    let root = try scratchRepository(lesson: lesson)
    #expect(checkLessons(CommandContext(root: root, tests: [])).findings.count == 1)
    _ = checkLessons(CommandContext(root: root, tests: []), fix: true)
    #expect(try String(contentsOf: root.appendingPathComponent("lessons/01.md"), encoding: .utf8).contains("\n  return 1\n  ```"))
    #expect(checkLessons(CommandContext(root: root, tests: [])).findings.isEmpty)
}

// MARK: - Commands wherever they are

@Test func commandsInEveryShellAndInlineAreChecked() throws {
    let lesson = """
        ```zsh
        swift run -c release speedup --stagez 1
        ```

        1. a step:

           ```sh
           swift run -c release speedup --size -5
           ```

        Run `speedup --format xml`, or `--size -5`, or `--size 500 --repeat 3` (fine), or
        `OPENBLAS_CORETYP=Haswell swift run -c release speedup --stages 5` and
        `OPENBLAS_CORETYPE=Haswell swift run -c release speedup --stages 5` (fine).

        ```sh
        swift run -c release speedup --blocks 9223372036854775807,1,1
        ```
        """
    let root = try scratchRepository(lesson: lesson)
    let findings = checkLessons(CommandContext(root: root, tests: [])).findings
    #expect(findings.map(\.line) == [2, 8, 11, 11, 12, 16])
    #expect(findings[1].message.contains("--size takes a whole number"))
    #expect(findings[4].message.contains("OPENBLAS_CORETYP"))
    #expect(findings[5].message.contains("block sizes must be from 1"))
}

// MARK: - Tables and numbers come from run files

/// A scratch repository with a run file of two stages on one product.
func scratchWithRun(lesson: String) throws -> URL {
    let root = try scratchRepository(lesson: lesson)
    try FileManager.default.createDirectory(at: root.appendingPathComponent("docs/runs"), withIntermediateDirectories: true)
    let run = """
        # command: swift run -c release speedup --stages 1,3 --size 100
        workload,shape,stage,name,threads,median_ms,min_ms,gflops,x_loops,x_previous,pct_peak,note,max_ms,samples,gb_per_s
        square,100x100x100,1,loops,1,1.2358,1.1908,1.618,1.00,,1.5,,1.2596,4,0.097
        square,100x100x100,3,broadcast,1,0.1154,0.1151,17.330,10.71,10.71,15.8,"a, note",0.1225,4,1.040

        """
    try run.write(to: root.appendingPathComponent("docs/runs/r.csv"), atomically: true, encoding: .utf8)
    return root
}

let markedTable = """
    <!-- run: docs/runs/r.csv; rows: stage=1,3; columns: stage, name, median_ms, range_ms, gflops, x_loops, pct_peak -->
    | stage | name | median ms | min–max ms | GFLOP/s | × loops | % peak |
    |---|---|---:|---:|---:|---:|---:|
    | 1 | loops | 1.236 | 1.191–1.260 | 1.62 | 1.0× | 1.5% |
    | 3 | broadcast | 0.1154 | 0.1151–0.1225 | 17.3 | 10.7× | 15.8% |

    Stage 3 takes 0.1154 ms, 10.7× the loops (1.0–10.7×), at 17.3 GFLOP/s.
    """

@Test func aTableEqualToItsRunPassesAndOneChangedDigitFails() throws {
    let root = try scratchWithRun(lesson: markedTable)
    #expect(checkLessons(CommandContext(root: root, tests: [])).findings.isEmpty)

    let changed = try scratchWithRun(lesson: markedTable.replacingOccurrences(of: "| 17.3 |", with: "| 17.4 |"))
    let findings = checkLessons(CommandContext(root: changed, tests: [])).findings
    #expect(findings.map(\.line) == [5])
    #expect(findings.first?.message.contains("not what docs/runs/r.csv holds") == true)

    // --fix regenerates the table from the run file.
    _ = checkLessons(CommandContext(root: changed, tests: []), fix: true)
    #expect(checkLessons(CommandContext(root: changed, tests: [])).findings.isEmpty)
}

@Test func aNumberInTheProseNextToARunMustBeInIt() throws {
    let wrong = markedTable.replacingOccurrences(of: "at 17.3 GFLOP/s", with: "at 19.3 GFLOP/s")
    let findings = checkLessons(CommandContext(root: try scratchWithRun(lesson: wrong), tests: [])).findings
    #expect(findings.map(\.line) == [7])
    #expect(findings.first?.message.contains("19.3GFLOP/s is not a number of docs/runs/r.csv") == true)
    // A ratio of two medians of one product counts as in the run.
    let ratio = "<!-- numbers: docs/runs/r.csv -->\nStage 3 is 10.7× faster; 1.236/0.1154 = 10.71×, not 12×.\n"
    let ratioFindings = checkLessons(CommandContext(root: try scratchWithRun(lesson: ratio), tests: [])).findings
    #expect(ratioFindings.map { $0.message.prefix(3) } == ["12×"])
}

@Test func aTableOfMeasurementsWithoutARunFails() throws {
    let lesson = "| stage | median ms |\n|---|---:|\n| 1 | 4.0 |\n\n| id | what |\n|---|---|\n| 4a | tiles |\n"
    let findings = checkLessons(CommandContext(root: try scratchRepository(lesson: lesson), tests: [])).findings
    #expect(findings.map(\.line) == [1])
}

@Test func quotedNumbersAreReadWithTheirUnits() {
    #expect(quotedNumbers(in: "23.1 ms, 93.0 GFLOP/s, 1.6–1.9× and 89.7%; a 1000×1000 product; `--size 512`").map(\.text)
            == ["23.1ms", "93.0GFLOP/s", "1.6×", "1.9×", "89.7%"])
}

// MARK: - Never a crash

@Test func mangledLessonsGiveFindingsNotCrashes() throws {
    // The real lessons, cut and spliced at random with the characters markdown and the shell care
    // about: whatever comes out, lesson-check must report, not trap.
    let lessons = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../lessons")
    let texts = try FileManager.default.contentsOfDirectory(atPath: lessons.path).filter { $0.hasSuffix(".md") }.sorted()
        .map { try String(contentsOf: lessons.appendingPathComponent($0), encoding: .utf8) }
    #expect(texts.count >= 8)
    let pieces = ["```", "~~~", "    ", "<!-- run: docs/runs/r.csv; pivot: median_ms -->", "<!-- numbers: x -->", "|", "`",
                  "<!-- code: Sources/S/S.swift#body -->", "--size -5 ", "--blocks 9223372036854775807,1,1", "OPENBLAS_X=1 ",
                  "\n", "\\", "\"", "'", "12.5×", "1.0–", "<!-- run: ; rows: a -->", "<!-- run: docs/runs/r.csv; columns: nope -->"]
    var generator = SplitMix(state: 2026)
    for round in 0..<24 {
        var text = Array(texts[round % texts.count])
        for _ in 0..<40 {
            let at = Int.random(in: 0...text.count, using: &generator)
            if Bool.random(using: &generator), at < text.count {
                text.removeSubrange(at..<min(text.count, at + Int.random(in: 1...80, using: &generator)))
            } else {
                text.insert(contentsOf: pieces.randomElement(using: &generator)!, at: at)
            }
        }
        let root = try scratchWithRun(lesson: String(text))
        _ = checkLessons(CommandContext(root: root, tests: []))
        _ = checkLessons(CommandContext(root: root, tests: []), fix: true)
    }
}

/// A seeded generator, so a failure found by the mangling test is found again.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
