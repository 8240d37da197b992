// Reads the images of an IDX file, the format of MNIST and Fashion-MNIST, gzipped or not.
//
// An IDX image file is a 16-byte big-endian header — magic 0x00000803, image count, rows,
// columns — followed by count·rows·columns unsigned bytes, one per pixel, row-major.

import CZlib
import MatmulCore

/// Where Debian's `dataset-fashion-mnist` package puts the 60,000 training images.
public let fashionMNISTTrainImages = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"

/// A file that is not a valid IDX image file; the message names the file.
public struct IDXError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): not a valid IDX image file: \(reason)" }
}

/// The images of an IDX file as a matrix, one image per row, pixels scaled to 0…1 (pixel / 255).
/// - Parameter limit: read at most this many images (the rest of the file is still checked for length).
/// - Throws: `IDXError` naming the file when it cannot be read, is truncated, or has a bad header.
public func readIDXImages(path: String, limit: Int = .max) throws -> Matrix {
    let bytes = try readGzipOrPlainFile(path: path)
    func fail(_ reason: String) -> IDXError { IDXError(path: path, reason: reason) }
    guard bytes.count >= 16 else { throw fail("\(bytes.count) bytes is shorter than the 16-byte header") }
    func word(_ offset: Int) -> Int {
        bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
    }
    let (magic, count, rows, columns) = (word(0), word(4), word(8), word(12))
    guard magic == 0x0803 else {
        throw fail("magic number is 0x\(String(magic, radix: 16)), expected 0x803 (unsigned bytes, 3 dimensions)")
    }
    let pixels = rows * columns
    guard rows > 0, columns > 0, count.multipliedReportingOverflow(by: pixels).overflow == false else {
        throw fail("header says \(count) images of \(rows)×\(columns)")
    }
    let expected = 16 + count * pixels
    guard bytes.count == expected else {
        let what = bytes.count < expected ? "truncated" : "too long"
        throw fail("\(what): header says \(count) images of \(rows)×\(columns) (\(expected) bytes), file has \(bytes.count)")
    }
    let images = min(count, max(0, limit))
    return try Matrix(rows: images, columns: pixels, elements: bytes[16..<(16 + images * pixels)].map { Float($0) / 255 })
}

/// The whole content of `path`, inflated if it is gzipped (zlib reads plain files as they are).
func readGzipOrPlainFile(path: String) throws -> [UInt8] {
    guard let file = gzopen(path, "rb") else {
        throw IDXError(path: path, reason: "cannot open it (does it exist, and is it readable?)")
    }
    defer { gzclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let read = chunk.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
        if read < 0 {
            var code: Int32 = 0
            let message = String(cString: gzerror(file, &code))
            throw IDXError(path: path, reason: "read failed: \(message)")
        }
        if read == 0 { break }
        bytes.append(contentsOf: chunk[0..<Int(read)])
    }
    // gzread stops quietly at a gzip stream cut short; gzerror reports it.
    var code: Int32 = 0
    let message = String(cString: gzerror(file, &code))
    if code != Z_OK { throw IDXError(path: path, reason: "damaged or truncated gzip data: \(message)") }
    return bytes
}
