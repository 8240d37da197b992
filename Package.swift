// swift-tools-version:6.0
import PackageDescription

// Release builds are compiled for the CPU they are built on, so SIMD code uses its full
// vector width and `addProduct` becomes an FMA instruction rather than a call to libm's fmaf
// (see lessons/00-start-here.md). A release binary built here may not run on an older CPU.
// MATMUL_PORTABLE=1 in the environment leaves it out (`make gpu-check` builds so, for other machines).
let hostCPU: [SwiftSetting] = Context.environment["MATMUL_PORTABLE"] != nil ? [] : [
    .unsafeFlags(["-Xcc", "-march=native"], .when(configuration: .release))
]

// `make exercises` (scripts/check-exercises.sh) builds your exercises from another folder, with the
// reference solutions (or one wrong solution) in place of your files, so your own stay untouched.
let yourTurnSources = Context.environment["MATMUL_YOURTURN_SOURCES"]

let package = Package(
    name: "SwiftMatmul",
    products: [
        .executable(name: "speedup", targets: ["speedup"]),
        .executable(name: "gpu-check", targets: ["gpu-check"]),
        .executable(name: "lesson-check", targets: ["lesson-check"]),
        // A drop-in BLAS: sgemm_ and cblas_sgemm served by Stage 4 (`make blas`, lessons/05-blas.md).
        .library(name: "MatmulBLAS", type: .dynamic, targets: ["MatmulBLAS"]),
    ],
    targets: [
        // The core every stage shares: Matrix, MatmulError, the MatmulStage contract, FLOP helpers.
        .target(name: "MatmulCore", swiftSettings: hostCPU),

        // The stages, one module each, in lesson order. A stage imports only the core.
        .target(name: "Stage1Loops", dependencies: ["MatmulCore"], swiftSettings: hostCPU),
        .target(name: "Stage2Dot", dependencies: ["MatmulCore"], swiftSettings: hostCPU),
        .target(name: "Stage3Broadcast", dependencies: ["MatmulCore"], swiftSettings: hostCPU),
        .target(name: "Stage4Blocked", dependencies: ["MatmulCore", "CPrefetch"], swiftSettings: hostCPU),
        .target(name: "Stage5BLAS", dependencies: ["MatmulCore", "COpenBLAS"], swiftSettings: hostCPU),
        // Stage 6 opens its GPU libraries (CUDA, NVRTC, cuBLAS, OpenCL) at run time: nothing to link.
        .target(name: "Stage6GPU", dependencies: ["MatmulCore"]),
        // Your turn: the learner's exercises (one per step of lessons 01–04) and own kernel, stubs
        // until written (lessons/00-start-here.md); reference solutions are in Solutions/.
        .target(name: "YourTurn", dependencies: ["MatmulCore", "Stage4Blocked", "Stage5BLAS", "Stage6GPU"],
                path: yourTurnSources, swiftSettings: hostCPU),

        // System libraries: OpenBLAS for Stage 5, zlib for reading the gzipped Fashion-MNIST files.
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Not a library: one header giving Stage 4's micro-kernel the CPU's prefetch instruction.
        .systemLibrary(name: "CPrefetch"),

        // The runner: the stage list, workloads, timing and the table; `speedup` is its command line.
        .target(
            name: "Runner",
            dependencies: ["MatmulCore", "Stage1Loops", "Stage2Dot", "Stage3Broadcast", "Stage4Blocked", "Stage5BLAS", "Stage6GPU", "YourTurn", "CZlib"],
            swiftSettings: hostCPU),
        .executableTarget(name: "speedup", dependencies: ["Runner"], swiftSettings: hostCPU),
        // Stage 6's self-check, for GPU machines without Swift: `make gpu-check` builds it.
        .executableTarget(name: "gpu-check", dependencies: ["Stage6GPU", "MatmulTesting", "MatmulCore"]),

        // Keeps the lessons honest: their code excerpts and commands are checked against the code.
        .target(name: "LessonCheck", dependencies: ["Runner"]),
        .executableTarget(name: "lesson-check", dependencies: ["LessonCheck"]),

        // libMatmulBLAS: the BLAS interface (sgemm_, cblas_sgemm) over Stage 4, 4s or your kernel.
        .target(name: "MatmulBLAS", dependencies: ["MatmulCore", "Stage4Blocked", "YourTurn", "CBLASCallbacks"],
                swiftSettings: hostCPU),
        // Not a library: the C calls through which it reports bad arguments (xerbla_, cblas_xerbla).
        .systemLibrary(name: "CBLASCallbacks"),

        // Shared conformance checks, used only by the test targets.
        .target(name: "MatmulTesting", dependencies: ["MatmulCore", "Stage1Loops"]),

        .testTarget(name: "Stage1LoopsTests", dependencies: ["Stage1Loops", "MatmulTesting"]),
        .testTarget(name: "Stage2DotTests", dependencies: ["Stage2Dot", "MatmulTesting"]),
        .testTarget(name: "Stage3BroadcastTests", dependencies: ["Stage3Broadcast", "MatmulTesting"]),
        .testTarget(name: "Stage4BlockedTests", dependencies: ["Stage4Blocked", "MatmulTesting", "Stage1Loops"]),
        .testTarget(name: "Stage5BLASTests", dependencies: ["Stage5BLAS", "MatmulTesting", "Stage1Loops", "MatmulCore"]),
        .testTarget(name: "Stage6GPUTests", dependencies: ["Stage6GPU", "MatmulTesting"]),
        .testTarget(name: "YourTurnTests", dependencies: ["YourTurn", "MatmulTesting", "Stage4Blocked"]),
        .testTarget(name: "MatmulCoreTests", dependencies: ["MatmulCore"]),
        .testTarget(name: "LessonCheckTests", dependencies: ["LessonCheck"]),
        .testTarget(name: "RunnerTests", dependencies: ["Runner", "Stage4Blocked", "Stage5BLAS", "YourTurn", "CZlib"]),
    ],
    swiftLanguageModes: [.v6]
)

// The fuzz target, only when `make fuzz` (scripts/fuzz.sh) asks for it: libFuzzer supplies its
// main, so an ordinary build could not link it. Fuzz/corpus holds its seeds and the inputs that
// once crashed the programs, which RunnerTests also replays.
if Context.environment["MATMUL_FUZZ"] != nil {
    package.targets.append(.executableTarget(name: "fuzz-inputs", dependencies: ["Runner"], path: "Fuzz", exclude: ["corpus"]))
}
