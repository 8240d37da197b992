// What threads, packing and Strassen cost on this machine. The thread grid's model (Threads.swift)
// counts time in multiply-adds of one core; it used to take a thread's start as 550,000 and a
// packed float as 8, figures from one VM at one kernel's speed. Now both are measured, per tile,
// the first time the thread grid needs them (a few milliseconds), and converted at that tile's rate:
//
//   start cost  = what a second part adds to a small product: a 96×96 · 96×128 product (two equal
//                 parts of columns with either tile: 2 × 2 panels of 32, 2 × 4 of 16) timed on one
//                 part (t₁) and on two (t₂), alternately, 41 times each; t₂ − t₁/2 of the medians
//                 × FMAs per second. Handing an empty part over and back alone takes 0.5–2.5 µs
//                 on the Xeon; a real part also has to fetch the lines of C the other core last
//                 wrote, and both parts must finish.
//   pack cost   = seconds per float to pack a block of A that sits in L2 (best of 6) × FMAs per second
//   FMAs/second = the tile's kernel rate in L1 (`TileChoice`'s measurement, or timed here if the
//                 tile was forced) ÷ 2 FLOPs
//
// Strassen's crossover takes seconds to find, so `speedup tune` measures it and records it in
// ~/.cache/swift-matmul/stage4.txt (MATMUL_STAGE4_COSTS names another file), one line per CPU
// model; `StrassenMatmul.measuredCrossover` reads it, and says so in its note.

import Dispatch
import Foundation
import MatmulCore

/// The costs the thread grid's model uses, in multiply-adds of one core.
public struct HostCosts: Sendable, Equatable, CustomStringConvertible {
    /// A thread's start: what handing a part to another thread costs.
    public let startCost: Double
    /// Packing one float.
    public let packCost: Double

    public init(startCost: Double, packCost: Double) {
        (self.startCost, self.packCost) = (startCost, packCost)
    }

    /// This machine's for the host's tile, measured once, the first time they are asked for.
    public static var host: HostCosts { of(.host) }

    /// This machine's for `tile`, each tile's measured once, the first time it is asked for.
    public static func of(_ tile: RegisterTile) -> HostCosts { tile == .wide ? wideCosts : narrowCosts }
    private static let narrowCosts = measure(tile: .narrow)
    private static let wideCosts = measure(tile: .wide)

    public var description: String {
        "a thread's start costs \(Int(startCost.rounded())) multiply-adds, a packed float \(String(format: "%.1f", packCost))"
    }

    /// Times a second part and the packing on this machine; the rate is the tile's kernel in L1.
    static func measure(tile: RegisterTile) -> HostCosts {
        let gflops = RegisterTile.choice.measured.first { $0.tile == tile }?.gflops ?? TileChoice.timeKernels([tile])[0].gflops
        let rate = gflops * 1e9 / 2
        return HostCosts(startCost: secondPartSeconds(tile: tile) * rate, packCost: packSeconds(tile: tile) * rate)
    }

    /// t₂ − t₁/2 for a 96×96 · 96×128 product: on two parts (1 × 2, equal with either tile) against
    /// one, medians of 41 each.
    static func secondPartSeconds(tile: RegisterTile) -> Double {
        let (m, k, n) = (96, 96, 128)
        let memory = UnsafeMutablePointer<Float>.allocate(capacity: m * k + k * n + m * n)
        defer { memory.deallocate() }
        memory.initialize(repeating: 0.5, count: m * k + k * n + m * n)
        let (a, b, c) = (MatrixView(unchecked: memory, rows: m, columns: k, stride: k),
                         MatrixView(unchecked: memory + m * k, rows: k, columns: n, stride: n),
                         MatrixView(unchecked: memory + m * k + k * n, rows: m, columns: n, stride: n))
        let blocks = BlockSizes(caches: .host, tile: tile)
        let grids = [ThreadGrid(rows: 1, columns: 1), ThreadGrid(rows: 1, columns: 2)]
        var samples: [[Double]] = [[], []]
        for round in 0..<42 {
            for (index, grid) in grids.enumerated() {
                let start = DispatchTime.now().uptimeNanoseconds
                gridProduct(1, a, b, c, blocks: blocks, grid: grid)
                if round > 0 { samples[index].append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9) }
            }
        }
        let (one, two) = (median(samples[0]), median(samples[1]))
        return max(0, two - one / 2)
    }

    /// Seconds per float to pack a block of A (mr · 20 rows by 256, 120 to 240 KiB: in L2), best of 6.
    static func packSeconds(tile: RegisterTile) -> Double {
        let (rows, depth) = (tile.rows * 20, 256)
        let source = UnsafeMutablePointer<Float>.allocate(capacity: rows * depth)
        let packed = UnsafeMutablePointer<Float>.allocate(capacity: rows * depth)
        defer { source.deallocate(); packed.deallocate() }
        source.initialize(repeating: 1, count: rows * depth)
        let view = MatrixView(unchecked: source, rows: rows, columns: depth, stride: depth)
        var best = Double.infinity
        for _ in 0..<6 {
            let start = DispatchTime.now().uptimeNanoseconds
            packA(view, into: packed, alpha: 1, mr: tile.rows)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
        }
        return best / Double(rows * depth)
    }
}

private func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

/// Strassen's crossover as `speedup tune --strassen` recorded it for this CPU model: a text file,
/// one line per CPU, `MODEL<TAB>crossover=N<TAB>date`.
public struct StrassenRecord: Sendable {
    public let path: String

    public init(path: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let path { self.path = path; return }
        if let chosen = environment["MATMUL_STAGE4_COSTS"], !chosen.isEmpty { self.path = chosen; return }
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.cache"
        self.path = cache + "/swift-matmul/stage4.txt"
    }

    /// The crossover recorded for `cpu`, if a line for it reads back as a whole number of at least 1.
    public func crossover(for cpu: String = HostCPU.modelName) -> Int? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        return text.split(separator: "\n").reversed().lazy.compactMap { line -> Int? in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count >= 2, fields[0] == cpu, fields[1].hasPrefix("crossover="),
                  let value = Int(fields[1].dropFirst("crossover=".count)), value >= 1 else { return nil }
            return value
        }.first
    }

    /// Records `crossover` for `cpu`, replacing its earlier line and keeping the other CPUs' lines.
    /// - Throws: when the folder or the file cannot be written.
    public func record(_ crossover: Int, for cpu: String = HostCPU.modelName, date: String) throws {
        let old = FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let kept = old.split(separator: "\n").filter { !$0.hasPrefix(cpu + "\t") }.map(String.init)
        let line = [cpu, "crossover=\(crossover)", date].joined(separator: "\t")
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        // Written beside and renamed over: the file holds the old lines or all the new ones.
        let temporary = path + ".new.\(getpid())"
        try Data((kept + [line]).map { $0 + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: temporary))
        if rename(temporary, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw StrassenRecordError(message: "could not write \(path): \(reason)")
        }
    }
}

/// The crossover file could not be written.
public struct StrassenRecordError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
