// 6e's tuner: times every candidate set of tile sizes on the device at hand and records the fastest
// for that device, in a file 6e reads. `gpu-check --tune` runs it. What it tries, and why so few:
// each candidate is one more kernel to compile and time, and sizes outside these (BM or BN of 32
// or 256, TM or TN of 2 or 16) leave too little work per thread or need more registers or shared
// memory than a block can have.

import Foundation
import MatmulCore

public enum GPUTuner {
    /// BM, BN ∈ {64, 128}, BK ∈ {8, 16}, TM, TN ∈ {4, 8}: those that fit a block of `maxThreads`,
    /// and of at most 512 threads: with 1024 (128×128 in 4×4 patches) ptxas may give each thread
    /// only 65536 / 1024 = 64 registers, and spills (16 bytes, NVRTC 12.9 and 13.0 for sm_90).
    public static func candidates(maxThreads: Int) -> [TileSizes] {
        var list: [TileSizes] = []
        for bm in [64, 128] {
            for bn in [64, 128] {
                for bk in [8, 16] {
                    for tm in [4, 8] {
                        for tn in [4, 8] {
                            let tiles = TileSizes(bm: bm, bn: bn, bk: bk, tm: tm, tn: tn)
                            if tiles.problem(maxThreads: min(maxThreads, 512)) == nil { list.append(tiles) }
                        }
                    }
                }
            }
        }
        return list
    }

    /// One candidate's outcome: seconds per product on the device, or why it failed (a compile
    /// error, a launch error, or wrong entries).
    public struct Trial: Sendable {
        public let tiles: TileSizes
        public let outcome: Result<Double, GPUError>
    }

    /// Times 6e with each of `candidates` on `api` on an n×n · n×n product (gpu-check's timing:
    /// `GPUCheck.time`), checks 64 sampled entries of each result, and calls `report` after each.
    public static func trials(api: GPUMatmul.API, n: Int, repeats: Int, candidates: [TileSizes],
                              report: (Trial) -> Void = { _ in }) throws -> [Trial] {
        let a = try Matrix.randomNormal(rows: n, columns: n, seed: 11)
        let b = try Matrix.randomNormal(rows: n, columns: n, seed: 12)
        return candidates.map { tiles in
            let outcome: Result<Double, GPUError>
            do {
                let product = try ResidentProduct(GPUMatmul(api, .kernel(.tunedTiles), tiles: tiles), a, b)
                let seconds = try GPUCheck.time(product, repeats: repeats).seconds
                let wrong = GPUCheck.sampledMismatches(a, b, try product.result(), samples: 64)
                outcome = wrong == 0 ? .success(seconds) : .failure(.call("6e with \(tiles)", code: 0, message: "\(wrong) of 64 sampled entries wrong"))
            } catch let error as GPUError {
                outcome = .failure(error)
            } catch {
                outcome = .failure(.call("6e with \(tiles)", code: 0, message: "\(error)"))
            }
            let trial = Trial(tiles: tiles, outcome: outcome)
            report(trial)
            return trial
        }
    }

    /// The fastest trial that succeeded.
    public static func best(_ trials: [Trial]) -> (tiles: TileSizes, seconds: Double)? {
        trials.compactMap { trial in (try? trial.outcome.get()).map { (trial.tiles, $0) } }.min { $0.1 < $1.1 }
    }
}

/// The tuner's winners, one line per device, in a text file: by default
/// `~/.cache/swift-matmul/gpu-tiles.txt`; MATMUL_GPU_TILES names another. A line is
/// `DEVICE<TAB>BM=128 BN=128 BK=8 TM=8 TN=8<TAB>GFLOP/s<TAB>n<TAB>date`, DEVICE being the backend's
/// API and device description as gpu-check prints them.
public struct TileRecord: Sendable {
    public let path: String

    public init(path: String? = nil) {
        if let path { self.path = path; return }
        let environment = ProcessInfo.processInfo.environment
        if let chosen = environment["MATMUL_GPU_TILES"], !chosen.isEmpty { self.path = chosen; return }
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory() + "/.cache"
        self.path = cache + "/swift-matmul/gpu-tiles.txt"
    }

    /// The device's key in the file: "CUDA: NVIDIA H100 … (…)" or "OpenCL: …".
    static func key(_ backend: any Backend) -> String { "\(backend.api): \(backend.deviceDescription)" }

    /// The key of the device `api` runs on, and the most threads a block may hold there.
    /// - Throws: `GPUError` when the API has no device here.
    public static func device(_ api: GPUMatmul.API) throws -> (key: String, maxThreads: Int) {
        let backend = try GPUMatmul(api, .kernel(.tunedTiles)).backend()
        return (key(backend), backend.maxThreadsPerBlock)
    }

    /// The tiles recorded for `device`, if any line for it holds sizes that read back.
    public func tiles(for device: String) -> TileSizes? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return text.split(separator: "\n").reversed().lazy.compactMap { line -> TileSizes? in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            return fields.count >= 2 && fields[0] == device ? TileSizes(String(fields[1])) : nil
        }.first
    }

    /// Records `tiles` as `device`'s, replacing its earlier line; other devices' lines are kept.
    /// - Throws: when the folder or the file cannot be written.
    public func record(_ tiles: TileSizes, for device: String, gflops: Double, n: Int, date: String) throws {
        let old = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let kept = old.split(separator: "\n").filter { !$0.hasPrefix(device + "\t") }.map(String.init)
        let line = [device, tiles.description, String(format: "%.1f", gflops), "\(n)", date].joined(separator: "\t")
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        // Written beside and renamed over: the file holds the old lines or all the new ones.
        let temporary = path + ".new"
        try Data((kept + [line]).map { $0 + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: temporary))
        if rename(temporary, path) != 0 {
            throw GPUError.call("rename", code: Int(errno), message: "could not write \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// What 6e runs with on `backend`: the tiles recorded for it (read once per process) where they
    /// fit the device, else 6d's.
    static func tiles(for backend: any Backend) -> TileSizes {
        let key = key(backend)
        cache.lock.lock()
        defer { cache.lock.unlock() }
        if let tiles = cache.tiles[key] { return tiles }
        let recorded = TileRecord().tiles(for: key).flatMap { $0.problem(maxThreads: backend.maxThreadsPerBlock) == nil ? $0 : nil }
        let tiles = recorded ?? TileSizes.standard(maxThreads: backend.maxThreadsPerBlock)
        cache.tiles[key] = tiles
        return tiles
    }

    private final class Cache: @unchecked Sendable {
        let lock = NSLock()
        var tiles: [String: TileSizes] = [:]
    }
    private static let cache = Cache()
}
