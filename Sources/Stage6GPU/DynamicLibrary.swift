// The GPU libraries are opened while the program runs (dlopen), not linked when it is built, so the
// package builds and its tests run on any Linux machine; where a library is missing, the GPU
// stage says which one and the runner and tests skip it with that reason.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation

/// A shared library opened at run time, and its C functions looked up by name.
final class DynamicLibrary: @unchecked Sendable {
    /// The file that was opened, as dlopen was given it (a soname such as "libcuda.so.1", or a path).
    let path: String
    private let handle: UnsafeMutableRawPointer

    /// The companions opened from the library's folder before it (see `init`), kept open with it.
    private let companions: [UnsafeMutableRawPointer]

    /// Opens the first of `candidates` that dlopen can load (sonames are searched the usual way:
    /// LD_LIBRARY_PATH, the ld.so cache, /usr/lib…).
    ///
    /// A library given by path may need others from its own folder that the loader does not look
    /// in: libcublas.so.13 links libcublasLt.so.13, and NVRTC 13 opens libnvrtc-builtins.so.13.0
    /// by name when it compiles, yet neither library carries a RUNPATH of `$ORIGIN` (NVRTC 12.9's
    /// wheel does). So for a path, the files `companions(fileName)` names that exist beside it are
    /// opened first: once a library of that soname is loaded, dlopen of its soname finds it.
    /// - Throws: `GPUError.libraryMissing`, naming every candidate and dlopen's last message.
    init(_ what: String, candidates: [String], companions: (_ fileName: String, _ folder: String) -> [String] = { _, _ in [] }) throws {
        var lastError = ""
        for candidate in candidates {
            var opened: [UnsafeMutableRawPointer] = []
            if let slash = candidate.lastIndex(of: "/") {
                let folder = String(candidate[..<slash])
                for name in companions(String(candidate[candidate.index(after: slash)...]), folder) {
                    if let handle = dlopen(folder + "/" + name, RTLD_NOW | RTLD_GLOBAL) { opened.append(handle) }
                }
            }
            if let handle = dlopen(candidate, RTLD_NOW | RTLD_LOCAL) {
                self.path = candidate
                self.handle = handle
                self.companions = opened
                return
            }
            lastError = dlerror().map { String(cString: $0) } ?? "unknown dlopen error"
            opened.forEach { dlclose($0) }
        }
        throw GPUError.libraryMissing(what, tried: candidates, lastError: lastError)
    }

    /// The files in `folder` whose names start with `prefix`, sorted (for companions whose full
    /// version is not known in advance: libnvrtc-builtins.so.13.0 beside libnvrtc.so.13).
    static func files(in folder: String, startingWith prefix: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasPrefix(prefix) }.sorted()
    }

    /// The major version a soname ends in: "13" for "libnvrtc.so.13", "" for "libnvrtc.so".
    static func majorVersion(of fileName: String) -> String {
        guard let range = fileName.range(of: ".so.") else { return "" }
        return String(fileName[range.upperBound...].prefix { $0 != "." })
    }

    /// The C function `name`, cast to the Swift function type `T` (a `@convention(c)` type that
    /// must match the C declaration exactly: the cast is not checked).
    func function<T>(_ name: String, as type: T.Type = T.self) throws -> T {
        guard let symbol = dlsym(handle, name) else {
            throw GPUError.symbolMissing(name, library: path)
        }
        return unsafeBitCast(symbol, to: type)
    }

    /// Candidate file names for a library: an explicit path from `variable` in the environment
    /// first, then each soname in each of `directories` (toolkit folders that are often not in the
    /// loader's path), then the bare sonames.
    static func candidates(sonames: [String], variable: String, directories: [String] = []) -> [String] {
        var list: [String] = []
        if let path = ProcessInfo.processInfo.environment[variable], !path.isEmpty { list.append(path) }
        for directory in directories {
            for soname in sonames where FileManager.default.fileExists(atPath: directory + "/" + soname) {
                list.append(directory + "/" + soname)
            }
        }
        return list + sonames
    }
}

/// Folders where NVIDIA's CUDA toolkit libraries (NVRTC, cuBLAS) are commonly installed.
let cudaToolkitDirectories = ["/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib",
                              "/usr/lib/x86_64-linux-gnu"]

/// The text of a zero-terminated C string held in an array.
func cText(_ characters: [CChar]) -> String {
    characters.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}
