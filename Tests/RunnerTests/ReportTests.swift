import Foundation
import Testing
@testable import Runner
import Stage6GPU

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
    #expect(lines.count == 1 + tableEntries(allStages(threads: 1)).count)
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
    #expect(rows?.count == tableEntries(allStages(threads: 1)).count)
    #expect(rows?.first?["shape"] as? String == "16x16x16")
    #expect((object?["context"] as? [String: Any])?["peak_gflops_per_core"] is Double)
}

@Test func tableAndMarkdownShowEveryStage() {
    for format in ["table", "markdown"] {
        let (status, output, _) = smallRun(format: format)
        #expect(status == 0)
        #expect(output.contains("square: 16×16 · 16×16"))
        for entry in tableEntries(allStages(threads: 1)) {
            switch entry {
            case let .run(stage): #expect(output.contains(stage.change))
            case let .skipped(_, _, reason): #expect(output.contains("skipped: \(reason)"))
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
    let entries = tableEntries(gpuStages)
    let skipped = entries.compactMap { entry -> String? in
        if case let .skipped(ids, name, reason) = entry { return "\(ids) \(name): \(reason)" } else { return nil }
    }
    // Each backend is either run (one entry per stage) or skipped (one entry for all its stages).
    let cuda = gpuStages.filter { ($0 as? GPUMatmul)?.api == .cuda }
    let cudaSkipped = skipped.contains { $0.hasPrefix("6a…6cublas CUDA: ") }
    let cudaRun = entries.filter { if case let .run(stage) = $0 { (stage as? GPUMatmul)?.api == .cuda } else { false } }.count
    #expect(cudaSkipped != (cudaRun == cuda.count))
    #expect(skipped.count <= 2)
}
