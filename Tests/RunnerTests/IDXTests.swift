import CZlib
import Foundation
import Testing
@testable import Runner

/// An IDX image file: header for `count` images of 2×3, then `pixels` bytes (which may be too few).
func idxBytes(count: Int, pixels: [UInt8], magic: UInt32 = 0x0803) -> [UInt8] {
    let words = [magic, UInt32(count), 2, 3]
    return words.flatMap { w in (0..<4).reversed().map { UInt8(truncatingIfNeeded: w >> (8 * $0)) } } + pixels
}

func temporaryFile(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("speedup-\(UUID().uuidString)-\(name)").path
}

func writeGzip(_ bytes: [UInt8], to path: String) {
    let file = gzopen(path, "wb")
    _ = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
    gzclose(file)
}

@Test func readsPlainAndGzippedImagesScaledToOne() throws {
    let pixels: [UInt8] = [0, 51, 102, 153, 204, 255, 255, 0, 0, 0, 0, 0]
    let plain = temporaryFile("images.idx")
    try Data(idxBytes(count: 2, pixels: pixels)).write(to: URL(fileURLWithPath: plain))
    let gzipped = temporaryFile("images.idx.gz")
    writeGzip(idxBytes(count: 2, pixels: pixels), to: gzipped)
    for path in [plain, gzipped] {
        let images = try readIDXImages(path: path)
        #expect(images.rows == 2 && images.columns == 6)
        #expect(images[0, 1] == 0.2 && images[0, 5] == 1 && images[1, 0] == 1)
        #expect(try readIDXImages(path: path, limit: 1).rows == 1)
    }
}

@Test func truncatedDamagedAndMissingFilesAreErrorsNamingTheFile() throws {
    let short = temporaryFile("short.idx")
    try Data(idxBytes(count: 2, pixels: [1, 2, 3])).write(to: URL(fileURLWithPath: short))
    let wrongMagic = temporaryFile("magic.idx")
    try Data(idxBytes(count: 1, pixels: [1, 2, 3, 4, 5, 6], magic: 0x0801)).write(to: URL(fileURLWithPath: wrongMagic))
    // A gzip stream cut in half.
    let full = temporaryFile("full.idx.gz")
    writeGzip(idxBytes(count: 100, pixels: (0..<600).map { UInt8($0 % 251) }), to: full)
    let cut = temporaryFile("cut.idx.gz")
    let data = try Data(contentsOf: URL(fileURLWithPath: full))
    try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: cut))

    for (path, reason) in [(short, "truncated"), (wrongMagic, "magic"), (cut, "gzip"),
                           (temporaryFile("missing.idx"), "cannot open")] {
        #expect {
            try readIDXImages(path: path)
        } throws: { error in
            let message = String(describing: error)
            return message.hasPrefix(path) && message.contains(reason)
        }
    }
}

@Test func aDamagedImageFileStopsTheRunWithExitCodeOne() throws {
    let short = temporaryFile("short.idx")
    try Data(idxBytes(count: 2, pixels: [1, 2, 3])).write(to: URL(fileURLWithPath: short))
    var error = ""
    let status = speedupMain(["--workload", "fastai", "--images", short], output: { _ in }, error: { error += $0 })
    #expect(status == 1)
    #expect(error.contains(short))
}
