// Reads the images of an IDX file, the format of MNIST and Fashion-MNIST, gzipped or not.
//
// An IDX image file is a 16-byte big-endian header — magic 0x00000803, image count, rows,
// columns — followed by count·rows·columns unsigned bytes, one per pixel, row-major.
//
// The header is read and checked first; the body is then read no further than the header promises
// (one byte more tells a file that is too long), so a damaged or hostile file costs at most the
// memory of the images kept, never the size it inflates to.

import CZlib
import Foundation
import MatmulCore

/// Where Debian's `dataset-fashion-mnist` package puts the 60,000 training images.
public let fashionMNISTTrainImages = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"

/// A file that is not a valid IDX image file; the message names the file.
public struct IDXError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): not a valid IDX image file: \(reason)" }
}

/// What an IDX image file's 16-byte header says.
struct IDXHeader: Equatable {
    let count: Int
    let rows: Int
    let columns: Int
    /// rows · columns: one image's bytes.
    let pixels: Int
    /// count · rows · columns: the bytes that must follow the header.
    let bodyBytes: Int

    /// Checks the magic number and that the sizes are positive and their product fits in an Int.
    /// - Throws: the reason, as a `String`-carrying `IDXHeaderError`.
    init(_ header: [UInt8]) throws(IDXHeaderError) {
        guard header.count == 16 else {
            throw IDXHeaderError("\(header.count) bytes is shorter than the 16-byte header")
        }
        func word(_ offset: Int) -> Int {
            header[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
        }
        let (magic, count, rows, columns) = (word(0), word(4), word(8), word(12))
        guard magic == 0x0803 else {
            throw IDXHeaderError("magic number is 0x\(String(magic, radix: 16)), expected 0x803 (unsigned bytes, 3 dimensions)")
        }
        // Each word is below 2³², but two of them multiplied may not fit in an Int.
        let (pixels, pixelsOverflow) = rows.multipliedReportingOverflow(by: columns)
        let (body, bodyOverflow) = count.multipliedReportingOverflow(by: pixels)
        guard rows > 0, columns > 0, !pixelsOverflow, !bodyOverflow, body <= Int.max - 16 else {
            throw IDXHeaderError("header says \(images(count)) of \(rows)×\(columns), which is no size a file can have")
        }
        (self.count, self.rows, self.columns, self.pixels, self.bodyBytes) = (count, rows, columns, pixels, body)
    }

    /// "12 images of 28×28 (9424 bytes)": what the header promises, for messages.
    var promise: String { "header says \(images(count)) of \(rows)×\(columns) (\(16 + bodyBytes) bytes)" }
}

/// "1 image", "12 images".
private func images(_ count: Int) -> String { count == 1 ? "1 image" : "\(count) images" }

struct IDXHeaderError: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// The images of an IDX file as a matrix, one image per row, pixels scaled to 0…1 (pixel / 255).
/// - Parameter limit: keep at most this many images (the rest of the file is still read, not kept,
///   to check its length).
/// - Throws: `IDXError` naming the file when it cannot be read, is truncated or too long, has a bad
///   header, or its images would not fit in half of this machine's memory.
public func readIDXImages(path: String, limit: Int = .max) throws -> Matrix {
    func fail(_ reason: String) -> IDXError { IDXError(path: path, reason: reason) }
    let file = try GzipReader(path: path)
    let headerBytes = try file.read(16)
    let header: IDXHeader
    do { header = try IDXHeader(headerBytes) } catch { throw fail(error.reason) }

    let images = min(header.count, max(0, limit))
    let kept = images * header.pixels  // at most bodyBytes: no overflow
    // The kept bytes and the Float matrix made from them (4 bytes each).
    let needed = Double(kept) * 5
    let available = Double(ProcessInfo.processInfo.physicalMemory) / 2
    guard needed <= available else {
        throw fail("\(header.promise); keeping \(Runner.images(images)) needs \(fixed(needed / 1e9, 1)) GB, "
                   + "more than half of this machine's \(fixed(available * 2 / 1e9, 1)) GB")
    }
    let body = try file.read(kept)
    var seen = body.count
    if seen == kept { seen += try file.skip(header.bodyBytes - kept) }
    guard seen == header.bodyBytes else {
        throw fail("truncated: \(header.promise), file has \(16 + seen)")
    }
    guard try file.read(1).isEmpty else {
        throw fail("too long: \(header.promise), file has more")
    }
    return try Matrix(rows: images, columns: header.pixels, elements: body.map { Float($0) / 255 })
}

/// A file read through zlib, which inflates gzip data and passes plain files through as they are.
final class GzipReader {
    private let file: gzFile
    let path: String

    init(path: String) throws {
        let descriptor: Int32
        do { descriptor = try openRegularFile(path) } catch { throw IDXError(path: path, reason: error.reason) }
        guard let file = gzdopen(descriptor, "rb") else {
            close(descriptor)
            throw IDXError(path: path, reason: "cannot be read through zlib")
        }
        (self.file, self.path) = (file, path)
    }

    deinit { gzclose(file) }

    /// Up to `count` bytes: fewer only at the end of the file. Memory grows with what the file
    /// holds, a chunk at a time, not with what its header claims.
    /// - Throws: `IDXError` when the read fails or the gzip data is damaged.
    func read(_ count: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(count, 64 << 20))
        var chunk = [UInt8](repeating: 0, count: min(count, 1 << 20))
        while bytes.count < count {
            let want = min(chunk.count, count - bytes.count)
            let got = try chunk.withUnsafeMutableBytes { try fill(UnsafeMutableRawBufferPointer(rebasing: $0[0..<want])) }
            bytes.append(contentsOf: chunk[0..<got])
            if got < want { break }
        }
        return bytes
    }

    /// Reads and drops up to `count` bytes; returns how many there were.
    func skip(_ count: Int) throws -> Int {
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var skipped = 0
        while skipped < count {
            let want = min(chunk.count, count - skipped)
            let got = try chunk.withUnsafeMutableBytes { try fill(UnsafeMutableRawBufferPointer(rebasing: $0[0..<want])) }
            skipped += got
            if got < want { break }
        }
        return skipped
    }

    /// Fills `buffer` from the file; returns how many bytes it got (fewer only at the end).
    private func fill(_ buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var filled = 0
        while filled < buffer.count {
            // gzread takes an unsigned 32-bit count and returns a signed one: at most 1 GiB a call.
            let want = UInt32(min(buffer.count - filled, 1 << 30))
            let got = gzread(file, buffer.baseAddress! + filled, want)
            if got < 0 { throw IDXError(path: path, reason: "read failed: \(zlibError())") }
            if got == 0 {
                // gzread stops quietly at a gzip stream cut short; gzerror reports it.
                var code: Int32 = 0
                let message = String(cString: gzerror(file, &code))
                if code != Z_OK { throw IDXError(path: path, reason: "damaged or truncated gzip data: \(message)") }
                break
            }
            filled += Int(got)
        }
        return filled
    }

    private func zlibError() -> String {
        var code: Int32 = 0
        return String(cString: gzerror(file, &code))
    }
}
