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
}
