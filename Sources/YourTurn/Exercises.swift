// The exercises' frame: which exercise is which, whether you have written it yet, and the rows
// that time your code in the speedup table beside the stage it imitates. Not an exercise: you
// write the files named Exercise1… to Exercise8… and YourMatmul.swift; this one you may read.

import Dispatch
import MatmulCore
import Stage4Blocked
import Synchronization

/// The exercises, in lesson order: lessons 01–03 one each, lesson 04 five, then your own kernel.
public enum Exercise: Int, CaseIterable, Sendable, CustomStringConvertible {
    case loops = 1, dot, broadcast, tiling, packing, microKernel, fiveLoops, threads, ownKernel

    /// The file you write it in.
    public var file: String {
        switch self {
        case .loops: "Sources/YourTurn/Exercise1Loops.swift"
        case .dot: "Sources/YourTurn/Exercise2Dot.swift"
        case .broadcast: "Sources/YourTurn/Exercise3Broadcast.swift"
        case .tiling: "Sources/YourTurn/Exercise4Tiling.swift"
        case .packing: "Sources/YourTurn/Exercise5Packing.swift"
        case .microKernel: "Sources/YourTurn/Exercise6MicroKernel.swift"
        case .fiveLoops: "Sources/YourTurn/Exercise7FiveLoops.swift"
        case .threads: "Sources/YourTurn/Exercise8Threads.swift"
        case .ownKernel: "Sources/YourTurn/YourMatmul.swift"
        }
    }

    /// What you write: the function (or functions) whose stub throws `NotWrittenYet`.
    public var functions: String {
        switch self {
        case .loops: "yourLoops"
        case .dot: "yourDot"
        case .broadcast: "yourBroadcast"
        case .tiling: "yourTiledProduct"
        case .packing: "yourPackA and yourPackB"
        case .microKernel: "yourMicroKernel"
        case .fiveLoops: "yourFiveLoops"
        case .threads: "yourThreadedFiveLoops"
        case .ownKernel: "YourMatmul.multiply"
        }
    }

    /// The id of the stage (or lesson step) it imitates: its row is compared with that one.
    public var imitates: String {
        switch self {
        case .loops: "1"
        case .dot: "2"
        case .broadcast: "3"
        case .tiling: "4a"
        case .packing: "4b"
        case .microKernel, .fiveLoops: "4c"
        case .threads: "4"
        case .ownKernel: "4"
        }
    }

    /// "exercise 5 (packing)".
    public var description: String { self == .ownKernel ? "your own kernel" : "exercise \(rawValue) (\(name))" }

    var name: String {
        switch self {
        case .loops: "loops"
        case .dot: "dot"
        case .broadcast: "i-k-j"
        case .tiling: "tiling"
        case .packing: "packing"
        case .microKernel: "micro-kernel"
        case .fiveLoops: "five loops"
        case .threads: "threads"
        case .ownKernel: "your kernel"
        }
    }

    /// What the tests and the runner say while the stub is still there.
    public var notWrittenReason: String { "not written yet: \(functions) in \(file)" }

    /// False while the stub still throws `NotWrittenYet`: its tests are skipped and its row says so.
    /// Found by calling your function once on a tiny problem.
    public var isWritten: Bool {
        do {
            try probe()
            return true
        } catch let error as NotWrittenYet where error.exercise == self {
            return false
        } catch {
            return true   // any other error is the tests' to report
        }
    }

    /// Calls the exercise's function(s) on 1×1 operands. Packing counts as written once either
    /// packer is: the tests then report the other one as not written.
    private func probe() throws {
        let one = try Matrix(rows: 1, columns: 1, elements: [1])
        var scratch = [Float](repeating: 0, count: 4 * MicroKernel.mr * MicroKernel.nr)
        try scratch.withUnsafeMutableBufferPointer { buffer in
            let memory = buffer.baseAddress!
            let view = MatrixView(unchecked: memory, rows: 1, columns: 1, stride: 1)
            let out = memory + MicroKernel.mr * MicroKernel.nr
            let blocks = try BlockSizes(mc: 1, kc: 1, nc: 1, tile: .narrow)
            switch self {
            case .loops: _ = try yourLoops(one, one)
            case .dot: _ = try yourDot(one, one)
            case .broadcast: _ = try yourBroadcast(one, one)
            case .tiling: try yourTiledProduct(view, view, out.view(1, 1), tile: TileSizes(rows: 1, depth: 1, columns: 1))
            case .packing:
                do { try yourPackA(view, into: out) } catch is NotWrittenYet { try yourPackB(view, into: out, panels: 0..<1) }
            case .microKernel: try yourMicroKernel(depth: 0, a: memory, b: memory, c: out, ldc: MicroKernel.nr)
            case .fiveLoops: try yourFiveLoops(view, view, out.view(1, 1), blocks: blocks, pieces: .stage)
            case .threads: try yourThreadedFiveLoops(view, view, out.view(1, 1), blocks: blocks, threads: 1, pieces: .stage)
            case .ownKernel: _ = try YourMatmul().multiply(one, one)
            }
        }
    }
}

private extension UnsafeMutablePointer<Float> {
    func view(_ rows: Int, _ columns: Int) -> MatrixView {
        MatrixView(unchecked: self, rows: rows, columns: columns, stride: columns)
    }
}

/// What an exercise's stub throws until you write it.
public struct NotWrittenYet: Error, CustomStringConvertible {
    public let exercise: Exercise

    public init(_ exercise: Exercise) {
        self.exercise = exercise
    }

    public var description: String { exercise.notWrittenReason }
}

// MARK: - Your pieces inside the five loops

extension BlockedPieces {
    /// The pieces your rows use: your packing and your micro-kernel where you have written them,
    /// Stage 4's where not (`kernel` is used when your micro-kernel is not written). Your
    /// functions may throw and the five loops cannot: the first error is kept in `failures` and
    /// the row throws it after the loops.
    static func yours(kernel: @escaping TileKernel = microKernel, failures: Failures) -> BlockedPieces {
        let stage = BlockedPieces.stage
        var packA = stage.packA, packB = stage.packB, tileKernel = kernel
        if Exercise.packing.isWritten {
            packA = { a, buffer, alpha in
                failures.run { try yourPackA(a, into: buffer) }
                // Your packer copies; the GEMM form scales by α as it packs (`multiply` has α = 1).
                if alpha != 1 {
                    let count = (a.rows + MicroKernel.mr - 1) / MicroKernel.mr * MicroKernel.mr * a.columns
                    for e in 0..<count { buffer[e] *= alpha }
                }
            }
            packB = { b, buffer, panels in failures.run { try yourPackB(b, into: buffer, panels: panels) } }
        }
        if Exercise.microKernel.isWritten {
            tileKernel = { depth, a, b, c, ldc in failures.run { try yourMicroKernel(depth: depth, a: a, b: b, c: c, ldc: ldc) } }
        }
        return BlockedPieces(packA: packA, packB: packB, kernel: tileKernel)
    }
}

/// The first error your pieces threw inside the five loops, on any thread.
final class Failures: Sendable {
    private let first = Mutex<(any Error)?>(nil)

    func run(_ body: () throws -> Void) {
        do { try body() } catch { first.withLock { if $0 == nil { $0 = error } } }
    }

    func check() throws {
        if let error = first.withLock({ $0 }) { throw error }
    }
}

// MARK: - The rows

/// One exercise as a stage: its row in the speedup table (id "you1" … "you8") is compared with
/// the row of the stage it imitates, and its test target runs the shared conformance checks on it.
public struct YourExercise: MatmulStage {
    public let exercise: Exercise
    public let threads: Int
    /// Stage 4's block sizes, for exercises 5–8.
    public let blocks: BlockSizes
    /// Exercise 4's tile; nil: 4a's own choice for each product.
    public let tile: TileSizes?
    /// Exercises 7 and 8 on Stage 4's pieces only (their tests), rather than yours where written.
    public let stagePiecesOnly: Bool

    public init(_ exercise: Exercise, threads: Int = 1, blocks: BlockSizes = .host, tile: TileSizes? = nil,
                stagePiecesOnly: Bool = false) {
        precondition(exercise != .ownKernel, "your own kernel's row is YourMatmul")
        self.exercise = exercise
        self.threads = exercise == .threads ? max(1, threads) : 1
        self.blocks = blocks.retiled(.narrow)   // the exercises keep the lesson's 6 × 16 tile
        self.tile = tile
        self.stagePiecesOnly = stagePiecesOnly
    }

    /// Exercises 1–8 in order, as the runner lists them.
    public static func all(threads: Int, blocks: BlockSizes = .host) -> [YourExercise] {
        Exercise.allCases.filter { $0 != .ownKernel }.map { YourExercise($0, threads: threads, blocks: blocks) }
    }

    public var id: String { "you\(exercise.rawValue)" }
    public var name: String { "your \(exercise.name)" }
    public var change: String {
        switch exercise {
        case .packing: "exercise 5: your packing, with 4b's kernel and loops"
        case .microKernel: "exercise 6: your micro-kernel, in 4c's loops"
        case .fiveLoops: "exercise 7: your five loops around the pieces"
        case .threads: "exercise 8: your five loops on threads"
        default: "exercise \(exercise.rawValue): \(exercise.name), as in \(exercise.imitates)"
        }
    }
    public var note: String? {
        switch exercise {
        case .microKernel, .fiveLoops, .threads:
            // Which pieces are yours: the row times them together.
            let mine = [Exercise.packing, .microKernel].filter { $0 != exercise && $0.isWritten }.map(\.name)
            return stagePiecesOnly || mine.isEmpty ? "Stage 4's other pieces" : "with your \(mine.joined(separator: " and "))"
        default: return nil
        }
    }
    /// "× prev" is against the stage it imitates, when that row is in the same run.
    public var baseline: Baseline { .stage(id: exercise.imitates) }
    public var unavailableReason: String? { exercise.isWritten ? nil : exercise.notWrittenReason }
    /// A run that names no stages includes it once written.
    public var isListedByDefault: Bool { exercise.isWritten }

    public func multiply(_ a: Matrix, _ b: Matrix) throws -> Matrix {
        let failures = Failures()
        // Exercises 5–8 only: which of your pieces are written is probed once per product.
        var pieces: BlockedPieces {
            stagePiecesOnly ? .stage : .yours(kernel: exercise == .packing ? plainKernel : microKernel, failures: failures)
        }
        let c: Matrix
        switch exercise {
        case .loops: c = try yourLoops(a, b)
        case .dot: c = try yourDot(a, b)
        case .broadcast: c = try yourBroadcast(a, b)
        case .tiling:
            c = try productOnViews(a, b) { try yourTiledProduct($0, $1, $2, tile: tile ?? TileSizes(n: $1.columns, blocks: blocks)) }
        case .packing, .microKernel:
            c = try productOnViews(a, b) { packedProduct(1, $0, $1, $2, blocks: blocks, threads: 1, pieces: pieces) }
        case .fiveLoops:
            c = try productOnViews(a, b) { try yourFiveLoops($0, $1, $2, blocks: blocks, pieces: pieces) }
        case .threads:
            c = try productOnViews(a, b) { try yourThreadedFiveLoops($0, $1, $2, blocks: blocks, threads: threads, pieces: pieces) }
        case .ownKernel:
            c = try YourMatmul(threads: threads).multiply(a, b)
        }
        try failures.check()
        return c
    }
}

extension YourMatmul {
    /// Not runnable until written; the row says so.
    public var unavailableReason: String? { Self.isWritten ? nil : Exercise.ownKernel.notWrittenReason }
    /// A run that names no stages includes your kernel once it is written.
    public var isListedByDefault: Bool { Self.isWritten }

    /// False while `multiply` still throws `NotWrittenYet`: tests skip, the runner says so.
    public static var isWritten: Bool { Exercise.ownKernel.isWritten }
}
