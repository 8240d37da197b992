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

    /// Opens the first of `candidates` that dlopen can load (sonames are searched the usual way:
    /// LD_LIBRARY_PATH, the ld.so cache, /usr/lib…).
    /// - Throws: `GPUError.libraryMissing`, naming every candidate and dlopen's last message.
    init(_ what: String, candidates: [String]) throws {
        var lastError = ""
        for candidate in candidates {
            if let handle = dlopen(candidate, RTLD_NOW | RTLD_LOCAL) {
                self.path = candidate
                self.handle = handle
                return
            }
            lastError = dlerror().map { String(cString: $0) } ?? "unknown dlopen error"
        }
        throw GPUError.libraryMissing(what, tried: candidates, lastError: lastError)
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
