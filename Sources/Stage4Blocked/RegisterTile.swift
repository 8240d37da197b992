// The register tile, per vector width. The micro-kernel (MicroKernel.swift) keeps a 6 × 16 tile
// of C in twelve 8-lane registers: right for AVX2's 16 registers, and for a CPU whose 512-bit
// FMAs run as two 256-bit halves (AMD Zen 4). A CPU with two 512-bit FMA units (many Intel
// Xeons since Skylake-SP, not all) does twice the FLOPs per cycle on 16-lane vectors and has 32
// of them, so Stage 4 carries a second tile for it:
//
// Register budget of the wide tile (AVX-512: 32 vector registers of 16 floats):
//
//     24 accumulators   C[r, 0..<16] and C[r, 16..<32] for the 12 rows r   24 registers
//      2 loads of B     one row of the B micro-panel, 32 floats              2 registers
//      1 broadcast of A A[r, p] copied into all 16 lanes                     1 register
//                                                                          ---
//                                                                           27 of 32
//
// Each step does 24 FMAs (768 FLOPs) for 2 vector loads of B and 12 broadcasts of A: 14 loads
// per 24 FMAs, within the two loads a cycle the core can issue beside its two FMAs. Twenty-four
// independent accumulators cover the FMA latency (4 cycles × 2 units = 8 in flight) three times.
// A 14 × 32 tile (28 + 3 = 31 registers) would nearly fill the file, but 14 divides few sizes; 12 divides
// 24, 36, 48, 96, 192 … and is the row count BLIS's Skylake-X kernel uses for its (transposed) tile.
//
// Which tile runs is measured, not looked up, because the AVX-512 flag does not say whether 16
// lanes are faster (a Zen 4, or a Xeon with one 512-bit FMA unit, has the flag and no gain):
// the first time Stage 4 needs its tile (about 10 ms, on the first product), both kernels multiply
// the same packed panels held in L1, alternately, five times each; the wide tile is chosen when it
// is more than 10% faster (the rule `speedup`'s peak uses). On AVX2 the wide kernel still runs,
// as pairs of 8-lane halves, correct and slower; MATMUL_TILE=6x16 or 12x32 forces a tile.

import CPrefetch
import Dispatch
import Foundation

/// A register tile of C: `rows` × `columns` (mr × nr) held in vector registers of `lanes` floats,
/// with the two kernels that update it: from packed panels, and from A and B where they lie.
/// The kernels are called directly (a switch on the tile), not through stored closures, so that
/// passing a tile around costs no reference counting.
public struct RegisterTile: Sendable, Hashable, CustomStringConvertible {
    /// mr: rows of C in the tile.
    public let rows: Int
    /// nr: columns of C in the tile, two vectors.
    public let columns: Int
    /// Floats per vector register.
    public let lanes: Int
    private let isWide: Bool

    /// The lesson's tile, 6 × 16 in 8-lane vectors (`microKernel`, `unpackedKernel`).
    public static let narrow = RegisterTile(rows: MicroKernel.mr, columns: MicroKernel.nr, lanes: 8, isWide: false)
    /// The 12 × 32 tile in 16-lane vectors (`wideMicroKernel`, `wideUnpackedKernel`), for CPUs with fast 512-bit FMAs.
    public static let wide = RegisterTile(rows: 12, columns: 32, lanes: 16, isWide: true)
    /// Every tile this binary contains.
    public static let all = [narrow, wide]

    /// The tile Stage 4 uses on this machine: `choice.tile`.
    public static var host: RegisterTile { choice.tile }
    /// How the host's tile was chosen (measured once, the first time it is asked for).
    public static let choice = TileChoice.measure(environment: ProcessInfo.processInfo.environment)

    private init(rows: Int, columns: Int, lanes: Int, isWide: Bool) {
        (self.rows, self.columns, self.lanes, self.isWide) = (rows, columns, lanes, isWide)
    }

    /// The packed micro-kernel: C tile (rows × columns, rows `ldc` apart) += packed A · packed B.
    @inline(__always)
    public func kernel(depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if isWide { wideMicroKernel(depth: depth, a: a, b: b, c: c, ldc: ldc) } else { microKernel(depth: depth, a: a, b: b, c: c, ldc: ldc) }
    }

    /// Rows of the shorter tile that finishes a block whose rows are not a multiple of `rows`
    /// (8 for the wide tile: `wideTailKernel`); nil: the tile has none, its last tile is padded.
    public var tailRows: Int? { isWide ? 8 : nil }

    /// How `height` rows of a block are cut: `main` rows in tiles of `rows`, then `tail` rows in
    /// tiles of `tailRows`. With 12 and 8: 64 = 48 + 16 (no row computed in vain, where 12s alone
    /// would compute 72), 32 = 24 + 8, 42 = 36 + 6 (one 8-row tile, 2 rows idle); a remainder of 9
    /// to 11 rows takes a 12-row tile (at most 3 idle). Without a tail, all rows go to `main`.
    public func rowSplit(_ height: Int) -> (main: Int, tail: Int) {
        guard let tailRows else { return (height, 0) }
        let remainder = height % rows
        switch remainder {
        case 0, (tailRows + 1)...: return (height, 0)
        case 1...(2 * tailRows - rows) where height >= rows: return (height - remainder - rows, remainder + rows)
        default: return (height - remainder, remainder)
        }
    }

    /// Runs `body(top, rows, isTail)` for each tile of rows down a block of `height` rows, as
    /// `rowSplit` cuts it: tiles of `self.rows`, then of `tailRows`; the last of either may be short.
    @inline(__always)
    func forEachRowTile(_ height: Int, _ body: (_ top: Int, _ rows: Int, _ isTail: Bool) -> Void) {
        let (main, _) = rowSplit(height)
        for top in stride(from: 0, to: main, by: rows) { body(top, min(rows, main - top), false) }
        if let tailRows {
            for top in stride(from: main, to: height, by: tailRows) { body(top, min(tailRows, height - top), true) }
        }
    }

    /// The tail tile's packed kernel (`tailRows` × `columns`, A packed `tailRows` floats a step).
    @inline(__always)
    func tailKernel(depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int) {
        wideTailKernel(depth: depth, a: a, b: b, c: c, ldc: ldc)
    }

    /// The packed micro-kernel as a value, for `BlockedPieces`.
    public var tileKernel: TileKernel { isWide ? wideMicroKernel : microKernel }

    /// The unpacked kernel (Unpacked.swift): C[0..<rows, 0..<width] += α · A · B for at most `self.rows`
    /// rows and `columns / 2 ... columns` columns, A and B read in place.
    @inline(__always)
    func unpacked(depth: Int, a: UnsafePointer<Float>, rowStep: Int, depthStep: Int, rows: Int,
                  b: UnsafePointer<Float>, ldb: Int, width: Int, c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float) {
        if isWide && rows <= 8 {
            wideUnpackedTail(depth: depth, a: a, rowStep: rowStep, depthStep: depthStep, rows: rows,
                             b: b, ldb: ldb, width: width, c: c, ldc: ldc, alpha: alpha)
        } else if isWide {
            wideUnpackedKernel(depth: depth, a: a, rowStep: rowStep, depthStep: depthStep, rows: rows,
                               b: b, ldb: ldb, width: width, c: c, ldc: ldc, alpha: alpha)
        } else {
            unpackedKernel(depth: depth, a: a, rowStep: rowStep, depthStep: depthStep, rows: rows,
                           b: b, ldb: ldb, width: width, c: c, ldc: ldc, alpha: alpha)
        }
    }

    /// The tile named `6x16` or `12x32` (also with ×), or nil.
    public init?(named name: String) {
        guard let tile = Self.all.first(where: { $0.name == name.replacingOccurrences(of: "×", with: "x") }) else { return nil }
        self = tile
    }

    /// "6x16": how MATMUL_TILE and `--tile` name it.
    public var name: String { "\(rows)x\(columns)" }
    public var description: String { "\(rows)×\(columns)" }
}

/// Which tile Stage 4 runs on this machine, and why.
public struct TileChoice: Sendable {
    public let tile: RegisterTile
    /// GFLOP/s of each tile's kernel on panels in L1 (best of 5), when measured.
    public let measured: [(tile: RegisterTile, gflops: Double)]
    /// Why: the measurement, or the setting that forced it.
    public let reason: String

    /// MATMUL_TILE when it names a tile; otherwise both kernels timed side by side.
    static func measure(environment: [String: String]) -> TileChoice {
        var prefix = ""
        if let setting = environment["MATMUL_TILE"] {
            if let tile = RegisterTile(named: setting) {
                return TileChoice(tile: tile, measured: [], reason: "MATMUL_TILE=\(setting)")
            }
            prefix = "MATMUL_TILE=\(setting) is not a tile (6x16, 12x32), so measured: "
        }
        let speeds = timeKernels(RegisterTile.all)
        let choice = decide(speeds)
        return TileChoice(tile: choice.tile, measured: speeds, reason: prefix + choice.reason)
    }

    /// The wide tile when its kernel is more than 10% faster than the narrow one's, else the narrow.
    static func decide(_ speeds: [(tile: RegisterTile, gflops: Double)]) -> (tile: RegisterTile, reason: String) {
        let narrow = speeds.first(where: { $0.tile == .narrow })?.gflops ?? 0
        let wide = speeds.first(where: { $0.tile == .wide })?.gflops ?? 0
        let figures = "16-lane 12×32 kernel \(oneDecimal(wide)) GFLOP/s, 8-lane 6×16 \(oneDecimal(narrow)) in L1"
        return wide > 1.1 * narrow ? (.wide, figures) : (.narrow, figures + ": the wide one is not >10% faster")
    }

    /// Each tile's kernel on its own packed panels (depth 128: at most 16 KiB of B and 6 KiB of A,
    /// in L1), about a millisecond per sample, the tiles alternating; the best of 5 samples.
    static func timeKernels(_ tiles: [RegisterTile]) -> [(tile: RegisterTile, gflops: Double)] {
        let depth = 128
        let buffers = tiles.map { tile in
            let a = UnsafeMutablePointer<Float>.allocate(capacity: tile.rows * depth)
            let b = UnsafeMutablePointer<Float>.allocate(capacity: depth * tile.columns)
            let c = UnsafeMutablePointer<Float>.allocate(capacity: tile.rows * tile.columns)
            a.initialize(repeating: 0.5, count: tile.rows * depth)
            b.initialize(repeating: 0.25, count: depth * tile.columns)
            c.initialize(repeating: 0, count: tile.rows * tile.columns)
            return (a, b, c)
        }
        defer {
            for (a, b, c) in buffers { a.deallocate(); b.deallocate(); c.deallocate() }
        }
        var best = [Double](repeating: 0, count: tiles.count)
        for _ in 0..<5 {
            for (index, tile) in tiles.enumerated() {
                let (a, b, c) = buffers[index]
                let start = DispatchTime.now().uptimeNanoseconds
                var calls = 0, elapsed: UInt64 = 0
                repeat {
                    for _ in 0..<16 { tile.kernel(depth: depth, a: a, b: b, c: c, ldc: tile.columns) }
                    calls += 16
                    elapsed = DispatchTime.now().uptimeNanoseconds - start
                } while elapsed < 1_000_000
                let flops = 2.0 * Double(tile.rows * tile.columns * depth * calls)
                best[index] = max(best[index], flops / Double(elapsed))
            }
        }
        return Array(zip(tiles, best)).map { (tile: $0.0, gflops: $0.1) }
    }
}

private func oneDecimal(_ value: Double) -> String { String(format: "%.1f", value) }

// MARK: - The wide kernels

typealias WideVector = SIMD16<Float>

/// C[0..<12, 0..<32] += A-micro-panel · B-micro-panel over `depth` steps: `microKernel`'s loop
/// with 16-lane vectors and twice the rows. `a` holds 12 floats per step, `b` 32.
///
/// The vectors are made here, from loads, and never passed to another function: Swift passes a
/// SIMD16 argument in pieces, and LLVM then keeps the arithmetic in 8-lane halves.
@inline(never)
public func wideMicroKernel(depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                            c: UnsafeMutablePointer<Float>, ldc: Int) {
    var c00 = WideVector(), c01 = WideVector(), c10 = WideVector(), c11 = WideVector()
    var c20 = WideVector(), c21 = WideVector(), c30 = WideVector(), c31 = WideVector()
    var c40 = WideVector(), c41 = WideVector(), c50 = WideVector(), c51 = WideVector()
    var c60 = WideVector(), c61 = WideVector(), c70 = WideVector(), c71 = WideVector()
    var c80 = WideVector(), c81 = WideVector(), c90 = WideVector(), c91 = WideVector()
    var cA0 = WideVector(), cA1 = WideVector(), cB0 = WideVector(), cB1 = WideVector()
    var a = a
    var b = UnsafeRawPointer(b)
    // C's tile is asked for 32 steps (about 400 cycles) before the end, not at the start: requests
    // for C issued at the start would queue ahead of the loads of A that the first steps need.
    let late = max(0, depth - 32)
    for step in 0..<depth {
        if step == late {
            for row in 0..<12 {
                prefetch_for_write(c + row * ldc)
                prefetch_for_write(c + row * ldc + 16)
                prefetch_for_write(c + row * ldc + 31)
            }
        }
        prefetch_for_read(a + 12 * 8)
        let b0 = b.loadUnaligned(as: WideVector.self)
        let b1 = b.loadUnaligned(fromByteOffset: 64, as: WideVector.self)
        var ar = WideVector(repeating: a[0]); c00.addProduct(ar, b0); c01.addProduct(ar, b1)
        ar = WideVector(repeating: a[1]); c10.addProduct(ar, b0); c11.addProduct(ar, b1)
        ar = WideVector(repeating: a[2]); c20.addProduct(ar, b0); c21.addProduct(ar, b1)
        ar = WideVector(repeating: a[3]); c30.addProduct(ar, b0); c31.addProduct(ar, b1)
        ar = WideVector(repeating: a[4]); c40.addProduct(ar, b0); c41.addProduct(ar, b1)
        ar = WideVector(repeating: a[5]); c50.addProduct(ar, b0); c51.addProduct(ar, b1)
        ar = WideVector(repeating: a[6]); c60.addProduct(ar, b0); c61.addProduct(ar, b1)
        ar = WideVector(repeating: a[7]); c70.addProduct(ar, b0); c71.addProduct(ar, b1)
        ar = WideVector(repeating: a[8]); c80.addProduct(ar, b0); c81.addProduct(ar, b1)
        ar = WideVector(repeating: a[9]); c90.addProduct(ar, b0); c91.addProduct(ar, b1)
        ar = WideVector(repeating: a[10]); cA0.addProduct(ar, b0); cA1.addProduct(ar, b1)
        ar = WideVector(repeating: a[11]); cB0.addProduct(ar, b0); cB1.addProduct(ar, b1)
        a += 12
        b += 32 * MemoryLayout<Float>.size
    }
    // Add the tile into C, one row (two vectors) at a time.
    @inline(__always) func add(_ low: WideVector, _ high: WideVector, row: Int) {
        let p = UnsafeMutableRawPointer(c + row * ldc)
        p.storeBytes(of: p.loadUnaligned(as: WideVector.self) + low, as: WideVector.self)
        p.storeBytes(of: p.loadUnaligned(fromByteOffset: 64, as: WideVector.self) + high, toByteOffset: 64, as: WideVector.self)
    }
    add(c00, c01, row: 0); add(c10, c11, row: 1); add(c20, c21, row: 2); add(c30, c31, row: 3)
    add(c40, c41, row: 4); add(c50, c51, row: 5); add(c60, c61, row: 6); add(c70, c71, row: 7)
    add(c80, c81, row: 8); add(c90, c91, row: 9); add(cA0, cA1, row: 10); add(cB0, cB1, row: 11)
}

/// `unpackedKernel` for the wide tile: C[0..<rows, 0..<width] += α · A · B with rows ≤ 12 and
/// 16 ≤ width ≤ 32, reading A and B in place (element (r, p) of A at a[r·rowStep + p·depthStep],
/// row p of B at b + p·ldb).
@inline(never)
func wideUnpackedKernel(depth: Int, a: UnsafePointer<Float>, rowStep: Int, depthStep: Int, rows: Int,
                        b: UnsafePointer<Float>, ldb: Int, width: Int,
                        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float) {
    // Rows past the last repeat it: the kernel always computes twelve, and stores `rows`.
    func row(_ r: Int) -> UnsafePointer<Float> { a + min(r, rows - 1) * rowStep }
    var a0 = row(0), a1 = row(1), a2 = row(2), a3 = row(3), a4 = row(4), a5 = row(5)
    var a6 = row(6), a7 = row(7), a8 = row(8), a9 = row(9), aA = row(10), aB = row(11)
    let lanes = WideVector.scalarCount
    let second = width - lanes
    var c00 = WideVector(), c01 = WideVector(), c10 = WideVector(), c11 = WideVector()
    var c20 = WideVector(), c21 = WideVector(), c30 = WideVector(), c31 = WideVector()
    var c40 = WideVector(), c41 = WideVector(), c50 = WideVector(), c51 = WideVector()
    var c60 = WideVector(), c61 = WideVector(), c70 = WideVector(), c71 = WideVector()
    var c80 = WideVector(), c81 = WideVector(), c90 = WideVector(), c91 = WideVector()
    var cA0 = WideVector(), cA1 = WideVector(), cB0 = WideVector(), cB1 = WideVector()
    var b = UnsafeRawPointer(b)
    let bStep = ldb * MemoryLayout<Float>.stride
    let secondOffset = second * MemoryLayout<Float>.stride
    for _ in 0..<depth {
        let b0 = b.loadUnaligned(as: WideVector.self)
        let b1 = b.loadUnaligned(fromByteOffset: secondOffset, as: WideVector.self)
        var ar = WideVector(repeating: a0.pointee); c00.addProduct(ar, b0); c01.addProduct(ar, b1)
        ar = WideVector(repeating: a1.pointee); c10.addProduct(ar, b0); c11.addProduct(ar, b1)
        ar = WideVector(repeating: a2.pointee); c20.addProduct(ar, b0); c21.addProduct(ar, b1)
        ar = WideVector(repeating: a3.pointee); c30.addProduct(ar, b0); c31.addProduct(ar, b1)
        ar = WideVector(repeating: a4.pointee); c40.addProduct(ar, b0); c41.addProduct(ar, b1)
        ar = WideVector(repeating: a5.pointee); c50.addProduct(ar, b0); c51.addProduct(ar, b1)
        ar = WideVector(repeating: a6.pointee); c60.addProduct(ar, b0); c61.addProduct(ar, b1)
        ar = WideVector(repeating: a7.pointee); c70.addProduct(ar, b0); c71.addProduct(ar, b1)
        ar = WideVector(repeating: a8.pointee); c80.addProduct(ar, b0); c81.addProduct(ar, b1)
        ar = WideVector(repeating: a9.pointee); c90.addProduct(ar, b0); c91.addProduct(ar, b1)
        ar = WideVector(repeating: aA.pointee); cA0.addProduct(ar, b0); cA1.addProduct(ar, b1)
        ar = WideVector(repeating: aB.pointee); cB0.addProduct(ar, b0); cB1.addProduct(ar, b1)
        a0 += depthStep; a1 += depthStep; a2 += depthStep; a3 += depthStep; a4 += depthStep; a5 += depthStep
        a6 += depthStep; a7 += depthStep; a8 += depthStep; a9 += depthStep; aA += depthStep; aB += depthStep
        b += bStep
    }
    // C row r += α · tile row r: the first 16 columns whole, then the lanes of the second vector
    // that lie past them (all 16 when width is 32).
    @inline(__always) func add(_ low: WideVector, _ high: WideVector, row r: Int) {
        guard r < rows else { return }
        let p = c + r * ldc
        let raw = UnsafeMutableRawPointer(p)
        raw.storeBytes(of: raw.loadUnaligned(as: WideVector.self) + alpha * low, as: WideVector.self)
        if second == lanes {
            raw.storeBytes(of: raw.loadUnaligned(fromByteOffset: 64, as: WideVector.self) + alpha * high,
                           toByteOffset: 64, as: WideVector.self)
        } else {
            for lane in (lanes - second)..<lanes { p[second + lane] += alpha * high[lane] }
        }
    }
    add(c00, c01, row: 0); add(c10, c11, row: 1); add(c20, c21, row: 2); add(c30, c31, row: 3)
    add(c40, c41, row: 4); add(c50, c51, row: 5); add(c60, c61, row: 6); add(c70, c71, row: 7)
    add(c80, c81, row: 8); add(c90, c91, row: 9); add(cA0, cA1, row: 10); add(cB0, cB1, row: 11)
}

// MARK: - The wide tile's tail: 8 rows

/// `wideMicroKernel` for a tail tile of 8 rows: C[0..<8, 0..<32] += A · B, A packed 8 floats a step.
/// Sixteen accumulators still cover the FMA latency (8 in flight needed).
@inline(never)
func wideTailKernel(depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int) {
    var c00 = WideVector(), c01 = WideVector(), c10 = WideVector(), c11 = WideVector()
    var c20 = WideVector(), c21 = WideVector(), c30 = WideVector(), c31 = WideVector()
    var c40 = WideVector(), c41 = WideVector(), c50 = WideVector(), c51 = WideVector()
    var c60 = WideVector(), c61 = WideVector(), c70 = WideVector(), c71 = WideVector()
    var a = a
    var b = UnsafeRawPointer(b)
    let late = max(0, depth - 32)
    for step in 0..<depth {
        if step == late {
            for row in 0..<8 {
                prefetch_for_write(c + row * ldc)
                prefetch_for_write(c + row * ldc + 16)
                prefetch_for_write(c + row * ldc + 31)
            }
        }
        let b0 = b.loadUnaligned(as: WideVector.self)
        let b1 = b.loadUnaligned(fromByteOffset: 64, as: WideVector.self)
        var ar = WideVector(repeating: a[0]); c00.addProduct(ar, b0); c01.addProduct(ar, b1)
        ar = WideVector(repeating: a[1]); c10.addProduct(ar, b0); c11.addProduct(ar, b1)
        ar = WideVector(repeating: a[2]); c20.addProduct(ar, b0); c21.addProduct(ar, b1)
        ar = WideVector(repeating: a[3]); c30.addProduct(ar, b0); c31.addProduct(ar, b1)
        ar = WideVector(repeating: a[4]); c40.addProduct(ar, b0); c41.addProduct(ar, b1)
        ar = WideVector(repeating: a[5]); c50.addProduct(ar, b0); c51.addProduct(ar, b1)
        ar = WideVector(repeating: a[6]); c60.addProduct(ar, b0); c61.addProduct(ar, b1)
        ar = WideVector(repeating: a[7]); c70.addProduct(ar, b0); c71.addProduct(ar, b1)
        a += 8
        b += 32 * MemoryLayout<Float>.size
    }
    @inline(__always) func add(_ low: WideVector, _ high: WideVector, row: Int) {
        let p = UnsafeMutableRawPointer(c + row * ldc)
        p.storeBytes(of: p.loadUnaligned(as: WideVector.self) + low, as: WideVector.self)
        p.storeBytes(of: p.loadUnaligned(fromByteOffset: 64, as: WideVector.self) + high, toByteOffset: 64, as: WideVector.self)
    }
    add(c00, c01, row: 0); add(c10, c11, row: 1); add(c20, c21, row: 2); add(c30, c31, row: 3)
    add(c40, c41, row: 4); add(c50, c51, row: 5); add(c60, c61, row: 6); add(c70, c71, row: 7)
}

/// `wideUnpackedKernel` for at most 8 rows (rows ≤ 8, 16 ≤ width ≤ 32), A and B read in place.
@inline(never)
func wideUnpackedTail(depth: Int, a: UnsafePointer<Float>, rowStep: Int, depthStep: Int, rows: Int,
                      b: UnsafePointer<Float>, ldb: Int, width: Int,
                      c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float) {
    // Rows past the last repeat it: the kernel always computes eight, and stores `rows`.
    func row(_ r: Int) -> UnsafePointer<Float> { a + min(r, rows - 1) * rowStep }
    var a0 = row(0), a1 = row(1), a2 = row(2), a3 = row(3), a4 = row(4), a5 = row(5), a6 = row(6), a7 = row(7)
    let lanes = WideVector.scalarCount
    let second = width - lanes
    var c00 = WideVector(), c01 = WideVector(), c10 = WideVector(), c11 = WideVector()
    var c20 = WideVector(), c21 = WideVector(), c30 = WideVector(), c31 = WideVector()
    var c40 = WideVector(), c41 = WideVector(), c50 = WideVector(), c51 = WideVector()
    var c60 = WideVector(), c61 = WideVector(), c70 = WideVector(), c71 = WideVector()
    var b = UnsafeRawPointer(b)
    let bStep = ldb * MemoryLayout<Float>.stride
    let secondOffset = second * MemoryLayout<Float>.stride
    for _ in 0..<depth {
        let b0 = b.loadUnaligned(as: WideVector.self)
        let b1 = b.loadUnaligned(fromByteOffset: secondOffset, as: WideVector.self)
        var ar = WideVector(repeating: a0.pointee); c00.addProduct(ar, b0); c01.addProduct(ar, b1)
        ar = WideVector(repeating: a1.pointee); c10.addProduct(ar, b0); c11.addProduct(ar, b1)
        ar = WideVector(repeating: a2.pointee); c20.addProduct(ar, b0); c21.addProduct(ar, b1)
        ar = WideVector(repeating: a3.pointee); c30.addProduct(ar, b0); c31.addProduct(ar, b1)
        ar = WideVector(repeating: a4.pointee); c40.addProduct(ar, b0); c41.addProduct(ar, b1)
        ar = WideVector(repeating: a5.pointee); c50.addProduct(ar, b0); c51.addProduct(ar, b1)
        ar = WideVector(repeating: a6.pointee); c60.addProduct(ar, b0); c61.addProduct(ar, b1)
        ar = WideVector(repeating: a7.pointee); c70.addProduct(ar, b0); c71.addProduct(ar, b1)
        a0 += depthStep; a1 += depthStep; a2 += depthStep; a3 += depthStep
        a4 += depthStep; a5 += depthStep; a6 += depthStep; a7 += depthStep
        b += bStep
    }
    @inline(__always) func add(_ low: WideVector, _ high: WideVector, row r: Int) {
        guard r < rows else { return }
        let p = c + r * ldc
        let raw = UnsafeMutableRawPointer(p)
        raw.storeBytes(of: raw.loadUnaligned(as: WideVector.self) + alpha * low, as: WideVector.self)
        if second == lanes {
            raw.storeBytes(of: raw.loadUnaligned(fromByteOffset: 64, as: WideVector.self) + alpha * high,
                           toByteOffset: 64, as: WideVector.self)
        } else {
            for lane in (lanes - second)..<lanes { p[second + lane] += alpha * high[lane] }
        }
    }
    add(c00, c01, row: 0); add(c10, c11, row: 1); add(c20, c21, row: 2); add(c30, c31, row: 3)
    add(c40, c41, row: 4); add(c50, c51, row: 5); add(c60, c61, row: 6); add(c70, c71, row: 7)
}
