import Foundation
import MatmulCore
import MatmulTesting
import Testing
@testable import Stage6GPU

// Each backend runs for real where it is found and is skipped, with the reason, where it is not.
// `make test` installs PoCL, so the OpenCL kernels always run in CI (on the CPU).
let openCLMissing = GPUMatmul(.openCL, .kernel(.naive)).unavailableReason
let cudaMissing = GPUMatmul(.cuda, .kernel(.naive)).unavailableReason
let cuBLASMissing = GPUMatmul(.cuda, .cuBLAS).unavailableReason

/// NVRTC 12 and 13 from the wheels scripts/install-deps.sh unpacks into .deps/, each opened by its
/// full path with no LD_LIBRARY_PATH (as a GPU machine's toolkit outside the loader's path is), else
/// the one the system has.
let depsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.deps").standardizedFileURL.path
let wheelNVRTCs = [("12", "nvrtc/nvidia/cuda_nvrtc/lib/libnvrtc.so.12"), ("13", "nvrtc13/nvidia/cu13/lib/libnvrtc.so.13")]
    .map { (major: $0.0, path: depsFolder + "/" + $0.1) }
let compilers: [Result<NVRTC, any Error>] = {
    let local = wheelNVRTCs.filter { FileManager.default.fileExists(atPath: $0.path) }
    return local.isEmpty ? [NVRTC.shared] : local.map { wheel in Result { try NVRTC(path: wheel.path) } }
}()
let nvrtcMissing: String? = compilers.lazy.compactMap { if case let .failure(error) = $0 { "\(error)" } else { nil } }.first
/// The compilers to test with, by version ("12.9", "13.0").
let nvrtcVersions: [String] = compilers.compactMap { try? $0.get().version }
func compiler(_ version: String) throws -> NVRTC {
    try #require(compilers.lazy.compactMap { try? $0.get() }.first { $0.version == version })
}

let runningInCI = ProcessInfo.processInfo.environment["CI"] != nil

// MARK: OpenCL (PoCL in CI)

@Suite("OpenCL kernels", .enabled(if: openCLMissing == nil, Comment(rawValue: "no OpenCL: \(openCLMissing ?? "")")))
struct OpenCLKernels {
    @Test("Stage 6 (OpenCL) passes the shared conformance checks",
          arguments: GPUKernel.allCases, ConformanceCase.all)
    func conformance(_ kernel: GPUKernel, _ check: ConformanceCase) throws {
        let problems = try check.problems(of: GPUMatmul(.openCL, .kernel(kernel)))
        #expect(problems.isEmpty, "6\(kernel.letter).cl: \(problems.joined(separator: "; "))")
    }

    @Test("Every kernel agrees with the loop version on shapes around its tile sizes",
          arguments: GPUKernel.allCases)
    func tileEdges(_ kernel: GPUKernel) throws {
        // 256³: only whole 128×128 tiles (6d's float4 path); 300×260×270: whole tiles and edges,
        // k a multiple of 4; 130×7×129: every tile an edge tile, k smaller than one step.
        for (m, k, n) in [(256, 256, 256), (300, 260, 270), (130, 7, 129), (33, 1, 2)] {
            let problems = try ConformanceCase.agreesWithLoops(m: m, k: k, n: n).problems(of: GPUMatmul(.openCL, .kernel(kernel)))
            #expect(problems.isEmpty, "6\(kernel.letter).cl on \(m)×\(k)·\(k)×\(n): \(problems.joined(separator: "; "))")
        }
    }

    @Test func aResidentProductRunsAgainAndCopiesBack() throws {
        let a = try Matrix.randomNormal(rows: 70, columns: 50, seed: 5)
        let b = try Matrix.randomNormal(rows: 50, columns: 90, seed: 6)
        let stage = GPUMatmul(.openCL, .kernel(.registerTiles))
        let product = try ResidentProduct(stage, a, b)
        try product.run()
        let first = try product.result()
        try product.run()
        #expect(try product.result() == first)
        #expect(first == (try stage.multiply(a, b)))
        #expect(product.uploadSeconds > 0 && product.downloadSeconds > 0)
    }

    @Test("gpu-check's timing: a positive time per run, and runs per sample chosen from one run")
    func timingOnTheDevice() throws {
        let a = try Matrix.randomNormal(rows: 64, columns: 64, seed: 5)
        let product = try ResidentProduct(GPUMatmul(.openCL, .kernel(.registerTiles)), a, a)
        let perRun = try product.deviceSecondsPerRun(runs: 3)
        #expect(perRun > 0 && perRun < 1)
        let (seconds, runs) = try GPUCheck.time(product, repeats: 3)
        #expect(seconds > 0 && runs >= 1)
        #expect(try product.result() == (try GPUMatmul(.openCL, .kernel(.registerTiles)).multiply(a, a)))
    }

    @Test("6e agrees with the loop version with every tile size the tuner tries")
    func everyCandidateAgrees() throws {
        let candidates = GPUTuner.candidates(maxThreads: 1024)
        for tiles in candidates {
            // Every block an edge block somewhere: m and n past a whole tile, k not a whole number of slices.
            for (m, k, n) in [(130, 36, 129)] {
                let stage = GPUMatmul(.openCL, .kernel(.tunedTiles), tiles: tiles)
                let problems = try ConformanceCase.agreesWithLoops(m: m, k: k, n: n).problems(of: stage)
                #expect(problems.isEmpty, "6e.cl with \(tiles) on \(m)×\(k)·\(k)×\(n): \(problems.joined(separator: "; "))")
            }
        }
    }

    @Test("The tuner times the candidates, picks the fastest and records it for the device; 6e then runs with it")
    func tunerRecordsTheFastest() throws {
        let candidates = [TileSizes(bm: 64, bn: 64, bk: 8, tm: 8, tn: 8), TileSizes(bm: 64, bn: 64, bk: 8, tm: 4, tn: 4)]
        let trials = try GPUTuner.trials(api: .openCL, n: 96, repeats: 3, candidates: candidates)
        #expect(trials.map(\.tiles) == candidates)
        let seconds = trials.compactMap { try? $0.outcome.get() }
        #expect(seconds.count == 2 && seconds.allSatisfy { $0 > 0 })
        let best = try #require(GPUTuner.best(trials))
        #expect(best.seconds == seconds.min())

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tiles-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let record = TileRecord(path: folder + "/gpu-tiles.txt")
        let device = try TileRecord.device(.openCL)
        try record.record(TileSizes(bm: 128, bn: 64, bk: 16, tm: 8, tn: 4), for: "CUDA: another device", gflops: 1, n: 8, date: "2026-11-22")
        try record.record(candidates[1], for: device.key, gflops: 2, n: 96, date: "2026-11-22")
        try record.record(best.tiles, for: device.key, gflops: 3, n: 96, date: "2026-11-22")
        #expect(record.tiles(for: device.key) == best.tiles)
        #expect(record.tiles(for: "CUDA: another device") == TileSizes(bm: 128, bn: 64, bk: 16, tm: 8, tn: 4))
        let lines = try String(contentsOfFile: record.path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2, "one line per device: \(lines)")
        #expect(record.tiles(for: "OpenCL: no such device") == nil)
    }

    @Test("A write past the end of C (a bounds check off by one) is an error, not a silent pass")
    func writesPastCAreCaught() throws {
        let a = try Matrix.randomNormal(rows: 5, columns: 4, seed: 5)
        let stage = GPUMatmul(.openCL, .kernel(.naive))
        let product = try ResidentProduct(stage, a, a.transposed())
        try product.run()
        _ = try product.result()   // the kernel's bounds are right: the guard zone is untouched
        // What `c[row * n + col]` with row == m would do: one float just past C.
        let backend = try stage.backend()
        let stray: [Float] = [1]
        try backend.locked {
            try stray.withUnsafeBufferPointer { try backend.upload($0, to: product.buffersForTesting!.c, offset: 5 * 5 + 3) }
        }
        #expect(throws: GPUError.self) { try product.result() }
        do { _ = try product.result() } catch { #expect("\(error)".contains("6a.cl wrote past the end of C") && "\(error)".contains("float 3")) }
    }

    @Test func describesItsDevice() throws {
        let stage = GPUMatmul(.openCL, .kernel(.coalesced), timesCopies: true)
        #expect(stage.id == "6b.cl+copies")
        #expect(stage.note?.hasPrefix("OpenCL: ") == true)
    }
}

@Test("In CI, the OpenCL platform (PoCL) and NVRTC are installed (scripts/install-deps.sh --ci), so their tests run rather than skip",
      .enabled(if: runningInCI, "only checked where CI is set"))
func ciInstallsPoCLAndNVRTC() {
    #expect(openCLMissing == nil, "\(openCLMissing ?? "")")
    #expect(nvrtcMissing == nil, "\(nvrtcMissing ?? "")")
    for wheel in wheelNVRTCs {
        #expect(FileManager.default.fileExists(atPath: wheel.path), "NVRTC \(wheel.major) is not in .deps")
    }
    #expect(nvrtcVersions.map { $0.prefix { $0 != "." } } == ["12", "13"], "NVRTCs found: \(nvrtcVersions)")
}

// MARK: CUDA (needs an NVIDIA GPU and driver)

@Suite("CUDA kernels", .enabled(if: cudaMissing == nil, Comment(rawValue: "no CUDA: \(cudaMissing ?? "")")))
struct CUDAKernels {
    @Test("Stage 6 (CUDA) passes the shared conformance checks", arguments: GPUKernel.allCases, ConformanceCase.all)
    func conformance(_ kernel: GPUKernel, _ check: ConformanceCase) throws {
        let problems = try check.problems(of: GPUMatmul(.cuda, .kernel(kernel)))
        #expect(problems.isEmpty, "6\(kernel.letter): \(problems.joined(separator: "; "))")
    }

    @Test("Every CUDA kernel agrees with the loop version on shapes around its tile sizes", arguments: GPUKernel.allCases)
    func tileEdges(_ kernel: GPUKernel) throws {
        for (m, k, n) in [(256, 256, 256), (300, 260, 270), (130, 7, 129), (33, 1, 2)] {
            let problems = try ConformanceCase.agreesWithLoops(m: m, k: k, n: n).problems(of: GPUMatmul(.cuda, .kernel(kernel)))
            #expect(problems.isEmpty, "6\(kernel.letter) on \(m)×\(k)·\(k)×\(n): \(problems.joined(separator: "; "))")
        }
    }
}

@Test("cuBLAS passes the shared conformance checks", .enabled(if: cuBLASMissing == nil, Comment(rawValue: "no cuBLAS: \(cuBLASMissing ?? "")")),
      arguments: ConformanceCase.all)
func cuBLASConformance(_ check: ConformanceCase) throws {
    let problems = try check.problems(of: GPUMatmul(.cuda, .cuBLAS))
    #expect(problems.isEmpty, "\(problems.joined(separator: "; "))")
}

@Test("cuBLAS in TF32 passes the shared conformance checks within its own tolerance",
      .enabled(if: cuBLASMissing == nil, Comment(rawValue: "no cuBLAS: \(cuBLASMissing ?? "")")), arguments: ConformanceCase.all)
func cuBLASTF32Conformance(_ check: ConformanceCase) throws {
    let stage = GPUMatmul(.cuda, .cuBLASTF32)
    let problems = try check.problems(of: stage, tolerance: .roundedInputs(relative: stage.relativeAllowance))
    #expect(problems.isEmpty, "\(problems.joined(separator: "; "))")
}

/// TF32 on the CPU: each input rounded to 10 explicit mantissa bits (to nearest, ties away), then
/// multiplied and summed in Float. What cuBLAS's TF32 mode computes, up to the order of the sums.
struct TF32StandIn: MatmulStage {
    let id = "tf32-stand-in"
    let name = "TF32 stand-in"
    let change = "inputs rounded to TF32"
    static func rounded(_ x: Float) -> Float {
        guard x.isFinite else { return x }
        let bits = x.bitPattern, dropped: UInt32 = 13   // 23 − 10 mantissa bits
        return Float(bitPattern: (bits &+ (1 << (dropped - 1))) & ~((1 << dropped) - 1))
    }
    func multiply(_ a: Matrix, _ b: Matrix) throws -> Matrix {
        let shape = try ProductShape(a, b)
        var c = shape.zeroResult()
        for i in 0..<shape.m {
            for j in 0..<shape.n {
                var sum: Float = 0
                for p in 0..<shape.k { sum += Self.rounded(a[i, p]) * Self.rounded(b[p, j]) }
                c[i, j] = sum
            }
        }
        return c
    }
}

@Test("TF32's tolerance admits a TF32 product, which FP32's refuses")
func tf32ToleranceFitsATF32Product() throws {
    let stage = GPUMatmul(.cuda, .cuBLASTF32)
    #expect(stage.id == "6tf32" && stage.relativeAllowance == 0x1p-8 && GPUMatmul(.cuda, .cuBLAS).relativeAllowance == 0)
    #expect(TF32StandIn.rounded(1 + 0x1p-11) == 1 + 0x1p-10 && TF32StandIn.rounded(1 + 0x1p-12) == 1)
    for check in ConformanceCase.all {
        let problems = try check.problems(of: TF32StandIn(), tolerance: .roundedInputs(relative: stage.relativeAllowance))
        #expect(problems.isEmpty, "\(check): \(problems.joined(separator: "; "))")
    }
    let strict = try ConformanceCase.agreesWithLoops(m: 64, k: 300, n: 50).problems(of: TF32StandIn())
    #expect(!strict.isEmpty, "FP32's bound should not admit TF32's rounding")
}

@Test("Without a CUDA driver, a CUDA product throws the reason instead of crashing",
      .enabled(if: cudaMissing != nil, "a CUDA driver is present"))
func missingDriverThrows() throws {
    let a = try Matrix(rows: 2, columns: 2, repeating: 1)
    #expect(throws: GPUError.self) { try GPUMatmul(.cuda, .kernel(.naive)).multiply(a, a) }
    // No libcuda.so.1, or a driver that finds no GPU (cuInit's error 100): either way, words.
    #expect(cudaMissing?.isEmpty == false)
    // Empty products need no device, so they succeed everywhere.
    let empty = try Matrix(rows: 0, columns: 3)
    #expect(try GPUMatmul(.cuda, .kernel(.naive)).multiply(empty, try Matrix(rows: 3, columns: 4)).shape == Shape(rows: 0, columns: 4))
}

// MARK: NVRTC: the CUDA kernels compile, with or without a GPU

@Suite("NVRTC compiles every CUDA kernel",
       .enabled(if: nvrtcMissing == nil, Comment(rawValue: "no NVRTC (`make nvrtc` fetches it and runs these): \(nvrtcMissing ?? "")")))
struct NVRTCCompiles {
    /// Ampere (A100) and Hopper (H100, H200), with each NVRTC.
    @Test("Each kernel compiles to a cubin for sm_80 and sm_90", arguments: GPUKernel.allCases, [80, 90])
    func cubin(_ kernel: GPUKernel, _ architecture: Int) throws {
        for version in nvrtcVersions {
            let compiler = try compiler(version)
            try #require(compiler.architectures.contains(architecture), "NVRTC \(version) lacks sm_\(architecture)")
            let output = try compiler.compile(kernel.source(for: .cuda, sizes: kernel.sizes(maxThreads: 1024)),
                                              name: "6\(kernel.letter).cu", architecture: architecture)
            guard case let .cubin(bytes) = output else { Issue.record("NVRTC \(version): expected a cubin"); return }
            #expect(Array(bytes.prefix(4)) == [0x7F, 0x45, 0x4C, 0x46], "NVRTC \(version): a cubin is an ELF file")
        }
    }

    @Test("For an architecture NVRTC does not know, it writes PTX for the newest one below it", arguments: GPUKernel.allCases)
    func ptxFallback(_ kernel: GPUKernel) throws {
        for version in nvrtcVersions {
            let compiler = try compiler(version)
            let newest = try #require(compiler.architectures.max())
            let output = try compiler.compile(kernel.source(for: .cuda, sizes: kernel.sizes(maxThreads: 1024)),
                                              name: "6\(kernel.letter).cu", architecture: newest + 1)
            guard case let .ptx(bytes) = output else { Issue.record("NVRTC \(version): expected PTX"); return }
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.contains(".target sm_\(newest)") && text.contains(".entry matmul"), "NVRTC \(version)")
        }
    }

    /// An H100's multiprocessor has 65536 registers and holds at most 2048 threads; 6d's block has
    /// 256 threads, so two blocks resident need at most 65536 / 512 = 128 registers per thread.
    @Test("6d fits two blocks per multiprocessor on sm_90 (at most 128 registers a thread) without spilling")
    func registerTilesFitTwoBlocks() throws {
        let kernel = GPUKernel.registerTiles
        let sizes = kernel.sizes(maxThreads: 1024)
        #expect(sizes.threadsX * sizes.threadsY == 256)
        for version in nvrtcVersions {
            let usage = try compiler(version).resources(kernel.source(for: .cuda, sizes: sizes), name: "6d.cu", architecture: 90)
            #expect(usage.registers <= 128 && usage.spilledBytes == 0, "NVRTC \(version): \(usage)")
        }
    }

    /// Each of the tuner's candidates must compile for the GPU; none may spill registers to memory,
    /// and neither may 6f, whose threads hold 128 results each.
    @Test("6e with every tuner candidate, and 6f, compile for sm_90 without spilling")
    func candidatesCompileWithoutSpilling() throws {
        let candidates = GPUTuner.candidates(maxThreads: 1024)
        #expect(candidates.count == 30, "2·2·2·2·2 sizes, less the two 128×128 ones in 4×4 patches (1024 threads)")
        for version in nvrtcVersions {
            let compiler = try compiler(version)
            for tiles in candidates {
                let sizes = GPUKernel.tunedTiles.sizes(maxThreads: 1024, tiles: tiles)
                let usage = try compiler.resources(GPUKernel.tunedTiles.source(for: .cuda, sizes: sizes), name: "6e.cu", architecture: 90)
                #expect(usage.spilledBytes == 0, "NVRTC \(version), 6e with \(tiles): \(usage)")
            }
            let sizes = GPUKernel.warpTiles.sizes(maxThreads: 1024)
            let usage = try compiler.resources(GPUKernel.warpTiles.source(for: .cuda, sizes: sizes), name: "6f.cu", architecture: 90)
            #expect(usage.spilledBytes == 0 && usage.registers <= 255, "NVRTC \(version), 6f: \(usage)")
        }
    }

    @Test func aBrokenKernelReportsTheCompilerLog() throws {
        for version in nvrtcVersions {
            let compiler = try compiler(version)
            #expect {
                _ = try compiler.compile("extern \"C\" __global__ void matmul() { undeclared = 1; }", name: "broken.cu", architecture: 90)
            } throws: { error in
                guard case let GPUError.compileFailed(kernel, log) = error else { return false }
                return kernel == "broken.cu" && log.contains("undeclared")
            }
        }
    }
}

// MARK: gpu-check's table, messages and timing, on stand-in results (no GPU needed)

@Suite("gpu-check's parts that need no GPU")
struct GPUCheckParts {
    let cudaStages = GPUMatmul.allStages.filter { $0.api == .cuda && !$0.timesCopies }
    let openCLNaive = GPUMatmul(.openCL, .kernel(.naive))

    func timed(_ id: String, ms: Double, wrong: Int = 0) -> GPUCheck.Row {
        GPUCheck.Row(id: id, size: 4096, outcome: .timed(seconds: ms / 1e3, runs: 3, copies: 0.02, wrong: wrong))
    }

    @Test("Every CUDA kernel row has × 6a and % cuBLAS, though cuBLAS is timed last")
    func everyKernelRowComparesWithCuBLAS() {
        #expect(cudaStages.map(\.id) == ["6a", "6b", "6c", "6d", "6e", "6f", "6cublas", "6tf32"])
        let stages = cudaStages.filter { !["6e", "6f", "6tf32"].contains($0.id) }
        // Rows in the order they are timed: cuBLAS last. 6d at 12.5 ms against cuBLAS's 10 ms is 80%.
        let rows = [timed("6a", ms: 500), timed("6b", ms: 100), timed("6c", ms: 50), timed("6d", ms: 12.5), timed("6cublas", ms: 10),
                    timed("6a.cl", ms: 8)]
        let lines = GPUCheck.table(size: 4096, stages: stages + [openCLNaive], rows: rows)
        #expect(lines.count == 1 + 6)
        let percent = lines.dropFirst().prefix(5).map { $0.split(separator: " ").first { $0.hasSuffix("%") }.map(String.init) }
        #expect(percent == ["2%", "10%", "20%", "80%", "100%"], "\(lines.joined(separator: "\n"))")
        #expect(lines[4].contains("40.0×"), "6d is 500 / 12.5 = 40× 6a: \(lines[4])")
        #expect(lines[4].contains("10995.1"), "2·4096³ / 12.5 ms = 10995.1 GFLOP/s: \(lines[4])")
        // OpenCL's rows compare with OpenCL's 6a, and have no cuBLAS to compare with.
        #expect(lines[6].contains("1.0×") && !lines[6].contains("%"), "\(lines[6])")
    }

    @Test("A row that failed or never ran says so, and counts as a failure, as does a wrong entry or a failed check")
    func failuresAreCounted() {
        let rows = [timed("6a", ms: 400), GPUCheck.Row(id: "6b", size: 4096, outcome: .failed("cuCtxSynchronize failed with error 700")),
                    timed("6c", ms: 50, wrong: 3), timed("6cublas", ms: 10)]
        let stages = cudaStages.filter { !["6e", "6f", "6tf32"].contains($0.id) }
        let lines = GPUCheck.table(size: 4096, stages: stages, rows: rows)
        #expect(lines[2].contains("FAILED: cuCtxSynchronize failed with error 700"))
        #expect(lines[3].contains("3 of 256 entries WRONG"))
        #expect(lines[4].contains("not run"))
        var messages = rows.map { GPUCheck.Message.row($0) } + stages.map { .checks(id: $0.id, failed: 0) }
        // 6b failed, 6c wrong, 6d never timed.
        #expect(GPUCheck.failures(stages: stages, sizes: [4096], messages: messages) == 3)
        messages.append(.row(timed("6d", ms: 12.5)))
        #expect(GPUCheck.failures(stages: stages, sizes: [4096], messages: messages) == 2)
        messages = messages.map { if case .checks("6a", _) = $0 { .checks(id: "6a", failed: 2) } else { $0 } }
        #expect(GPUCheck.failures(stages: stages, sizes: [4096], messages: messages) == 3)
        // A size asked for but not reported is a failure too.
        #expect(GPUCheck.failures(stages: [stages[0]], sizes: [4096, 1024], messages: messages) == 1)
    }

    @Test("A kernel's process sends its results as lines that read back the same; other lines are for people")
    func messagesRoundTrip() {
        let messages: [GPUCheck.Message] = [
            .checks(id: "6d", failed: 2),
            .row(GPUCheck.Row(id: "6cublas", size: 1024, outcome: .timed(seconds: 1.25e-5, runs: 160, copies: 0.0031, wrong: 0))),
            .row(GPUCheck.Row(id: "6d.cl", size: 4096, outcome: .failed("no such kernel"))),
        ]
        for message in messages {
            let line = GPUCheck.line(message)
            #expect(!line.contains("\n"))
            #expect(GPUCheck.message(in: line) == message, "\(line)")
        }
        // A message's text loses its tabs and line breaks, nothing else.
        let failed = GPUCheck.Message.row(GPUCheck.Row(id: "6a", size: 8, outcome: .failed("kernel 6a.cu did not compile:\nline\t2")))
        #expect(GPUCheck.message(in: GPUCheck.line(failed))
                == .row(GPUCheck.Row(id: "6a", size: 8, outcome: .failed("kernel 6a.cu did not compile: line 2"))))
        #expect(GPUCheck.message(in: "checks: all 45 pass") == nil)
        #expect(GPUCheck.message(in: "@gpu-check\ttimed\t6a\tx\t1\t1\t0\t0") == nil)
    }

    @Test("A sample is enough runs to last 2 ms: many for a 10 µs kernel, one for a slow one")
    func runsPerSample() {
        #expect(GPUCheck.runsPerSample(oneRun: 1e-5) == 200)
        #expect(GPUCheck.runsPerSample(oneRun: 3e-4) == 7)
        #expect(GPUCheck.runsPerSample(oneRun: 0.05) == 1)
        #expect(GPUCheck.runsPerSample(oneRun: 0) == 10_000)
        #expect(GPUCheck.runsPerSample(oneRun: 1e-9) == 10_000)
    }
}

@Suite("6e's and 6f's sizes")
struct KernelSizes {
    @Test("Tile sizes print and read back; sizes the kernel cannot take are refused with the reason")
    func tileSizes() {
        let tiles = TileSizes(bm: 128, bn: 64, bk: 16, tm: 8, tn: 4)
        #expect(tiles.description == "BM=128 BN=64 BK=16 TM=8 TN=4")
        #expect(TileSizes(tiles.description) == tiles)
        #expect(TileSizes("BM=128 BN=64 BK=16 TM=8") == nil && TileSizes("BM=128 BM=64 BK=16 TM=8 TN=4") == nil)
        #expect(tiles.threads == 16 * 16 && tiles.sharedBytes == (128 + 64) * 16 * 4)
        #expect(tiles.problem(maxThreads: 256) == nil)
        #expect(tiles.problem(maxThreads: 128)?.contains("256 threads") == true)
        #expect(TileSizes(bm: 128, bn: 64, bk: 6, tm: 8, tn: 4).problem(maxThreads: 1024)?.contains("multiples of 4") == true)
        #expect(TileSizes(bm: 128, bn: 128, bk: 64, tm: 8, tn: 8).problem(maxThreads: 1024)?.contains("48 KiB") == true)
        #expect(TileSizes(bm: 100, bn: 64, bk: 8, tm: 8, tn: 4).problem(maxThreads: 1024)?.contains("divide") == true)
        // Every candidate fits; 6d's sizes are the standard ones, and among them.
        #expect(GPUTuner.candidates(maxThreads: 1024).allSatisfy { $0.problem(maxThreads: 1024) == nil })
        #expect(GPUTuner.candidates(maxThreads: 1024).contains(TileSizes.standard(maxThreads: 1024)))
        #expect(GPUTuner.candidates(maxThreads: 128).allSatisfy { $0.threads <= 128 })
    }

    @Test("6f's sizes fit its assumptions: a warp's 32 lanes cover one piece, one warp per sub-tile", arguments: [1024, 256, 128, 64, 32])
    func warpTileSizes(_ maxThreads: Int) {
        let tiles = WarpTiles.standard(maxThreads: maxThreads)
        #expect(tiles.isConsistent && tiles.threads <= maxThreads, "\(tiles)")
    }
}
