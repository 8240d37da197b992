// Strassen — fewer multiplications, bought with additions and accuracy.
//
// Cut A, B and C into 2 × 2 blocks of half size. The schoolbook product needs 8 half-size
// products; Strassen (1969) found 7 that suffice:
//
//   M1 = (A11 + A22)(B11 + B22)    C11 = M1 + M4 − M5 + M7
//   M2 = (A21 + A22) B11           C12 = M3 + M5
//   M3 = A11 (B12 − B22)           C21 = M2 + M4
//   M4 = A22 (B21 − B11)           C22 = M1 − M2 + M3 + M6
//   M5 = (A11 + A12) B22
//   M6 = (A21 − A11)(B11 + B12)
//   M7 = (A12 − A22)(B21 + B22)
//
// Applied recursively the work drops from n³ to n^2.807 — but each level adds 18 half-size
// matrix additions, which run at memory speed, not at the micro-kernel's 90% of peak. So the
// recursion stops at a crossover size, below which Stage 4's blocked product takes over; where
// it starts to pay is measured in lessons/04-blocked.md.
//
// Two things Strassen gives up, and what this code does about them:
// - Accuracy. Every entry of C now mixes in terms from other rows and columns; the error bound is
//   norm-wise, not entry-wise, and grows with the depth of the recursion (the tests use Higham's
//   bound for it: see MatmulTesting's `Tolerance.strassen`).
// - NaN and Inf stay where they belong only in the schoolbook product: a NaN in A11 would reach
//   C22 through M1. So a product with any NaN or Inf in A or B — or entries so large that the
//   sums could overflow — is computed by Stage 4's blocked product instead.

import MatmulCore

/// Strassen's recursion over Stage 4's blocked product.
public struct StrassenMatmul: MatmulStage {
    public let id = "4s"
    public let name = "Strassen"
    public let change = "7 half-size products instead of 8, recursively, over Stage 4"
    public let threads: Int
    /// The recursion stops when the smallest of m, k, n is at most this.
    public let crossover: Int
    let base: BlockedMatmul

    /// The crossover `speedup tune --strassen` measured on this CPU model (StrassenRecord,
    /// HostCosts.swift); where it has not been run, 1024, measured on the Zen 4 VM (lessons/04-blocked.md).
    public static let measuredCrossover = recordedCrossover ?? 1024
    /// Where `measuredCrossover` comes from.
    public static let crossoverSource = recordedCrossover == nil
        ? "the Zen 4 VM's; `speedup tune --strassen` measures this machine's" : "measured here by speedup tune --strassen"
    /// This CPU's line in the crossover file, read once.
    private static let recordedCrossover = StrassenRecord().crossover()

    /// - Parameters:
    ///   - crossover: recurse only while min(m, k, n) is above this (at least 1).
    ///   - threads: threads for the blocked products at the leaves.
    ///   - blocks: the blocked product's block sizes.
    public init(crossover: Int = measuredCrossover, threads: Int = 1, blocks: BlockSizes = .host) {
        self.crossover = max(1, crossover)
        self.threads = max(1, threads)
        self.base = BlockedMatmul(step: .full, threads: threads, blocks: blocks)
    }

    public var note: String? {
        "recursion while min(m,k,n) > \(crossover)" + (crossover == Self.measuredCrossover ? " (\(Self.crossoverSource))" : "")
    }

    /// How many levels of recursion a product of this shape gets.
    public func levels(m: Int, k: Int, n: Int) -> Int {
        var (m, k, n, levels) = (m, k, n, 0)
        while min(m, k, n) > crossover {
            (m, k, n) = ((m + 1) / 2, (k + 1) / 2, (n + 1) / 2)
            levels += 1
        }
        return levels
    }

    /// `a · b`. Complexity: O(n^2.81) time above the crossover; O(n²) extra memory.
    public func multiply(_ a: Matrix, _ b: Matrix) throws -> Matrix {
        try productOnViews(a, b) { multiplyAdd(1, $0, $1, $2) }
    }

    /// C ← α·A·B + β·C: C scaled by β, then α·A·B added by the recursion (or by Stage 4 below
    /// the crossover, or when the operands hold NaN, Inf or entries large enough to overflow).
    public func gemm(alpha: Float, _ a: MatrixView, _ b: MatrixView, beta: Float, _ c: MatrixView) throws {
        try stage4GEMM(alpha: alpha, a, b, beta: beta, c, multiplyAdd: multiplyAdd)
    }

    /// C += α · A · B: Strassen at the top when it is safe for these operands, Stage 4 otherwise.
    func multiplyAdd(_ alpha: Float, _ a: MatrixView, _ b: MatrixView, _ c: MatrixView) {
        let levels = levels(m: a.rows, k: a.columns, n: b.columns)
        guard levels > 0, strassenIsSafe(a, b, levels: levels) else { return base.multiplyAdd(alpha, a, b, c) }
        recurse(alpha, a, b, c)
    }

    /// C += α · A · B, recursively.
    func recurse(_ alpha: Float, _ a: MatrixView, _ b: MatrixView, _ c: MatrixView) {
        let (m, k, n) = (a.rows, a.columns, b.columns)
        guard min(m, k, n) > crossover else { return base.multiplyAdd(alpha, a, b, c) }
        // Halves, rounded up: with an odd size the second half is one shorter, and the sums
        // below treat its missing last row or column as zeros.
        let (m2, k2, n2) = ((m + 1) / 2, (k + 1) / 2, (n + 1) / 2)
        func quarters(_ x: MatrixView, _ rows: Int, _ columns: Int) -> (MatrixView, MatrixView, MatrixView, MatrixView) {
            (x.block(rows: 0..<rows, columns: 0..<columns), x.block(rows: 0..<rows, columns: columns..<x.columns),
             x.block(rows: rows..<x.rows, columns: 0..<columns), x.block(rows: rows..<x.rows, columns: columns..<x.columns))
        }
        let (a11, a12, a21, a22) = quarters(a, m2, k2)
        let (b11, b12, b21, b22) = quarters(b, k2, n2)
        let (c11, c12, c21, c22) = quarters(c, m2, n2)

        let s = AlignedBuffer(count: m2 * k2), t = AlignedBuffer(count: k2 * n2), p = AlignedBuffer(count: m2 * n2)
        defer { s.free(); t.free(); p.free() }
        let sv = MatrixView(unchecked: s.base, rows: m2, columns: k2, stride: k2)
        let tv = MatrixView(unchecked: t.base, rows: k2, columns: n2, stride: n2)
        let pv = MatrixView(unchecked: p.base, rows: m2, columns: n2, stride: n2)

        /// M = (x + sign·y)(z + sign·w), then C quarters += α · sign · M.
        func product(_ left: (MatrixView, MatrixView?, Float), _ right: (MatrixView, MatrixView?, Float),
                     into targets: [(MatrixView, Float)]) {
            combine(left.0, left.1, left.2, into: sv)
            combine(right.0, right.1, right.2, into: tv)
            pv.base.update(repeating: 0, count: m2 * n2)
            recurse(1, sv, tv, pv)
            for (target, sign) in targets { accumulate(pv, alpha * sign, into: target) }
        }
        product((a11, a22, 1), (b11, b22, 1), into: [(c11, 1), (c22, 1)])    // M1
        product((a21, a22, 1), (b11, nil, 1), into: [(c21, 1), (c22, -1)])   // M2
        product((a11, nil, 1), (b12, b22, -1), into: [(c12, 1), (c22, 1)])   // M3
        product((a22, nil, 1), (b21, b11, -1), into: [(c11, 1), (c21, 1)])   // M4
        product((a11, a12, 1), (b22, nil, 1), into: [(c11, -1), (c12, 1)])   // M5
        product((a21, a11, -1), (b11, b12, 1), into: [(c22, 1)])             // M6
        product((a12, a22, -1), (b21, b22, 1), into: [(c11, 1)])             // M7
    }
}

/// `out` = x + sign·y, where x and y may be smaller than `out` (by the odd row or column) and
/// count as zero outside themselves. x and y are quarters of A or B, so they may be transposed.
private func combine(_ x: MatrixView, _ y: MatrixView?, _ sign: Float, into out: MatrixView) {
    for i in 0..<out.rows {
        let row = out.pointer(i, 0)
        row.update(repeating: 0, count: out.columns)
        if i < x.rows {
            let (xr, step) = (x.pointer(i, 0), x.columnStride)
            if step == 1 {
                for j in 0..<x.columns { row[j] = xr[j] }
            } else {
                for j in 0..<x.columns { row[j] = xr[j * step] }
            }
        }
        if let y, i < y.rows {
            let (yr, step) = (y.pointer(i, 0), y.columnStride)
            if step == 1 {
                for j in 0..<y.columns { row[j] += sign * yr[j] }
            } else {
                for j in 0..<y.columns { row[j] += sign * yr[j * step] }
            }
        }
    }
}

/// target += sign · (the top-left of `p` that `target` covers).
private func accumulate(_ p: MatrixView, _ sign: Float, into target: MatrixView) {
    for i in 0..<target.rows {
        let row = target.pointer(i, 0), pr = p.pointer(i, 0)
        for j in 0..<target.columns { row[j] += sign * pr[j] }
    }
}

/// True when every entry is finite and no sum inside the recursion can overflow: entries of
/// the leaf operands grow at most 2× per level, and C's quarters sum at most 4 products per
/// level, so |any intermediate| ≤ k · 16^levels · max|A| · max|B|.
func strassenIsSafe(_ a: MatrixView, _ b: MatrixView, levels: Int) -> Bool {
    func largest(_ m: MatrixView) -> Float? {
        var largest: Float = 0
        for i in 0..<m.rows {
            for j in 0..<m.columns {
                let x = m.pointer(i, j).pointee
                guard x.isFinite else { return nil }
                largest = max(largest, abs(x))
            }
        }
        return largest
    }
    guard let maxA = largest(a), let maxB = largest(b) else { return false }
    let bound = Double(a.columns) * pow16(levels) * Double(maxA) * Double(maxB)
    return bound < Double(Float.greatestFiniteMagnitude)
}

private func pow16(_ levels: Int) -> Double { (0..<levels).reduce(1.0) { value, _ in value * 16 } }
