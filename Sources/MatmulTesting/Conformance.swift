// The shared conformance checks: what every stage's test target runs against its stage.
//
// The reference is Stage 1 (the loop version). Two float computations of the same product can
// differ by rounding, so "equal" means within the bound that follows from the arithmetic: each
// computed entry of C = A·B satisfies |Ĉ − C| ≤ γ_k·(|A|·|B|) with γ_k = k·u / (1 − k·u) and
// u = 2⁻²⁴ (unit roundoff of Float32), whatever the order of the additions and with or without
// FMA. Two such computations are then within 2·γ_k·(|A|·|B|) of each other — no magic epsilon.
//
// The floating-point rule: what every stage must give for entry (i, j), decided from the inputs
// alone (`FloatingPointRule`). Let S = Σₚ |aᵢₚ|·|bₚⱼ| over the terms whose two factors are finite.
//
//   1. A NaN term (a NaN input, or ±Inf times 0), or a +Inf term and a −Inf term: NaN.
//   2. Otherwise, if S ≤ FLT_MAX / 2: no product and no partial sum can overflow, in any order of
//      the additions and with or without FMA (every rounded partial sum is at most (1 + γ_k)·S,
//      γ_k < 1). Then an infinite term gives that infinity, and without one the entry is finite
//      and within 2·γ_k·S of the loop version's.
//   3. Otherwise the entry is exempt: whether a partial sum overflows, and to which sign, depends
//      on the order of the additions and on whether multiply and add are fused, so stages
//      legitimately differ. Two examples, each kept as a test: A's row ±1e20 alternating times
//      B's column of 1e20 gives NaN in Stage 1 (1e40 rounds to +Inf, then +Inf + −Inf) and +Inf in
//      Stage 4 (fma(−1e20, 1e20, +Inf) = +Inf); 64 entries +,+,−,− FLT_MAX/4 times ones sum to 0
//      in Stage 1's order and to +Inf with the positive terms first (both orders forced in Stage 5's
//      tests; which one OpenBLAS's order resembles depends on the kernel it picks for the CPU). The
//      checks skip exempt entries; the overflow cases below check that every other entry of the
//      same product obeys rules 1 and 2.
//
// The loop version obeys the rule too (Stage 1's tests run these checks against itself), so
// "NaN and Inf as in the loop version" holds everywhere but in exempt entries.

import Foundation
import MatmulCore
import Stage1Loops

/// One check a stage must pass; the test targets run every case in `ConformanceCase.all`.
public enum ConformanceCase: Sendable, CustomStringConvertible {
    /// Seeded normal A (m×k) and B (k×n): the stage agrees with the loop version within 2·γ_k·(|A|·|B|).
    case agreesWithLoops(m: Int, k: Int, n: Int)
    /// Small integers, whose products and sums are exact in Float32: the stage must be exact.
    case exactOnIntegers(m: Int, k: Int, n: Int)
    /// NaN and ±Inf placed in A and B come out of the stage where they come out of the loop version.
    case specialValues(SpecialValues)
    /// A (m×k) times B (k+1 × n) throws `MatmulError.shapeMismatch` naming both shapes.
    case shapeMismatch
    /// C ← α·op(A)·op(B) + β·C on strided views agrees with the loop version (GEMMConformance.swift).
    case gemm(GEMMCheck)
    /// GEMM with C of the wrong shape or A, B that do not fit: an error, and C untouched.
    case gemmShapeErrors

    /// Every case, in the order the tests report them.
    public static let all: [ConformanceCase] = [
        // Shapes: 1×1×1, empty in each dimension (k = 0 gives a zero C), primes, tall-skinny
        // (the fastai shapes), and sizes that are no multiple of any block, tile or vector width.
        .agreesWithLoops(m: 1, k: 1, n: 1),
        .agreesWithLoops(m: 0, k: 5, n: 3),
        .agreesWithLoops(m: 4, k: 5, n: 0),
        .agreesWithLoops(m: 6, k: 0, n: 7),
        .agreesWithLoops(m: 0, k: 0, n: 0),
        .agreesWithLoops(m: 7, k: 13, n: 17),
        .agreesWithLoops(m: 127, k: 61, n: 97),
        .agreesWithLoops(m: 5, k: 784, n: 10),
        .agreesWithLoops(m: 1000, k: 784, n: 10),
        .agreesWithLoops(m: 1, k: 300, n: 1),
        .agreesWithLoops(m: 300, k: 1, n: 300),
        .agreesWithLoops(m: 33, k: 65, n: 129),
        .agreesWithLoops(m: 64, k: 64, n: 64),
        .agreesWithLoops(m: 257, k: 31, n: 255),
        .exactOnIntegers(m: 3, k: 4, n: 2),
        .exactOnIntegers(m: 67, k: 129, n: 41),
        .specialValues(.nanInA),
        .specialValues(.nanInB),
        .specialValues(.infinityInA),
        .specialValues(.infinityInB),
        .specialValues(.infinityMinusInfinity),
        .specialValues(.atTheLastRowAndColumn),
        .specialValues(.productsOverflow),
        .specialValues(.sumsMayOverflow),
        .specialValues(.largeButSafe),
        .shapeMismatch,
    ] + GEMMCheck.all.map { .gemm($0) } + [.gemmShapeErrors]

    /// m, k, n of the product this case computes, for the cases with one size.
    public var sizes: (m: Int, k: Int, n: Int)? {
        switch self {
        case let .agreesWithLoops(m, k, n): (m, k, n)
        case let .gemm(check): (check.m, check.k, check.n)
        default: nil
        }
    }

    public var description: String {
        switch self {
        case let .agreesWithLoops(m, k, n): "agrees with the loop version on \(m)×\(k) · \(k)×\(n)"
        case let .exactOnIntegers(m, k, n): "is exact on small integers, \(m)×\(k) · \(k)×\(n)"
        case let .specialValues(values): "follows the floating-point rule: \(values.rawValue)"
        case .shapeMismatch: "throws a shape-mismatch error naming both shapes"
        case let .gemm(check): check.description
        case .gemmShapeErrors: "GEMM refuses shapes that do not fit, leaving C alone"
        }
    }

    /// Runs this check on `stage`; returns what went wrong, empty when it passed.
    /// - Parameter tolerance: how far from the loop version a seeded normal product may be.
    public func problems(of stage: any MatmulStage, tolerance: Tolerance = .anyOrder) throws -> [String] {
        switch self {
        case let .agreesWithLoops(m, k, n):
            let a = try Matrix.randomNormal(rows: m, columns: k, seed: 1)
            let b = try Matrix.randomNormal(rows: k, columns: n, seed: 2)
            // With k = 0 the bound is 0, so this also checks that C is exactly zero.
            return try compareWithLoops(stage, a, b, tolerance: tolerance)
        case let .exactOnIntegers(m, k, n):
            let a = try smallIntegers(rows: m, columns: k, seed: 3)
            let b = try smallIntegers(rows: k, columns: n, seed: 4)
            return try compareExactly(stage.multiply(a, b), exactProduct(a, b))
        case let .specialValues(values):
            let (a, b) = try values.matrices()
            return try compareWithLoops(stage, a, b, tolerance: tolerance, expecting: values)
        case .shapeMismatch:
            let a = try Matrix(rows: 3, columns: 4)
            let b = try Matrix(rows: 5, columns: 2)
            do {
                _ = try stage.multiply(a, b)
                return ["multiplying 3×4 by 5×2 returned instead of throwing"]
            } catch let error as MatmulError {
                guard error == .shapeMismatch(a: a.shape, b: b.shape) else { return ["threw \(error)"] }
                let message = error.description
                return message.contains("3×4") && message.contains("5×2") ? [] : ["message names neither shape: \(message)"]
            }
        case let .gemm(check):
            return try check.problems(of: stage, tolerance: tolerance)
        case .gemmShapeErrors:
            return try GEMMCheck.shapeErrors(of: stage)
        }
    }
}

/// How far a stage's product may be from the loop version's.
public enum Tolerance: Sendable {
    /// Any order of each entry's k additions, with or without FMA: 2·γ_k·(|A|·|B|) per entry.
    case anyOrder
    /// Strassen's method recursing `levels` times above a conventional product.
    ///
    /// Strassen mixes rows and columns, so no entry-wise bound holds; Higham (Accuracy and
    /// Stability of Numerical Algorithms, 2nd ed., Theorem 23.2) proves the norm-wise one
    ///     ‖Ĉ − C‖ ≤ [(n/n₀)^log₂12 · (n₀² + 5n₀) − 5n] · u · ‖A‖ · ‖B‖ + O(u²),   ‖X‖ = max |xᵢⱼ|,
    /// for n = 2^levels · n₀ and leaves of size n₀ multiplied conventionally. A rectangular or odd
    /// product is padded with zeros to such an n (the zeros add no error), so n₀ is the largest
    /// leaf dimension. The loop version is itself within γ_k·(|A|·|B|) of C, which is added.
    case strassen(levels: Int)
    /// A conventional product whose inputs were rounded to a shorter mantissa first (TF32 tensor
    /// cores): `relative`·(|A|·|B|) more than `anyOrder` allows, per entry.
    case roundedInputs(relative: Double)
}

/// Where the NaNs and infinities go in a `.specialValues` case.
public enum SpecialValues: String, Sendable {
    case nanInA = "NaN in A"
    case nanInB = "NaN in B"
    case infinityInA = "+Inf in A against positive, negative and zero B"
    case infinityInB = "-Inf in B"
    case infinityMinusInfinity = "+Inf and -Inf in one dot product give NaN"
    case atTheLastRowAndColumn = "NaN and Inf in the last row/column of odd-sized matrices"
    case productsOverflow = "finite ±1e20 · 1e20 products overflow: that entry is exempt, the rest obey the rule"
    case sumsMayOverflow = "±FLT_MAX/4 entries whose sums may overflow: exempt, the rest obey the rule"
    case largeButSafe = "entries near 1e18 whose sums stay below FLT_MAX/2: finite, as any other"

    /// The inputs: seeded normal matrices with the special values placed.
    public func matrices() throws -> (Matrix, Matrix) {
        // Sums of ±FLT_MAX/4 overflow in OpenBLAS's order when k is a few of its unrolled steps long.
        let (m, k, n) = self == .atTheLastRowAndColumn ? (37, 41, 29) : self == .sumsMayOverflow ? (6, 64, 5) : (6, 9, 5)
        var a = try Matrix.randomNormal(rows: m, columns: k, seed: 5)
        var b = try Matrix.randomNormal(rows: k, columns: n, seed: 6)
        switch self {
        case .nanInA:
            a[2, 3] = .nan
        case .nanInB:
            b[4, 1] = .nan
        case .infinityInA:
            a[1, 0] = .infinity
            b[0, 0] = 2
            b[0, 1] = -3
            b[0, 2] = 0
        case .infinityInB:
            b[7, 2] = -.infinity
        case .infinityMinusInfinity:
            a[0, 0] = .infinity
            a[0, 1] = .infinity
            for j in 0..<n {
                b[0, j] = 1
                b[1, j] = -1
            }
        case .atTheLastRowAndColumn:
            a[m - 1, k - 1] = .nan
            b[k - 1, n - 1] = .infinity
            a[m - 2, k - 1] = 1
        case .productsOverflow:
            for p in 0..<k {
                a[1, p] = p % 2 == 0 ? 1e20 : -1e20
                b[p, 0] = 1e20
            }
        case .sumsMayOverflow:
            for p in 0..<k {
                a[2, p] = (p % 4 < 2 ? 1 : -1) * Float.greatestFiniteMagnitude / 4
                b[p, 1] = 1
            }
        case .largeButSafe:
            // |aᵢₚ·bₚⱼ| ≤ (4e18)² = 1.6e37 (seeded normals stay below 4 here), k = 9: S ≤ 1.5e38 < FLT_MAX/2 = 1.7e38.
            for i in 0..<m { for p in 0..<k { a[i, p] *= 1e18 } }
            for p in 0..<k { for j in 0..<n { b[p, j] *= 1e18 } }
        }
        return (a, b)
    }

    /// Whether this case's product has entries the rule exempts (and none, for the others).
    var hasExemptEntries: Bool { self == .productsOverflow || self == .sumsMayOverflow }
}

/// The floating-point rule at the top of this file: what entry (i, j) of A·B must be.
public enum FloatingPointRule: Equatable, Sendable, CustomStringConvertible {
    /// Finite, within 2·γ_k·S of the loop version.
    case finite
    case nan
    case infinity(FloatingPointSign)
    /// Overflow depends on the order of the sum: any result.
    case exempt

    /// The rule for every entry of `a · b`, row-major.
    public static func entries(_ a: Matrix, _ b: Matrix) -> [FloatingPointRule] {
        var magnitude = DoubleMatrix(rows: 0, columns: 0)
        return entries(a, b, magnitude: &magnitude)
    }

    /// The rule for every entry of `a · b`, row-major; `magnitude` gets S of each entry.
    static func entries(_ a: Matrix, _ b: Matrix, magnitude: inout DoubleMatrix) -> [FloatingPointRule] {
        magnitude = DoubleMatrix(rows: a.rows, columns: b.columns)
        var rules: [FloatingPointRule] = []
        rules.reserveCapacity(a.rows * b.columns)
        for i in 0..<a.rows {
            for j in 0..<b.columns {
                var (sum, nan, plus, minus) = (0.0, false, false, false)
                for p in 0..<a.columns {
                    let (x, y) = (a[i, p], b[p, j])
                    if x.isFinite && y.isFinite {
                        sum += Double(abs(x)) * Double(abs(y))
                    } else {
                        let term = Double(x) * Double(y)  // NaN for NaN and for ±Inf · 0
                        if term.isNaN { nan = true } else if term > 0 { plus = true } else { minus = true }
                    }
                }
                magnitude[i, j] = sum
                rules.append(nan || (plus && minus) ? .nan
                             : sum > Double(Float.greatestFiniteMagnitude) / 2 ? .exempt
                             : plus ? .infinity(.plus) : minus ? .infinity(.minus) : .finite)
            }
        }
        return rules
    }

    /// Whether `value` is what this rule allows, given the loop version's `reference` and the tolerance.
    func allows(_ value: Float, reference: Float, allowed: Double) -> Bool {
        switch self {
        case .finite: value.isFinite && abs(Double(value) - Double(reference)) <= allowed
        case .nan: value.isNaN
        case let .infinity(sign): value.isInfinite && value.sign == sign
        case .exempt: true
        }
    }

    public var description: String {
        switch self {
        case .finite: "finite"
        case .nan: "NaN"
        case let .infinity(sign): sign == .plus ? "+Inf" : "-Inf"
        case .exempt: "exempt (overflow depends on the order)"
        }
    }
}

/// Compares `stage` with the loop version on `a · b` by the floating-point rule (top of this file):
/// NaN and the same infinity where the rule says so, within 2·γ_k·S of the loop version where it
/// says finite, anything where it exempts the entry. The loop version is held to the rule too.
func compareWithLoops(_ stage: any MatmulStage, _ a: Matrix, _ b: Matrix, tolerance: Tolerance = .anyOrder,
                      expecting special: SpecialValues? = nil) throws -> [String] {
    let reference = try LoopsMatmul().multiply(a, b)
    let c = try stage.multiply(a, b)
    guard c.shape == reference.shape else { return ["C is \(c.shape), expected \(reference.shape)"] }
    var magnitude = DoubleMatrix(rows: 0, columns: 0)
    let rules = FloatingPointRule.entries(a, b, magnitude: &magnitude)
    if let special {
        // The case must exercise what it is named for.
        if special.hasExemptEntries != rules.contains(.exempt) {
            return ["this case is meant to have \(special.hasExemptEntries ? "" : "no ")entries whose overflow depends on the order"]
        }
        if special != .largeButSafe, !special.hasExemptEntries, !rules.contains(where: { $0 != .finite }) {
            return ["this case is meant to produce NaN or Inf, but the rule expects none"]
        }
    }
    let gamma = gammaBound(k: a.columns)
    // The part of the allowance that does not depend on the entry (0 for .anyOrder).
    var normwise = 0.0
    if case let .strassen(levels) = tolerance, levels > 0 {
        normwise = strassenAllowance(a, b, levels: levels)
    }
    var extra = 0.0
    if case let .roundedInputs(relative) = tolerance { extra = relative }
    func allowed(_ i: Int, _ j: Int) -> Double {
        normwise > 0 ? normwise + gamma * magnitude[i, j] : (2 * gamma + extra) * magnitude[i, j]
    }
    var problems: [String] = []
    for i in 0..<c.rows {
        for j in 0..<c.columns {
            let rule = rules[i * c.columns + j]
            let (got, want) = (c[i, j], reference[i, j])
            guard problems.count < 5 else { break }
            if !rule.allows(want, reference: want, allowed: 0) {
                problems.append("C[\(i), \(j)]: the loop version gave \(want), the rule says \(rule)")
            } else if !rule.allows(got, reference: want, allowed: allowed(i, j)) {
                problems.append("C[\(i), \(j)] = \(got), loop version \(want), the rule says \(rule)"
                                + (rule == .finite ? ", allowed ±\(allowed(i, j))" : ""))
            }
        }
    }
    return problems
}

/// γ_k = k·u / (1 − k·u), u = 2⁻²⁴: the relative error bound of a k-term Float32 dot product.
public func gammaBound(k: Int) -> Double {
    let ku = Double(k) * 0x1p-24
    return ku / (1 - ku)
}

/// |A|·|B| in Double (exact enough to serve as the bound's scale); non-finite inputs give non-finite entries.
func absoluteProduct(_ a: Matrix, _ b: Matrix) -> DoubleMatrix {
    var result = DoubleMatrix(rows: a.rows, columns: b.columns)
    for i in 0..<a.rows {
        for p in 0..<a.columns {
            let aip = Double(abs(a[i, p]))
            for j in 0..<b.columns { result[i, j] += aip * Double(abs(b[p, j])) }
        }
    }
    return result
}

/// A × B computed in Double; exact when the entries are small integers.
func exactProduct(_ a: Matrix, _ b: Matrix) -> DoubleMatrix {
    var result = DoubleMatrix(rows: a.rows, columns: b.columns)
    for i in 0..<a.rows {
        for p in 0..<a.columns {
            for j in 0..<b.columns { result[i, j] += Double(a[i, p]) * Double(b[p, j]) }
        }
    }
    return result
}

func compareExactly(_ c: Matrix, _ exact: DoubleMatrix) -> [String] {
    guard c.rows == exact.rows, c.columns == exact.columns else {
        return ["C is \(c.shape), expected \(exact.rows)×\(exact.columns)"]
    }
    var problems: [String] = []
    for i in 0..<c.rows {
        for j in 0..<c.columns where Double(c[i, j]) != exact[i, j] && problems.count < 5 {
            problems.append("C[\(i), \(j)] = \(c[i, j]), exactly \(exact[i, j])")
        }
    }
    return problems
}

/// Integers in −8…8: with k ≤ 2¹⁶ every partial sum stays below 2²⁴, so Float32 holds it exactly.
func smallIntegers(rows: Int, columns: Int, seed: UInt64) throws -> Matrix {
    var generator = SeededGenerator(seed: seed)
    return try Matrix(rows: rows, columns: columns) { _, _ in Float(Int.random(in: -8...8, using: &generator)) }
}

/// A plain Double matrix for the test's own arithmetic.
struct DoubleMatrix {
    let rows: Int
    let columns: Int
    var elements: [Double]

    init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        elements = Array(repeating: 0, count: rows * columns)
    }

    subscript(i: Int, j: Int) -> Double {
        get { elements[i * columns + j] }
        set { elements[i * columns + j] = newValue }
    }
}
