import Foundation
import MatmulCore
import Testing
@testable import Runner
import Stage6GPU
import YourTurn
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A tiny real run: every stage on one small product, in every format.
func smallRun(format: String) -> (status: Int32, output: String, error: String) {
    var output = "", error = ""
    let status = speedupMain(["--size", "16", "--repeat", "1", "--format", format],
                             output: { output += $0 }, error: { error += $0 })
    return (status, output, error)
}

@Test func csvHasTheStableHeaderAndOneRowPerStage() throws {
    let (status, output, error) = smallRun(format: "csv")
    #expect(status == 0)
    let lines = output.split(separator: "\n")
    #expect(lines.first == "workload,shape,stage,name,threads,median_ms,min_ms,gflops,x_loops,x_previous,pct_peak,note")
    #expect(lines.count == 1 + tableEntries(chosenStages(Options())).count)
    let first = lines[1].split(separator: ",", omittingEmptySubsequences: false)
    #expect(first.count == 12)
    #expect(first[0] == "square" && first[1] == "16x16x16" && first[2] == "1" && first[8] == "1.00")
    #expect(error.contains("# peak:"))
}

@Test func jsonParsesAndNamesTheMachine() throws {
    let (status, output, _) = smallRun(format: "json")
    #expect(status == 0)
    let object = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
    let rows = object?["rows"] as? [[String: Any]]
    #expect(rows?.count == tableEntries(chosenStages(Options())).count)
    #expect(rows?.first?["shape"] as? String == "16x16x16")
    #expect((object?["context"] as? [String: Any])?["peak_gflops_per_core"] is Double)
}

@Test func tableAndMarkdownShowEveryStage() {
    for format in ["table", "markdown"] {
        let (status, output, _) = smallRun(format: format)
        #expect(status == 0)
        #expect(output.contains("square: 16×16 · 16×16"))
        // The compact table wraps its legend and footnotes: read them joined.
        let text = output.replacingOccurrences(of: "\n +", with: " ", options: .regularExpression)
        for entry in tableEntries(chosenStages(Options())) {
            switch entry {
            case let .run(stage):
                #expect(text.contains(stage.change))
                // Said once: in the legend of the compact table, on the stage's row in markdown.
                #expect(text.components(separatedBy: stage.change).count == 2, "\(stage.id)")
            case let .skipped(_, _, reason): #expect(text.contains("skipped: \(reason)"))
            }
        }
    }
}

@Test func aStageTooSlowForTheLimitIsSkippedWithANote() {
    var output = ""
    let status = speedupMain(["--stages", "1", "--size", "1024", "--max-seconds", "0.000001", "--format", "csv"],
                             output: { output += $0 }, error: { _ in })
    #expect(status == 0)
    let row = output.split(separator: "\n").last ?? ""
    #expect(row.hasPrefix("square,1024x1024x1024,1,loops,1,,,"))
    #expect(row.contains("skipped: about"))
}

@Test func csvFieldsWithCommasAreQuoted() {
    #expect(csvField("plain") == "plain")
    #expect(csvField("a, b") == "\"a, b\"")
    #expect(csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
}

@Test func medianOfSamples() {
    #expect(Timing(samples: [3, 1, 2]).median == 2)
    #expect(Timing(samples: [4, 1, 3, 2]).median == 2.5)
    #expect(Timing(samples: [4, 1, 3, 2]).minimum == 1)
}

@Test func gpuStagesWithoutTheirBackendFoldIntoOneSkippedLine() {
    let entries = tableEntries(GPUMatmul.allStages)
    let skipped = entries.compactMap { entry -> String? in
        if case let .skipped(ids, name, reason) = entry { return "\(ids) \(name): \(reason)" } else { return nil }
    }
    // Each backend is either run (one entry per stage) or skipped (one entry for all its stages).
    let cuda = GPUMatmul.allStages.filter { $0.api == .cuda }
    let cudaSkipped = skipped.contains { $0.hasPrefix("6a…6tf32 CUDA: ") }
    let cudaRun = entries.filter { if case let .run(stage) = $0 { (stage as? GPUMatmul)?.api == .cuda } else { false } }.count
    #expect(cudaSkipped != (cudaRun == cuda.count))
    #expect(skipped.count <= 2)
}

@Test(.enabled(if: !YourMatmul.isWritten, "your kernel is written: this checks the stub's row"))
func yourKernelRowSaysItIsNotWrittenYet() throws {
    var output = "", error = ""
    let status = speedupMain(["--stages", "1,you", "--size", "8", "--repeat", "1", "--format", "csv"],
                             output: { output += $0 }, error: { error += $0 })
    #expect(status == 0)
    let you = output.split(separator: "\n").last { $0.contains(",you,") }
    #expect(you?.contains("skipped: \(Exercise.ownKernel.notWrittenReason)") == true)
    // The default table leaves the stub out.
    #expect(!chosenStages(Options()).contains { $0.id == "you" })
}

@Test(.enabled(if: YourMatmul.isWritten, "your kernel is not written yet"))
func yourWrittenKernelJoinsTheDefaultTable() {
    #expect(chosenStages(Options()).last?.id == "you")
}

@Test func chartIsOneValidSVGWithBothViews() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("speedup-test-\(getpid()).svg").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    var error = ""
    let status = speedupMain(["--stages", "1,3,4,5", "--size", "16", "--size", "32", "--repeat", "1", "--format", "csv", "--chart", path],
                             output: { _ in }, error: { error += $0 })
    #expect(status == 0, "\(error)")
    let svg = try String(contentsOfFile: path, encoding: .utf8)
    #expect(svg.hasPrefix("<?xml") && svg.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""))
    let document = XMLParser(data: Data(svg.utf8))
    #expect(document.parse(), "the chart is not well-formed XML")
    // View 1: one bar per stage and product (4 stages × 2 sizes); view 2: one line per fast stage.
    #expect(svg.components(separatedBy: "<rect x=").count - 1 == 8)
    #expect(svg.contains("GFLOP/s against the size n") && svg.contains(">16</text>") && svg.contains(">32</text>"))
    #expect(svg.contains("made by: swift run -c release speedup --stages 1,3,4,5"))
}

@Test func chartIntoAMissingFolderIsRefusedBeforeTheRun() {
    var error = ""
    let status = speedupMain(["--size", "16", "--chart", "/no/such/folder/s.svg"], output: { _ in }, error: { error += $0 })
    #expect(status == 2)
    #expect(error.contains("the folder '/no/such/folder' does not exist"))
}

@Test func svgTextIsEscaped() {
    var svg = SVG()
    svg.text("A<B & \"C\"", x: 0, y: 0, size: 10)
    #expect(svg.document(width: 10, height: 10).contains("A&lt;B &amp; &quot;C&quot;"))
    #expect(niceStep(22.4) == 25 && niceStep(3) == 5 && niceStep(100) == 100)
    #expect(wrap("aaa bbb ccc", width: 7) == ["aaa bbb", "    ccc"])
}

@Test func thePeakIsTheFasterWidthAndSaysWhichAndBoth() {
    // An Intel Xeon with two 512-bit FMA units (family 6 model 207), measured on 2026-12-06.
    let twoUnits = Peak(eightLanes: 88.6, sixteenLanes: 177.0)
    #expect(twoUnits.gflops == 177.0 && twoUnits.lanes == 16)
    #expect(twoUnits.method.contains("16-lane vectors 177.0, 8-lane 88.6") && twoUnits.method.hasSuffix("the peak is the 16-lane rate"))
    // AVX2 only (16 lanes are two 8-lane halves), or AVX-512 split into 256-bit halves: the same rate.
    let avx2 = Peak(eightLanes: 100.0, sixteenLanes: 98.0)
    #expect(avx2.gflops == 100.0 && avx2.lanes == 8 && avx2.method.hasSuffix("the peak is the higher"))
}
