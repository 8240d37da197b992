// The GEMM checks: C ← α·op(A)·op(B) + β·C on views, as a BLAS caller makes the call.
//
// Every operand lives in the middle of a larger buffer: two rows above it, three columns to
// its left, five floats of padding after each row (leading dimension = columns + 5). The padding
// of A and B holds NaN, so a stage that reads outside its view gets NaN in C and fails; the
// padding of C holds a sentinel that must come back bit for bit. The expected C is the loop
// version's product of contiguous copies of op(A) and op(B), combined as α·P + β·C in Double.

import MatmulCore
import Stage1Loops

/// One GEMM call and what must come out of it.
public struct GEMMCheck: Sendable, CustomStringConvertible {
    public var m: Int, k: Int, n: Int
    public var alpha: Float = 1
    public var beta: Float = 0
    /// op(A) = Aᵀ: A is stored k×m and read transposed.
    public var transposeA = false
    /// op(B) = Bᵀ: B is stored n×k and read transposed.
    public var transposeB = false
    /// C stored column-major (a transposed view), as Fortran and `CblasColMajor` store it.
    public var columnMajorC = false
    /// C holds NaN before the call: with β = 0 none may survive.
    public var nanInC = false
    /// A and B hold NaN inside their views: with α = 0 they must not be read.
    public var nanInAB = false

    public var description: String {
        var parts = ["\(m)×\(k)·\(k)×\(n)", "α=\(alpha)", "β=\(beta)"]
        if transposeA { parts.append("Aᵀ") }
        if transposeB { parts.append("Bᵀ") }
        if columnMajorC { parts.append("C column-major") }
        if nanInC { parts.append("NaN in C") }
        if nanInAB { parts.append("NaN in A and B") }
        return "GEMM " + parts.joined(separator: ", ") + ", views with padding"
    }

    /// The checks every stage runs: strides, each transpose, α ∉ {0, 1}, β ∈ {0, 1, other},
    /// β = 0 over NaN, α = 0 over NaN, k = 0, an empty C, skinny and multi-block shapes.
    public static let all: [GEMMCheck] = [
        GEMMCheck(m: 13, k: 17, n: 19),
        GEMMCheck(m: 13, k: 17, n: 19, alpha: -0.5, beta: 0.25, transposeA: true),
        GEMMCheck(m: 13, k: 17, n: 19, alpha: 2.5, beta: 1, transposeB: true),
        GEMMCheck(m: 13, k: 17, n: 19, alpha: 1, beta: -1, transposeA: true, transposeB: true),
        GEMMCheck(m: 21, k: 9, n: 30, alpha: 0.75, beta: 0.5, transposeA: true, columnMajorC: true),
        GEMMCheck(m: 22, k: 31, n: 17, alpha: 1, beta: 2, columnMajorC: true),
        GEMMCheck(m: 7, k: 8, n: 9, alpha: 1, beta: 0, nanInC: true),
        GEMMCheck(m: 7, k: 8, n: 9, alpha: 0, beta: 0.5, nanInAB: true),
        GEMMCheck(m: 7, k: 8, n: 9, alpha: 0, beta: 0, nanInC: true, nanInAB: true),
        GEMMCheck(m: 6, k: 0, n: 7, alpha: 1, beta: 0.5),
        GEMMCheck(m: 0, k: 5, n: 3, alpha: 1, beta: 2),
        GEMMCheck(m: 40, k: 30, n: 10, alpha: -2, beta: 0.5, transposeA: true),
        GEMMCheck(m: 40, k: 30, n: 10, alpha: -2, beta: 0.5, transposeB: true),
        GEMMCheck(m: 70, k: 45, n: 33, alpha: 0.5, beta: 3, transposeA: true, transposeB: true),
        GEMMCheck(m: 70, k: 45, n: 33, alpha: 0.5, beta: 3, columnMajorC: true),
    ]

    /// Runs the call on `stage`; returns what went wrong, empty when it passed.
    func problems(of stage: any MatmulStage, tolerance: Tolerance) throws -> [String] {
        // Stored shapes: a transposed operand is stored the other way round.
        var a = try Operand(rows: m, columns: k, transposed: transposeA, fill: nanInAB ? .nan : nil, seed: 11)
        var b = try Operand(rows: k, columns: n, transposed: transposeB, fill: nanInAB ? .nan : nil, seed: 12)
        var c = try Operand(rows: m, columns: n, transposed: columnMajorC, fill: nanInC ? .nan : nil, seed: 13,
                            padding: Operand.sentinel)
        let (a0, b0, c0) = (try a.logical(), try b.logical(), try c.logical())
        try a.withView { av in
            try b.withView { bv in
                try c.withView { cv in try stage.gemm(alpha: alpha, av, bv, beta: beta, cv) }
            }
        }
        var problems: [String] = []
        if let changed = try a.changedFrom(a0) ?? b.changedFrom(b0) { problems.append("A or B changed: \(changed)") }
        if let changed = c.paddingChanged() { problems.append("C's padding changed: \(changed)") }
        let got = try c.logical()
        // α·P is needed only when there is a product; otherwise the expected C is β·C exactly.
        let needsProduct = alpha != 0 && m > 0 && n > 0 && k > 0
        let p = needsProduct ? try LoopsMatmul().multiply(a0, b0) : try Matrix(rows: m, columns: n)
        let magnitude = absoluteProduct(a0, b0)
        let gamma = gammaBound(k: k + 2)
        var (normwise, extra) = (0.0, 0.0)
        if case let .strassen(levels) = tolerance, levels > 0, needsProduct {
            normwise = Double(abs(alpha)) * strassenAllowance(a0, b0, levels: levels)
        }
        if case let .roundedInputs(relative) = tolerance { extra = relative }
        for i in 0..<m {
            for j in 0..<n {
                let scaled = beta == 0 ? 0 : Double(beta) * Double(c0[i, j])
                let want = needsProduct ? Double(alpha) * Double(p[i, j]) + scaled : scaled
                let allowed = 2 * gamma * (Double(abs(alpha)) * (needsProduct ? magnitude[i, j] : 0) + abs(scaled)) + normwise
                    + extra * Double(abs(alpha)) * (needsProduct ? magnitude[i, j] : 0)
                let value = got[i, j]
                let ok = want.isNaN ? value.isNaN : (value.isFinite && abs(Double(value) - want) <= allowed)
                if !ok, problems.count < 5 {
                    problems.append("C[\(i), \(j)] = \(value), expected \(want) ± \(allowed)")
                }
            }
        }
        return problems
    }

    /// C of the wrong shape, and A's columns not B's rows: both refused with an error naming the
    /// shapes, and C left as it was.
    static func shapeErrors(of stage: any MatmulStage) throws -> [String] {
        var problems: [String] = []
        var a = try Matrix(rows: 3, columns: 4, repeating: 1), b = try Matrix(rows: 4, columns: 2, repeating: 1)
        var wrongB = try Matrix(rows: 5, columns: 2, repeating: 1)
        var c = try Matrix(rows: 3, columns: 3, repeating: 7)
        let before = c
        do {
            try a.withView { av in try b.withView { bv in try c.withView { try stage.gemm(alpha: 1, av, bv, beta: 0, $0) } } }
            problems.append("a 3×3 C for 3×4 · 4×2 was accepted")
        } catch MatmulError.resultShape(c: Shape(rows: 3, columns: 3), expected: Shape(rows: 3, columns: 2)) {
        } catch { problems.append("a 3×3 C for 3×4 · 4×2 threw \(error)") }
        do {
            var c2 = try Matrix(rows: 3, columns: 2)
            try a.withView { av in try wrongB.withView { bv in try c2.withView { try stage.gemm(alpha: 1, av, bv, beta: 0, $0) } } }
            problems.append("3×4 · 5×2 was accepted")
        } catch let error as MatmulError where error == .shapeMismatch(a: Shape(rows: 3, columns: 4), b: Shape(rows: 5, columns: 2)) {
        } catch { problems.append("3×4 · 5×2 threw \(error)") }
        if c != before { problems.append("C changed although the call was refused") }
        return problems
    }
}

/// Higham's norm-wise Strassen allowance (see `Tolerance.strassen`) for op(A)·op(B).
func strassenAllowance(_ a: Matrix, _ b: Matrix, levels: Int) -> Double {
    let leaf = Double(([a.rows, a.columns, b.columns].max()! + (1 << levels) - 1) >> levels)
    let n = leaf * Double(1 << levels)
    var factor = Double(1)
    for _ in 0..<levels { factor *= 12 }
    factor = factor * (leaf * leaf + 5 * leaf) - 5 * n
    let maxA = a.elements.lazy.filter(\.isFinite).map { Double(abs($0)) }.max() ?? 0
    let maxB = b.elements.lazy.filter(\.isFinite).map { Double(abs($0)) }.max() ?? 0
    return factor * 0x1p-24 * maxA * maxB
}

/// One operand in the middle of a padded buffer: `rows × columns` as the product sees it,
/// stored transposed when `transposed`.
struct Operand {
    static let sentinel: Float = 1234.5
    let rows: Int, columns: Int, transposed: Bool
    let storedRows: Int, storedColumns: Int, stride: Int, offset: Int
    var buffer: [Float]

    init(rows: Int, columns: Int, transposed: Bool, fill: Float?, seed: UInt64, padding: Float = .nan) throws {
        (self.rows, self.columns, self.transposed) = (rows, columns, transposed)
        (storedRows, storedColumns) = transposed ? (columns, rows) : (rows, columns)
        stride = storedColumns + 5
        offset = 2 * stride + 3
        buffer = Array(repeating: padding, count: offset + storedRows * stride + 3)
        let values = try Matrix.randomNormal(rows: storedRows, columns: storedColumns, seed: seed)
        for i in 0..<storedRows {
            for j in 0..<storedColumns { buffer[offset + i * stride + j] = fill ?? values[i, j] }
        }
    }

    /// The matrix the product sees, as a contiguous copy.
    func logical() throws -> Matrix {
        try Matrix(rows: rows, columns: columns) { i, j in
            transposed ? buffer[offset + j * stride + i] : buffer[offset + i * stride + j]
        }
    }

    mutating func withView<R>(_ body: (MatrixView) throws -> R) throws -> R {
        let (storedRows, storedColumns, stride, offset, transposed) = (storedRows, storedColumns, stride, offset, transposed)
        return try buffer.withUnsafeMutableBufferPointer { buffer in
            let stored = try MatrixView(base: buffer.baseAddress! + offset, rows: storedRows, columns: storedColumns, stride: stride)
            return try body(transposed ? stored.transposed() : stored)
        }
    }

    func isInside(_ index: Int) -> Bool {
        let relative = index - offset
        guard relative >= 0 else { return false }
        return relative / stride < storedRows && relative % stride < storedColumns
    }

    /// What changed in an operand that must not change (A or B), bit for bit; nil if nothing.
    func changedFrom(_ before: Matrix) throws -> String? {
        if try logical().elements.map(\.bitPattern) != before.elements.map(\.bitPattern) { return "elements inside the view" }
        return paddingChanged(expecting: nil)
    }

    /// The first padding element that is not what it was (the sentinel, or NaN for A and B).
    func paddingChanged(expecting value: Float? = sentinel) -> String? {
        for index in buffer.indices where !isInside(index) {
            let x = buffer[index]
            let same = value.map { x.bitPattern == $0.bitPattern } ?? x.isNaN
            if !same { return "float \(index) of the buffer is \(x)" }
        }
        return nil
    }
}
