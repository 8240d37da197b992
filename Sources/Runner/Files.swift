// The files a user names on the command line: output is written only as a regular file (never
// through a symbolic link, over a device or a FIFO, or into a folder's name), and that is checked
// before a long run starts; input text is read only from a regular file of bounded size.

import Foundation
import MatmulCore

/// A file named for output (`--chart FILE`, `--record FILE`, `speedup chart RUNFILE SVGFILE`).
public struct OutputFile: Sendable {
    public let path: String
    /// The option that named it, for messages: "--chart".
    public let flag: String

    /// Checks, before anything runs, that `path` can be written as asked: it is a regular file or
    /// does not exist, and a file can be created in its folder (tried, then removed).
    /// - Throws: `UsageError` saying what is wrong with the path.
    public init(path: String, flag: String) throws {
        (self.path, self.flag) = (path, flag)
        try checkTarget()
        // Permissions do not tell whether a file can be created (root ignores them; /proc refuses
        // anyway): create one beside the target and remove it.
        let probe = try createTemporaryFile()
        close(probe.descriptor)
        unlink(probe.path)
    }

    /// Writes `text` to a temporary file in the same folder, then renames it over the path, so the
    /// path holds either the old file or the whole new one.
    /// - Throws: `OutputFileError` when the folder or disk refuses (the target is left as it was).
    public func write(_ text: String) throws {
        let temporary = try createTemporaryFile()
        let bytes = Array(text.utf8)
        var written = 0
        var failure: String?
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { Foundation.write(temporary.descriptor, $0.baseAddress! + written, $0.count - written) }
            if result < 0 {
                if errno == EINTR { continue }
                failure = systemError()
                break
            }
            written += result
        }
        if failure == nil, fchmod(temporary.descriptor, 0o644) != 0 { failure = systemError() }
        if close(temporary.descriptor) != 0, failure == nil { failure = systemError() }
        // The target may have been replaced by something else while the run went on.
        if failure == nil {
            do { try checkTarget() } catch { failure = "\(error)" }
        }
        if failure == nil, rename(temporary.path, path) != 0 { failure = systemError() }
        if let failure {
            unlink(temporary.path)
            throw OutputFileError(message: "\(flag): could not write '\(path)': \(failure)")
        }
    }

    /// The folder the file goes in ("." for a bare name).
    var folder: String {
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return parent.isEmpty ? "." : parent
    }

    private func checkTarget() throws(UsageError) {
        guard !path.isEmpty, !path.hasSuffix("/") else {
            throw UsageError(message: "\(flag) takes a file name, not '\(path)'")
        }
        var info = stat()
        if lstat(path, &info) != 0 {
            guard errno == ENOENT else { throw UsageError(message: "\(flag): cannot use '\(path)': \(systemError())") }
            var folderInfo = stat()
            guard stat(folder, &folderInfo) == 0, folderInfo.st_mode & S_IFMT == S_IFDIR else {
                throw UsageError(message: "\(flag): the folder '\(folder)' does not exist; create it or choose another path")
            }
            return
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return
        case S_IFLNK:
            throw UsageError(message: "\(flag): '\(path)' is a symbolic link; name the file itself or a new path (output is never written through a link)")
        case S_IFDIR:
            throw UsageError(message: "\(flag): '\(path)' is a folder; name a file in it, e.g. \(path)/speedup.svg")
        default:
            throw UsageError(message: "\(flag): '\(path)' is not a regular file (a device, FIFO or socket); name a regular file or a new path")
        }
    }

    /// A new, empty file beside the target, open for writing.
    private func createTemporaryFile() throws(UsageError) -> (descriptor: Int32, path: String) {
        var template = Array("\(folder)/.\(URL(fileURLWithPath: path).lastPathComponent).XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw UsageError(message: "\(flag): cannot create a file in the folder '\(folder)' (\(systemError())); choose another path")
        }
        let name = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return (descriptor, name)
    }
}

/// Writing an output file failed after the run (disk full, folder removed…).
public struct OutputFileError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// The text of a regular file of at most `limit` bytes, as UTF-8.
/// - Throws: `InputFileError` when it is missing, not a regular file, larger than `limit`, or not text.
public func readTextFile(_ path: String, limit: Int = 64 << 20) throws -> String {
    func fail(_ reason: String) -> InputFileError { InputFileError(message: "\(path): \(reason)") }
    let descriptor: Int32
    do { descriptor = try openRegularFile(path) } catch { throw fail(error.reason) }
    let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    // Read one byte past the limit: a file that grows while it is read is still refused.
    let data: Data
    do { data = try handle.read(upToCount: limit + 1) ?? Data() } catch { throw fail("cannot be read: \(error.localizedDescription)") }
    guard data.count <= limit else { throw fail("is larger than \(limit >> 20) MiB; it is no file this program wrote") }
    guard let text = String(data: data, encoding: .utf8) else { throw fail("is not UTF-8 text") }
    return text
}

/// Opens `path` for reading if it is a regular file. Opened without waiting (O_NONBLOCK), so a
/// FIFO with no writer is refused rather than waited on; a regular file reads as usual.
/// - Throws: the reason, e.g. "is not a regular file".
func openRegularFile(_ path: String) throws(FileReason) -> Int32 {
    let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard descriptor >= 0 else { throw FileReason(reason: "cannot be opened: \(systemError()) (does it exist, and is it readable?)") }
    var info = stat()
    guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
        close(descriptor)
        throw FileReason(reason: "is not a regular file (a folder, device or FIFO); name a file")
    }
    return descriptor
}

struct FileReason: Error {
    let reason: String
}

/// A named input file that cannot be used.
public struct InputFileError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// strerror(errno): "No such file or directory".
func systemError() -> String { String(cString: strerror(errno)) }
