import Foundation
import Testing
@testable import Runner

/// A chart of three square sizes (so view 2 has lines) from the table tests' rows.
func fixtureChart() -> (svg: SVG, height: Double) {
    let rows = [250, 500, 1000].flatMap { n in fixtureRows(product: "\(n)×\(n) · \(n)×\(n)", n: n) }
    return drawChart(rows, context: fixtureContext, command: "swift run -c release speedup --chart speedup.svg")
}

@Test func eachStageHasOneColourInBothViewsAndNoTwoStagesShareOne() {
    let (svg, _) = fixtureChart()
    var colors: [String: Set<String>] = [:]
    for (stage, color) in svg.stageColors { colors[stage, default: []].insert(color) }
    for (stage, set) in colors { #expect(set.count == 1, "stage \(stage) is drawn in \(set.sorted())") }
    let used = colors.values.compactMap(\.first)
    #expect(Set(used).count == used.count, "two stages share a colour: \(colors)")
    // Stages 4 and 5 are in both views: a bar in each panel, a line and its markers in view 2.
    #expect(svg.stageColors.filter { $0.stage == "5" }.count == 3 + 1 + 3)
}

@Test func noTwoLabelsOverlap() {
    let (svg, height) = fixtureChart()
    let texts = svg.texts
    for i in texts.indices {
        #expect(texts[i].box.left >= 0 && texts[i].box.right <= chartWidth && texts[i].box.bottom <= height,
                "'\(texts[i].text)' leaves the chart")
        for j in texts.indices where j > i {
            #expect(!texts[i].box.intersects(texts[j].box), "'\(texts[i].text)' overlaps '\(texts[j].text)'")
        }
    }
}

@Test func viewTwoSaysWhichRowsItDrawsAndTheAxesHaveTitles() {
    let (svg, _) = fixtureChart()
    let lines = sizeLines([250, 500, 1000].flatMap { n in fixtureRows(product: "\(n)", n: n) }, peak: fixtureContext.peakGFLOPSPerCore)
    let caption = svg.texts.map(\.text).joined(separator: " ")
    for line in lines { #expect(caption.contains(line.label)) }
    #expect(lines.map(\.stage) == ["3", "4", "5", "6d.cl", "you"])
    // What view 2 leaves out is named from the rows: here 4b (a lesson step) and 6d.cl+copies.
    #expect(caption.contains("without 4b, 6d.cl+copies (lesson steps and kernels timed again with their copies"))
    #expect(caption.contains("GFLOP/s (log scale)") && caption.contains("size n of the n×n · n×n product"))
    // Your kernel's label is its name, not "you your kernel"; a skipped row says why, in short.
    #expect(caption.contains("your kernel") && !caption.contains("you your kernel"))
    #expect(caption.contains("skipped: no CUDA driver"))
}

@Test func thePeakLineIsDrawnBeforeTheLabelsOverIt() {
    let document = renderChart(fixtureRows(), context: fixtureContext, command: "speedup")
    let peak = document.range(of: "stroke-dasharray")!.lowerBound
    let firstValue = document.range(of: "paint-order=\"stroke\"")!.lowerBound
    #expect(peak < firstValue)
}

/// rsvg-convert, from Debian's librsvg2-bin (scripts/install-deps.sh installs it).
let rsvgConvert = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert"].first { FileManager.default.isExecutableFile(atPath: $0) }

@Test("The chart renders to a PNG (a broken SVG fails here)",
      .enabled(if: rsvgConvert != nil || ProcessInfo.processInfo.environment["CI"] != nil,
               "no rsvg-convert: sudo apt-get install librsvg2-bin"))
func chartRendersToPNG() throws {
    let converter = try #require(rsvgConvert, "CI installs librsvg2-bin (scripts/install-deps.sh)")
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chart-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let svg = folder.appendingPathComponent("chart.svg").path, png = folder.appendingPathComponent("chart.png").path
    let (chart, height) = fixtureChart()
    try chart.document(width: chartWidth, height: height).write(toFile: svg, atomically: true, encoding: .utf8)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: converter)
    process.arguments = ["--output", png, svg]
    let errors = Pipe()
    process.standardError = errors
    try process.run()
    let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(message)")
    let bytes = try Data(contentsOf: URL(fileURLWithPath: png))
    #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]))   // "\x89PNG"
    // Its size is the chart's: width 1000, height as drawn (big-endian, at bytes 16 and 20).
    let width = bytes[16..<20].reduce(0) { $0 << 8 | Int($1) }, tall = bytes[20..<24].reduce(0) { $0 << 8 | Int($1) }
    #expect(width == Int(chartWidth) && tall == Int(height.rounded()))
}

@Test func aRunFileReadsBackIntoTheRowsThatWroteIt() throws {
    var rows = fixtureRows()
    rows[3].xPrevious = 2.5
    rows[3].comparedWith = "3"
    rows[3].samples = 9
    let text = renderRunFile(rows, context: fixtureContext, command: "swift run -c release speedup --size 1000",
                             commit: "abc", timing: "median")
    let run = try RunFile(text)
    let (back, context) = try run.report()
    #expect(run.command == "swift run -c release speedup --size 1000")
    #expect(back.map(\.stage) == rows.map(\.stage) && back.map(\.shape) == rows.map(\.shape))
    #expect(back.map(\.threads) == rows.map(\.threads) && back.map(\.note) == rows.map(\.note))
    #expect(back[3].comparedWith == "3" && back[3].xPrevious == 2.5 && back[3].samples == 9)
    #expect(zip(back, rows).allSatisfy { abs(($0.medianMs ?? 0) - ($1.medianMs ?? 0)) < 1e-6 && ($0.medianMs == nil) == ($1.medianMs == nil) })
    #expect(context.cpu == fixtureContext.cpu && context.cores == 2 && context.date == "2026-11-22")
    #expect(context.peakGFLOPSPerCore == 108.6 && context.sources == fixtureContext.sources)
}

@Test func speedupChartDrawsARunFileAndRefusesWhatItCannotRead() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chart-run-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let runPath = folder.appendingPathComponent("run.csv").path, svgPath = folder.appendingPathComponent("run.svg").path
    try renderRunFile(fixtureRows(), context: fixtureContext, command: "speedup --size 1000", commit: "abc", timing: "median")
        .write(toFile: runPath, atomically: true, encoding: .utf8)
    var error = ""
    #expect(speedupMain(["chart", runPath, svgPath], output: { _ in }, error: { error += $0 }) == 0, "\(error)")
    let svg = try String(contentsOfFile: svgPath, encoding: .utf8)
    #expect(svg.contains("made by: speedup --size 1000") && svg.contains("6d.cl register tiles"))
    // Usage errors exit 2; a file that is no run file exits 1, and no SVG is written for it.
    #expect(speedupMain(["chart", runPath], output: { _ in }, error: { _ in }) == 2)
    #expect(speedupMain(["chart", runPath, "/no/such/folder/x.svg"], output: { _ in }, error: { _ in }) == 2)
    let notARun = folder.appendingPathComponent("notes.txt").path
    try "just some words\n".write(toFile: notARun, atomically: true, encoding: .utf8)
    error = ""
    #expect(speedupMain(["chart", notARun, folder.appendingPathComponent("no.svg").path], output: { _ in }, error: { error += $0 }) == 1)
    #expect(error.contains("no 'workload' column"))
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("no.svg").path))
}
