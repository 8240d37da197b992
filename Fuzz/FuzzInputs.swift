// The fuzz target: libFuzzer calls this with generated inputs, starting from Fuzz/corpus/, and
// stops at the first trap or sanitizer report. Built only by `make fuzz` (scripts/fuzz.sh), with
// MATMUL_FUZZ=1 and `swift build --sanitize=fuzzer --sanitize=address`.

import Foundation
import Runner

private let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-inputs-\(getpid()).idx").path

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzInput(Array(UnsafeBufferPointer(start: data, count: size)), scratch: scratch)
    return 0
}
