import Foundation

/// What Linux says about this machine's CPU (/proc/cpuinfo): its model name and feature flags.
public enum HostCPU {
    /// The first "model name" line, e.g. "AMD EPYC 9B45", or "unknown CPU".
    public static let modelName: String = field("model name") ?? "unknown CPU"
    /// The feature flags, e.g. "avx2", "fma", "avx512f".
    public static let flags: Set<String> = Set((field("flags") ?? "").split(separator: " ").map(String.init))
    /// True when the CPU runs AVX-512 Foundation instructions.
    public static var hasAVX512: Bool { flags.contains("avx512f") }

    private static func field(_ name: String) -> String? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name) }),
              let colon = line.firstIndex(of: ":") else { return nil }
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }

    /// This CPU's data caches as Linux describes them (/sys/devices/system/cpu/cpu0/cache): size,
    /// ways, sets and line size per level, e.g. "L1d 32 KiB (8-way × 64 sets × 64 B lines)".
    /// The set a line falls into is (address ÷ line size) mod sets, so addresses that differ by a
    /// multiple of sets × line size (4 KiB for that L1) compete for the same ways.
    public static let caches: [CacheLevel] = {
        let directory = "/sys/devices/system/cpu/cpu0/cache"
        return (0..<8).compactMap { index -> CacheLevel? in
            func read(_ name: String) -> String? {
                (try? String(contentsOfFile: "\(directory)/index\(index)/\(name)", encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
            guard let level = read("level").flatMap(Int.init), let type = read("type"), type != "Instruction",
                  let bytes = read("size").flatMap(parseCacheSize),
                  let ways = read("ways_of_associativity").flatMap(Int.init),
                  let line = read("coherency_line_size").flatMap(Int.init),
                  let sets = read("number_of_sets").flatMap(Int.init) else { return nil }
            return CacheLevel(level: level, bytes: bytes, ways: ways, sets: sets, lineBytes: line)
        }
    }()
}

/// "32K", "512K", "32768K", "1M" (how Linux writes a cache's size) → bytes.
public func parseCacheSize(_ text: String) -> Int? {
    let multiplier: Int
    var digits = Substring(text)
    switch text.last {
    case "K": multiplier = 1 << 10; digits = digits.dropLast()
    case "M": multiplier = 1 << 20; digits = digits.dropLast()
    case "G": multiplier = 1 << 30; digits = digits.dropLast()
    default: multiplier = 1
    }
    guard let value = Int(digits), value > 0 else { return nil }
    return value * multiplier
}

/// One level of data cache: `ways` lines in each of `sets` sets.
public struct CacheLevel: Equatable, Sendable, CustomStringConvertible {
    public let level: Int
    public let bytes: Int
    public let ways: Int
    public let sets: Int
    public let lineBytes: Int

    public init(level: Int, bytes: Int, ways: Int, sets: Int, lineBytes: Int) {
        (self.level, self.bytes, self.ways, self.sets, self.lineBytes) = (level, bytes, ways, sets, lineBytes)
    }

    public var description: String {
        let size = bytes >= 1 << 20 ? "\(bytes >> 20) MiB" : "\(bytes >> 10) KiB"
        return "L\(level)\(level == 1 ? "d" : "") \(size) (\(ways)-way × \(sets) sets × \(lineBytes) B lines)"
    }
}
