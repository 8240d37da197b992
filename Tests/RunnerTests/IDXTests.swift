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
                           (temporaryFile("missing.idx"), "cannot be opened")] {
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

/// A file holding exactly `bytes`.
func fileWith(_ bytes: [UInt8], name: String) throws -> String {
    let path = temporaryFile(name)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

/// The 16-byte header of an IDX image file.
func idxHeader(_ words: [UInt32]) -> [UInt8] {
    words.flatMap { w in (0..<4).reversed().map { UInt8(truncatingIfNeeded: w >> (8 * $0)) } }
}

@Test func craftedHeadersAreRefusedBeforeTheBodyIsRead() throws {
    // Issue 16's crashing inputs: sizes whose product overflows an Int.
    for words: [UInt32] in [[0x803, 1, 0xFFFF_FFFF, 0xFFFF_FFFF], [0x803, 454_279, 31_252_369, 649_657],
                            [0x803, 0xFFFF_FFFF, 0xFFFF_FFFF, 1], [0x803, 1, 0, 28]] {
        let path = try fileWith(idxHeader(words), name: "crafted.idx")
        #expect(performing: { _ = try readIDXImages(path: path) }, throws: { "\($0)".contains("no size a file can have") })
        var error = ""
        #expect(speedupMain(["--images", path, "--workload", "fastai", "--stages", "5"], output: { _ in }, error: { error += $0 }) == 1)
        #expect(error.contains("no size a file can have"))
    }
    // A header that fits an Int but promises more images than half of memory holds: refused
    // from the header alone (the file has no body at all).
    let huge = try fileWith(idxHeader([0x803, 0x7FFF_FFFF, 28, 28]), name: "huge.idx")
    #expect(performing: { _ = try readIDXImages(path: huge) }, throws: { "\($0)".contains("more than half of this machine's") })
    // With a limit, the same header costs only what is kept: the missing body is then the error.
    #expect(performing: { _ = try readIDXImages(path: huge, limit: 2) }, throws: { "\($0)".contains("truncated") })
    // Short headers.
    for bytes in [[], [0, 0, 8], Array(idxHeader([0x803, 1, 2, 3]).prefix(15))] {
        let path = try fileWith(bytes, name: "short.idx")
        #expect(performing: { _ = try readIDXImages(path: path) }, throws: { "\($0)".contains("shorter than the 16-byte header") })
    }
}

@Test func theBodyIsReadNoFurtherThanTheHeaderPromises() throws {
    // A gzip bomb: 2 images of 2×3 promised, 64 MiB of zeros inflated behind them.
    let bomb = temporaryFile("bomb.idx.gz")
    let file = gzopen(bomb, "wb9")
    let header = idxBytes(count: 2, pixels: Array(repeating: 7, count: 12))
    _ = header.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
    let zeros = [UInt8](repeating: 0, count: 1 << 20)
    for _ in 0..<64 { _ = zeros.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) } }
    gzclose(file)
    #expect(performing: { _ = try readIDXImages(path: bomb) }, throws: { "\($0)".contains("too long: header says 2 images of 2×3 (28 bytes), file has more") })
    // Not a regular file: refused at once (a FIFO without a writer would otherwise wait forever).
    let fifo = temporaryFile("images.fifo")
    #expect(mkfifo(fifo, 0o644) == 0)
    for path in [fifo, "/dev/zero", FileManager.default.temporaryDirectory.path] {
        #expect(performing: { _ = try readIDXImages(path: path) }, throws: { "\($0)".contains("not a regular file") })
    }
    // The images kept with a limit are the first ones; the rest are read to check the length.
    let pixels = (0..<18).map { UInt8($0) }
    let three = try fileWith(idxBytes(count: 3, pixels: pixels), name: "three.idx")
    let first = try readIDXImages(path: three, limit: 1)
    #expect(first.rows == 1 && first.elements == pixels.prefix(6).map { Float($0) / 255 })
    let cut = try fileWith(idxBytes(count: 3, pixels: Array(pixels.prefix(17))), name: "cut.idx")
    #expect(performing: { _ = try readIDXImages(path: cut, limit: 1) }, throws: { "\($0)".contains("truncated: header says 3 images of 2×3 (34 bytes), file has 33") })
}

@Test func theFuzzCorpusReplaysWithoutATrap() throws {
    // Fuzz/corpus: the fuzz target's seeds and every input that once crashed a program (`make fuzz`).
    // A trap here ends the test run; an error from a reader is the expected outcome for most.
    let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Fuzz/corpus").standardized.path
    let names = try FileManager.default.contentsOfDirectory(atPath: corpus).sorted()
    #expect(names.contains("idx-issue16-dims-overflow") && names.contains("args-issue16-threads"))
    let scratch = temporaryFile("replay.idx")
    for name in names {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: corpus + "/" + name))
        fuzzInput(Array(bytes), scratch: scratch)
    }
}
