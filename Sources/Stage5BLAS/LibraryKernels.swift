// Which kernels the libraries run, and which they could run here.
//
// OpenBLAS and BLIS each carry kernels for many CPUs and pick one when they start, from what the
// CPU says it is. A library that does not know a CPU falls back to older kernels. On an Intel Xeon
// family 6 model 207 (AVX-512, two 512-bit FMA units), on 2026-12-06, Debian's OpenBLAS 0.3.21
// picked `Prescott` (SSE3 code, 4 floats per instruction) and BLIS 0.9 picked `haswell` (it printed
// "Number of FMA units unknown" with BLIS_ARCH_DEBUG=1). Both let the environment override the
// choice before they start: OPENBLAS_CORETYPE takes a name (SkylakeX); BLIS 0.9's BLIS_ARCH_TYPE
// takes a number, the configuration's place in BLIS's list (0 is skx; a name reads as 0).
//
// This file knows, for each kernel family a library can be told to use on x86-64, which CPU
// features its code needs (flags of /proc/cpuinfo): what the CPU can execute, not which CPU
// models the kernels were written for. Whether a family is also faster here is measured:
// `speedup libraries`, and the runner before a table with Stage 5 or 5b (`KernelSurvey`).

import Foundation
import MatmulCore

/// A set of kernels a library can be told to use, and the CPU features its code needs.
public struct KernelFamily: Equatable, Sendable {
    public let name: String
    /// Flags of /proc/cpuinfo the code needs.
    public let needs: [String]
    /// The width of its vectors in bits (0: no vector kernels).
    public let vectorBits: Int
    /// Its instruction set, in words: "SSE3", "AVX2", "AVX-512".
    public let instructionSet: String

    /// Whether a CPU with `flags` can execute it.
    public func runs(on flags: Set<String>) -> Bool { needs.allSatisfy(flags.contains) }
}

/// One library's kernel families on x86-64 and the environment variable that chooses among them.
public struct LibraryKernels: Sendable {
    /// "OpenBLAS" or "BLIS".
    public let library: String
    /// The environment variable the library reads when it starts.
    public let variable: String
    public let families: [KernelFamily]
    /// The kernel family this process runs, as the library names it; nil when it cannot say.
    public let current: @Sendable () -> String?
    /// The value of `variable` that asks for the family named so, or nil.
    public let value: @Sendable (String) -> String?
    /// Whether the variable takes a number (BLIS 0.9) rather than a family's name (OpenBLAS).
    let readsNumbers: Bool
    /// The library's stage on one thread, which `probe` times.
    let stage: @Sendable () -> any MatmulStage

    public static let openBLAS = LibraryKernels(
        library: "OpenBLAS", variable: "OPENBLAS_CORETYPE",
        families: [
            // Linux lists SSE3 as "pni" (Prescott New Instructions).
            KernelFamily(name: "Prescott", needs: ["pni"], vectorBits: 128, instructionSet: "SSE3"),
            KernelFamily(name: "Core2", needs: ["ssse3"], vectorBits: 128, instructionSet: "SSSE3"),
            KernelFamily(name: "Nehalem", needs: ["sse4_2"], vectorBits: 128, instructionSet: "SSE4.2"),
            KernelFamily(name: "Sandybridge", needs: ["avx"], vectorBits: 256, instructionSet: "AVX"),
            KernelFamily(name: "Haswell", needs: ["avx2", "fma"], vectorBits: 256, instructionSet: "AVX2"),
            KernelFamily(name: "Zen", needs: ["avx2", "fma"], vectorBits: 256, instructionSet: "AVX2"),
            KernelFamily(name: "SkylakeX", needs: avx512, vectorBits: 512, instructionSet: "AVX-512"),
            KernelFamily(name: "Cooperlake", needs: avx512 + ["avx512_bf16"], vectorBits: 512, instructionSet: "AVX-512 with BF16"),
        ],
        current: { BLASMatmul.coreName },
        value: { $0 },
        readsNumbers: false,
        stage: { BLASMatmul(threads: 1) })

    public static let blis = LibraryKernels(
        library: "BLIS", variable: "BLIS_ARCH_TYPE",
        families: [
            KernelFamily(name: "generic", needs: [], vectorBits: 0, instructionSet: "no vector kernels"),
            KernelFamily(name: "penryn", needs: ["ssse3"], vectorBits: 128, instructionSet: "SSSE3"),
            KernelFamily(name: "sandybridge", needs: ["avx"], vectorBits: 256, instructionSet: "AVX"),
            KernelFamily(name: "haswell", needs: ["avx2", "fma"], vectorBits: 256, instructionSet: "AVX2"),
            KernelFamily(name: "zen", needs: ["avx2", "fma"], vectorBits: 256, instructionSet: "AVX2"),
            KernelFamily(name: "zen2", needs: ["avx2", "fma"], vectorBits: 256, instructionSet: "AVX2"),
            KernelFamily(name: "zen3", needs: ["avx2", "fma"], vectorBits: 256, instructionSet: "AVX2"),
            KernelFamily(name: "skx", needs: avx512, vectorBits: 512, instructionSet: "AVX-512"),
        ],
        current: { BLISMatmul.architecture },
        value: { BLISMatmul.architectureNumber($0).map(String.init) },
        readsNumbers: true,
        stage: { BLISMatmul(threads: 1) })

    /// Both libraries, in the table's order.
    public static let all = [openBLAS, blis]

    /// What /proc/cpuinfo must list for AVX-512 kernels: Foundation and the byte/word,
    /// doubleword/quadword, conflict-detection and 128/256-bit-form extensions they use.
    static let avx512 = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]

    /// The family named `name` (as the library spells it, any case), or nil.
    public func family(_ name: String) -> KernelFamily? {
        families.first { $0.name.lowercased() == name.lowercased() }
    }

    /// What a name given where a number is read comes to: BLIS 0.9 reads "haswell" as 0, skx.
    func misread(_ value: String) -> String {
        let asked = setting(value).map { ", which \($0) asks for" } ?? ""
        return " (\(library) reads it as a number, and '\(value)' as 0: not the \(value) kernels\(asked))"
    }

    /// The families a CPU with `flags` can execute.
    public func runnable(on flags: Set<String>) -> [KernelFamily] { families.filter { $0.runs(on: flags) } }

    /// "OPENBLAS_CORETYPE=SkylakeX", "BLIS_ARCH_TYPE=0": the setting that asks for `family`, or nil.
    public func setting(_ family: String) -> String? { value(family).map { "\(variable)=\($0)" } }

    /// The library fell back: a family with wider vectors than `current`'s that a CPU with `flags`
    /// can execute (of the widest such, the last in `families`, which lists older ones first), or
    /// nil. A family this file does not know gives nil.
    public func widerFamily(than current: String, flags: Set<String>) -> KernelFamily? {
        guard let running = family(current) else { return nil }
        let wider = runnable(on: flags).filter { $0.vectorBits > running.vectorBits }
        return wider.last { $0.vectorBits == wider.map(\.vectorBits).max() }
    }

    /// The GFLOP/s of the library's kernels in this process: the best of 10 products of
    /// 500×500 · 500×500 on one thread, after one warm-up, timed as every row of the table is
    /// (`timeProduct`). A size larger than L2 on the CPUs here (3 MB of A, B and C) and no power of two.
    public func probe() throws -> Double {
        let n = 500
        let a = try Matrix.randomNormal(rows: n, columns: n, seed: 1), b = try Matrix.randomNormal(rows: n, columns: n, seed: 2)
        return 2 * Double(n * n * n) / (try timeProduct(stage(), a, b, repeats: 10).minimum) / 1e9
    }

    /// What a stage's note says about the kernels beyond their name: whether the library fell back
    /// and what was measured. `environment` is the process's: it holds this run's survey, if one
    /// was made (`KernelSurvey.environmentVariable`), and tells a setting the user made.
    public func remarks(current: String, flags: Set<String> = HostCPU.flags,
                        environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        let survey = KernelSurvey.all(environment: environment)?.first { $0.library == library }
        func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
        if let survey, let own = survey.own, let ownSpeed = own.gflops {
            let probe = "\(KernelSurvey.probeShape) on 1 thread"
            if let better = survey.better, let speed = better.gflops, let setting = better.setting {
                if better.kernel.lowercased() == current.lowercased() {
                    return ["\(setting) set by speedup: \(fixed(speed, 1)) GFLOP/s against \(fixed(ownSpeed, 1)) for \(library)'s own choice, \(own.kernel) (\(probe))"]
                }
                return ["fell back: \(setting) ran \(fixed(speed / ownSpeed, 1))× faster here (\(fixed(speed, 1)) against \(fixed(ownSpeed, 1)) GFLOP/s, \(probe)); speedup uses it unless --libraries as-found"]
            }
        }
        if let value = environment[variable], survey?.setByUser != nil || survey == nil {
            return ["\(variable)=\(value) set by you" + (readsNumbers && Int(value) == nil ? misread(value) : "")]
        }
        if let wider = widerFamily(than: current, flags: flags), let running = family(current) {
            let measured = survey == nil ? "" : "; measured no faster here"
            return ["\(current) is \(running.instructionSet) code; this CPU runs \(wider.instructionSet) (\(setting(wider.name) ?? wider.name))\(measured)"]
        }
        return []
    }
}

/// One library's kernels timed side by side, each in a process of its own (a library chooses its
/// kernels once, when it starts): its own choice first, then each family this CPU can execute.
public struct KernelSurvey: Codable, Equatable, Sendable {
    /// One timed process.
    public struct Trial: Codable, Equatable, Sendable {
        /// The family asked for; nil for the library's own choice.
        public var requested: String?
        /// The setting that asked for it ("OPENBLAS_CORETYPE=SkylakeX"); nil for the own choice.
        public var setting: String?
        /// The family the library said it ran; empty when the process failed.
        public var kernel: String
        /// Its GFLOP/s, or nil when the process failed.
        public var gflops: Double?
        /// Why it failed, or nil.
        public var failure: String?

        public init(requested: String?, setting: String?, kernel: String, gflops: Double?, failure: String? = nil) {
            (self.requested, self.setting, self.kernel, self.gflops, self.failure) = (requested, setting, kernel, gflops, failure)
        }
    }

    public var library: String
    public var trials: [Trial]
    /// The user's own setting ("OPENBLAS_CORETYPE=Haswell"): nothing else was tried.
    public var setByUser: String?

    public init(library: String, trials: [Trial], setByUser: String? = nil) {
        (self.library, self.trials, self.setByUser) = (library, trials, setByUser)
    }

    /// The product each trial times.
    public static let probeShape = "500×500 · 500×500"

    /// The library's own choice.
    public var own: Trial? { trials.first { $0.requested == nil } }

    /// The trial to use instead of the library's own choice: the fastest, where it is a different
    /// family and more than 10% faster (less is within what two runs of one kernel differ by on
    /// these shared machines); nil keeps the library's choice.
    public var better: Trial? {
        guard setByUser == nil, let own, let ownSpeed = own.gflops,
              let fastest = trials.filter({ $0.gflops != nil && $0.setting != nil }).max(by: { $0.gflops! < $1.gflops! }),
              fastest.kernel.lowercased() != own.kernel.lowercased(), fastest.gflops! > 1.1 * ownSpeed else { return nil }
        return fastest
    }

    /// The environment variable the runner passes a survey in, to the process it starts again
    /// with the better kernels (and which `remarks` read).
    public static let environmentVariable = "MATMUL_KERNEL_SURVEY"

    /// The surveys of this run, from the environment; nil when none was made.
    public static func all(environment: [String: String] = ProcessInfo.processInfo.environment) -> [KernelSurvey]? {
        environment[environmentVariable].flatMap { try? JSONDecoder().decode([KernelSurvey].self, from: Data($0.utf8)) }
    }
}
