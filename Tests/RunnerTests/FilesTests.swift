import Foundation
import MatmulCore
import Testing
@testable import Runner

/// A fresh folder for one test, removed by the caller's `defer`.
func scratchFolder(_ name: String) throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("files-\(name)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder
}

/// Output that is not a regular file: a symbolic link, a FIFO, a device, a folder.
func nonRegularTargets(in folder: String) throws -> (link: String, linked: String, fifo: String, targets: [String]) {
    let linked = folder + "/linked.txt"
    try "keep me\n".write(toFile: linked, atomically: false, encoding: .utf8)
    let link = folder + "/link.svg"
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: linked)
    let fifo = folder + "/fifo"
    #expect(mkfifo(fifo, 0o644) == 0)
    return (link, linked, fifo, [link, fifo, "/dev/null", folder])
}

@Test func outputIsRefusedBeforeTheRunUnlessItIsARegularFileOrNew() throws {
    let folder = try scratchFolder("refused")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let (_, linked, fifo, targets) = try nonRegularTargets(in: folder)
    for target in targets + ["/no/such/folder/x.svg", "/proc/x.svg"] {
        #expect(throws: UsageError.self, "\(target)") { try OutputFile(path: target, flag: "--chart") }
        for flag in ["--chart", "--record"] {
            var output = "", error = ""
            let status = speedupMain([flag, target, "--stages", "1", "--size", "8"], output: { output += $0 }, error: { error += $0 })
            // A usage error, before anything was timed (no table, no progress).
            #expect(status == 2, "\(flag) \(target): \(error)")
            #expect(output.isEmpty && error.contains("speedup: \(flag)") && !error.contains("measuring"), "\(error)")
        }
        #expect(speedupMain(["chart", "docs/runs/default.csv", target], output: { _ in }, error: { _ in }) == 2)
    }
    // Nothing was replaced: the link still points at its file, which is unchanged; the FIFO is a FIFO.
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: folder + "/link.svg") == linked)
    #expect(try String(contentsOfFile: linked, encoding: .utf8) == "keep me\n")
    var info = stat()
    #expect(lstat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)
    // No probe files are left behind.
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["fifo", "link.svg", "linked.txt"])
}

@Test func outputReplacesARegularFileWhole() throws {
    let folder = try scratchFolder("regular")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/chart.svg"
    let fresh = try OutputFile(path: path, flag: "--chart")
    try fresh.write("first")
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "first")
    try OutputFile(path: path, flag: "--chart").write("second, longer")
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "second, longer")
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["chart.svg"])
}

@Test func aLinkPutInPlaceDuringTheRunIsNotWrittenThrough() throws {
    let folder = try scratchFolder("raced")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/chart.svg", victim = folder + "/victim.txt"
    let output = try OutputFile(path: path, flag: "--chart")
    try "keep me\n".write(toFile: victim, atomically: false, encoding: .utf8)
    try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: victim)
    #expect(throws: OutputFileError.self) { try output.write("chart") }
    #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep me\n")
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["chart.svg", "victim.txt"])
}

@Test func inputTextIsReadOnlyFromRegularFilesOfBoundedSize() throws {
    let folder = try scratchFolder("input")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let (_, _, fifo, _) = try nonRegularTargets(in: folder)
    let big = folder + "/big.csv"
    try String(repeating: "x", count: 2000).write(toFile: big, atomically: false, encoding: .utf8)
    #expect(try readTextFile(big) == String(repeating: "x", count: 2000))
    for (path, reason) in [(fifo, "not a regular file"), ("/dev/zero", "not a regular file"), (folder, "not a regular file"),
                           (folder + "/missing.csv", "cannot be opened"), (big, "larger than")] {
        // A FIFO without a writer is refused, not waited on.
        #expect(performing: { _ = try readTextFile(path, limit: 1000) }, throws: { error in
            "\(error)".hasPrefix("\(path): ") && "\(error)".contains(reason)
        })
    }
    var error = ""
    #expect(speedupMain(["chart", "/dev/zero", folder + "/c.svg"], output: { _ in }, error: { error += $0 }) == 1)
    #expect(error == "speedup chart: /dev/zero: is not a regular file (a folder, device or FIFO); name a file\n")
}
