import Foundation
import MatmulCore
import MatmulTesting
import Stage1Loops
import Testing
import Stage5BLAS

@Test("Stage 5 (BLAS) passes the shared conformance checks", arguments: ConformanceCase.all)
func conformance(_ check: ConformanceCase) throws {
    let problems = try check.problems(of: BLASMatmul())
    #expect(problems.isEmpty, "\(problems.joined(separator: "; "))")
}

@Test("Stage 5 (BLAS) on two threads passes the shared conformance checks", arguments: ConformanceCase.all)
func conformanceOnTwoThreads(_ check: ConformanceCase) throws {
    let problems = try check.problems(of: BLASMatmul(threads: 2))
    #expect(problems.isEmpty, "\(problems.joined(separator: "; "))")
}

@Test func reportsWhichKernelOpenBLASPicked() {
    #expect(!BLASMatmul.coreName.isEmpty)
    #expect(BLASMatmul.configuration.hasPrefix("OpenBLAS"))
    #expect(BLASMatmul(threads: 2).note?.hasPrefix("OpenBLAS core: \(BLASMatmul.coreName)") == true)
    #expect(BLASMatmul(threads: 0).threads == 1)
}

// Stage 5b, BLIS: skipped, saying what to install, where libblis is missing.
let blisMissing = BLISMatmul().unavailableReason

@Test("Stage 5b (BLIS) passes the shared conformance checks, on 1 and 2 threads",
      .enabled(if: blisMissing == nil, "\(blisMissing ?? "")"), arguments: ConformanceCase.all, [1, 2])
func blisConformance(_ check: ConformanceCase, threads: Int) throws {
    let problems = try check.problems(of: BLISMatmul(threads: threads))
    #expect(problems.isEmpty, "\(problems.joined(separator: "; "))")
}

@Test(.enabled(if: blisMissing == nil, "\(blisMissing ?? "")"))
func reportsWhichKernelsBLISPicked() {
    #expect(BLISMatmul().note?.hasPrefix("BLIS ") == true)
    #expect(BLISMatmul(threads: 0).threads == 1)
    #expect(BLISMatmul().baseline == .stage(id: "5"))
}

@Test func whereSumsMayOverflowTheOrderDecidesAndTheRuleExemptsTheEntry() throws {
    // A's row 2 is +,+,−,−,… FLT_MAX/4 and B's column 1 is ones, so entry (2, 1) is a sum of 64
    // terms ±FLT_MAX/4 whose exact value is 0. Stage 1 adds them in order p = 0, 1, 2, …: its running
    // sum goes FLT_MAX/4, FLT_MAX/2, FLT_MAX/4, 0, … and stays finite. The same terms in another
    // order overflow: put the 32 positive ones first and the running sum passes FLT_MAX at the fifth.
    // Both orders are forced here (Stage 1 on A's columns and B's rows permuted alike, which leaves
    // the product unchanged), so the example holds whichever kernel OpenBLAS picks on this CPU.
    // (On 2026-12-06, Intel Xeon family 6 model 207, OpenBLAS 0.3.21 gave 0 here with its Prescott
    // to Zen kernels and NaN with SkylakeX and Cooperlake, forced with OPENBLAS_CORETYPE.)
    let (a, b) = try SpecialValues.sumsMayOverflow.matrices()
    #expect(FloatingPointRule.entries(a, b)[2 * b.columns + 1] == .exempt)
    let positivesFirst = (0..<a.columns).filter { $0 % 4 < 2 } + (0..<a.columns).filter { $0 % 4 >= 2 }
    let reordered = try LoopsMatmul().multiply(
        try Matrix(rows: a.rows, columns: a.columns, element: { i, p in a[i, positivesFirst[p]] }),
        try Matrix(rows: b.rows, columns: b.columns, element: { p, j in b[positivesFirst[p], j] }))[2, 1]
    let inOrder = try LoopsMatmul().multiply(a, b)[2, 1]
    #expect(inOrder == 0)
    #expect(reordered == .infinity)
    // OpenBLAS may give either; the rule exempts the entry, and the shared conformance case
    // `sumsMayOverflow` checks that every other entry of this product obeys the rule.
    let blas = try BLASMatmul().multiply(a, b)[2, 1]
    #expect(blas == 0 || !blas.isFinite, "OpenBLAS (\(BLASMatmul.coreName)) gave \(blas), neither Stage 1's 0 nor an overflow")
}

// CI runs these tests once per kernel family this CPU can execute (scripts/library-kernels.sh),
// setting OPENBLAS_CORETYPE or BLIS_ARCH_TYPE: these two make sure the library really ran that family,
// so a test tied to one library kernel fails in CI on any machine.
let askedCore = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? ""
let askedArchitecture = ProcessInfo.processInfo.environment["BLIS_ARCH_TYPE"] ?? ""

@Test(.enabled(if: !askedCore.isEmpty, "OPENBLAS_CORETYPE is not set: OpenBLAS runs its own choice"))
func openBLASRunsTheCoreTypeTheEnvironmentAsksFor() throws {
    let asked = askedCore
    #expect(BLASMatmul.coreName.lowercased() == asked.lowercased())
    #expect(BLASMatmul().note?.contains("OPENBLAS_CORETYPE=\(asked) set by you") == true)
}

@Test(.enabled(if: blisMissing == nil, "\(blisMissing ?? "")"),
      .enabled(if: !askedArchitecture.isEmpty, "BLIS_ARCH_TYPE is not set: BLIS runs its own choice"))
func blisRunsTheConfigurationTheEnvironmentAsksFor() throws {
    let asked = askedArchitecture
    let name = try #require(BLISMatmul.architecture)
    #expect(BLISMatmul.architectureNumber(name).map(String.init) == asked, "BLIS_ARCH_TYPE=\(asked), yet BLIS runs \(name)")
}

// The decisions, on CPUs this machine may not be: an AVX2 CPU, an AVX-512 CPU whose libraries fell back.
let avx2Flags: Set<String> = ["pni", "ssse3", "sse4_2", "avx", "avx2", "fma"]
let avx512Flags = avx2Flags.union(["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"])

@Test func aLibraryRunningTheWidestKernelsTheCPUExecutesIsNotFlagged() {
    #expect(LibraryKernels.openBLAS.widerFamily(than: "Haswell", flags: avx2Flags) == nil)
    #expect(LibraryKernels.openBLAS.widerFamily(than: "Zen", flags: avx2Flags) == nil)
    #expect(LibraryKernels.blis.widerFamily(than: "zen3", flags: avx2Flags) == nil)
    #expect(LibraryKernels.openBLAS.widerFamily(than: "SkylakeX", flags: avx512Flags) == nil)
    #expect(LibraryKernels.openBLAS.remarks(current: "Haswell", flags: avx2Flags, environment: [:]).isEmpty)
    #expect(LibraryKernels.blis.remarks(current: "haswell", flags: avx2Flags, environment: [:]).isEmpty)
    // A CPU without AVX-512 cannot run the AVX-512 families: they are not offered.
    #expect(!LibraryKernels.openBLAS.runnable(on: avx2Flags).contains { $0.vectorBits == 512 })
    #expect(!LibraryKernels.blis.runnable(on: avx2Flags).contains { $0.name == "skx" })
}

@Test func aLibraryThatFellBackIsFlaggedWithTheSettingThatFixesIt() {
    #expect(LibraryKernels.openBLAS.widerFamily(than: "Prescott", flags: avx512Flags)?.vectorBits == 512)
    #expect(LibraryKernels.openBLAS.widerFamily(than: "Prescott", flags: avx2Flags)?.instructionSet == "AVX2")
    let remark = LibraryKernels.openBLAS.remarks(current: "Prescott", flags: avx512Flags, environment: [:])
    #expect(remark.count == 1 && remark[0].hasPrefix("Prescott is SSE3 code; this CPU runs AVX-512 (OPENBLAS_CORETYPE="), "\(remark)")
    #expect(LibraryKernels.blis.widerFamily(than: "haswell", flags: avx512Flags)?.name == "skx")
    // The user's own setting is said as theirs.
    #expect(LibraryKernels.openBLAS.remarks(current: "Haswell", flags: avx512Flags, environment: ["OPENBLAS_CORETYPE": "Haswell"])
            == ["OPENBLAS_CORETYPE=Haswell set by you"])
    // BLIS 0.9 reads its variable as a number: a name is read as 0 (skx), and the note says so.
    let named = LibraryKernels.blis.remarks(current: "skx", flags: avx512Flags, environment: ["BLIS_ARCH_TYPE": "haswell"])
    #expect(named.count == 1 && named[0].hasPrefix("BLIS_ARCH_TYPE=haswell set by you (BLIS reads it as a number, and 'haswell' as 0"), "\(named)")
    #expect(LibraryKernels.blis.remarks(current: "haswell", flags: avx512Flags, environment: ["BLIS_ARCH_TYPE": "3"]) == ["BLIS_ARCH_TYPE=3 set by you"])
}

@Test func theSurveyChoosesAFasterKernelOnlyWhenItIsClearlyFaster() throws {
    func trial(_ name: String?, _ kernel: String, _ gflops: Double?) -> KernelSurvey.Trial {
        KernelSurvey.Trial(requested: name, setting: name.map { "OPENBLAS_CORETYPE=\($0)" }, kernel: kernel, gflops: gflops)
    }
    // Measured on an Intel Xeon (family 6 model 207): Prescott, the own choice, far behind SkylakeX.
    let fellBack = KernelSurvey(library: "OpenBLAS", trials: [trial(nil, "Prescott", 31.0), trial("Haswell", "Haswell", 81.8),
                                                              trial("SkylakeX", "SkylakeX", 150.4), trial("Cooperlake", "Cooperlake", nil)])
    #expect(fellBack.better?.kernel == "SkylakeX")
    // Within 10%: the library's own choice stays (an AVX2 CPU, or Zen 4 where SkylakeX is no faster).
    let asGood = KernelSurvey(library: "OpenBLAS", trials: [trial(nil, "Zen", 80), trial("Haswell", "Haswell", 85), trial("SkylakeX", "SkylakeX", 87)])
    #expect(asGood.better == nil)
    // The user's setting is never overridden; a failed own choice decides nothing.
    #expect(KernelSurvey(library: "OpenBLAS", trials: fellBack.trials, setByUser: "OPENBLAS_CORETYPE=Haswell").better == nil)
    #expect(KernelSurvey(library: "OpenBLAS", trials: [trial(nil, "Prescott", nil), trial("SkylakeX", "SkylakeX", 150)]).better == nil)

    // The notes: in the process started again with SkylakeX, and in one that kept Prescott.
    let json = String(decoding: try JSONEncoder().encode([fellBack]), as: UTF8.self)
    let environment = [KernelSurvey.environmentVariable: json, "OPENBLAS_CORETYPE": "SkylakeX"]
    let chosen = LibraryKernels.openBLAS.remarks(current: "SkylakeX", flags: avx512Flags, environment: environment)
    #expect(chosen == ["OPENBLAS_CORETYPE=SkylakeX set by speedup: 150.4 GFLOP/s against 31.0 for OpenBLAS's own choice, Prescott (500×500 · 500×500 on 1 thread)"])
    let kept = LibraryKernels.openBLAS.remarks(current: "Prescott", flags: avx512Flags, environment: [KernelSurvey.environmentVariable: json])
    #expect(kept.count == 1 && kept[0].hasPrefix("fell back: OPENBLAS_CORETYPE=SkylakeX ran 4.9× faster here"), "\(kept)")
}
