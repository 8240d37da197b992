// What the fuzz target (Fuzz/, `make fuzz`) feeds the programs' input readers, and the regression
// test replays (Fuzz/corpus/): each input must give a result or an error, never a trap, a hang or
// memory beyond what it holds.

import Foundation

/// One fuzz input: its first byte picks the reader, the rest is what that reader gets.
///   0: an IDX image file, gzipped or not (`speedup --images`)
///   1: a command line, arguments separated by NUL bytes (speedup, speedup tune, speedup chart)
///   2: a run file (`speedup chart RUNFILE`)
/// - Parameter scratch: a file the IDX reader may read the input from, as it reads a user's file.
public func fuzzInput(_ bytes: [UInt8], scratch: String) {
    guard let reader = bytes.first else { return }
    let input = Array(bytes.dropFirst())
    switch reader % 3 {
    case 0:
        guard FileManager.default.createFile(atPath: scratch, contents: Data(input)) else { return }
        _ = try? readIDXImages(path: scratch, limit: 16)
        _ = try? readIDXImages(path: scratch)
    case 1:
        let arguments = input.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        if let options = try? parseOptions(arguments) { _ = try? checkMemory(options) }
        _ = try? parseTuneOptions(arguments)
        _ = try? checkSpeedupArguments(arguments)
        for argument in arguments {
            _ = try? parseStages(argument)
            _ = try? parseShape(argument)
            _ = try? parseBlocks(argument)
        }
    default:
        _ = try? RunFile(String(decoding: input, as: UTF8.self)).report()
    }
}
