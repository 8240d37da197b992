import Foundation

/// The sizes of one product `A (m×k) · B (k×n) = C (m×n)`, checked once for every stage.
public struct ProductShape: Hashable, Sendable, CustomStringConvertible {
    public let m: Int
    public let k: Int
    public let n: Int

    /// The sizes of `a · b`.
    /// - Throws: `MatmulError.shapeMismatch`, naming both shapes, when `a.columns != b.rows`.
    public init(_ a: Matrix, _ b: Matrix) throws {
        guard a.columns == b.rows else { throw MatmulError.shapeMismatch(a: a.shape, b: b.shape) }
        self.init(m: a.rows, k: a.columns, n: b.columns)
    }

    /// The sizes of an `m×k · k×n` product. Dimensions must be 0 or more.
    public init(m: Int, k: Int, n: Int) {
        precondition(m >= 0 && k >= 0 && n >= 0, "dimensions must be 0 or more")
        self.m = m
        self.k = k
        self.n = n
    }

    /// Floating-point operations: one multiply and one add for each of the m·n·k terms.
    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }

    /// Bytes the product must move at least once: A and B read, C written, 4 bytes each.
    public var minimumBytes: Double { 4 * (Double(m) * Double(k) + Double(k) * Double(n) + Double(m) * Double(n)) }

    /// Bytes a program running this product holds at least: A, B and C, and one more copy of B
    /// (Stage 2 transposes it), 4 bytes an element.
    public var workingBytes: Double { minimumBytes + 4 * Double(k) * Double(n) }

    /// Why this product is refused on this machine, or nil: the programs run a product only if its
    /// working bytes fit in half of the machine's memory, leaving the rest to the system.
    public var memoryRefusal: String? {
        let memory = Double(ProcessInfo.processInfo.physicalMemory)
        guard workingBytes > memory / 2 else { return nil }
        return "\(self) needs about \(String(format: "%.1f", workingBytes / 1e9)) GB (A, B, C and a copy of B), "
            + "more than half of this machine's \(String(format: "%.1f", memory / 1e9)) GB, the most a product may take; choose a smaller size"
    }

    /// "m×k · k×n", the way the runner prints a shape.
    public var description: String { "\(m)×\(k) · \(k)×\(n)" }

    /// A zero matrix the size of the product, to be filled in by a stage.
    public func zeroResult() -> Matrix { Matrix(uncheckedRows: m, columns: n) }
}

/// Seconds from `start` to now, by the monotonic clock: how every timing in the course is taken.
public func secondsSince(_ start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
}

/// C = A · B computed by `multiplyAdd(A, B, C)` on views of the three matrices, C starting at
/// zero: how a stage written on views (Stage 4, your exercises from 4 on) provides `multiply`.
/// Empty products make no call, and with k = 0, C stays zero.
/// - Throws: `MatmulError.shapeMismatch`, or what `multiplyAdd` throws.
public func productOnViews(_ a: Matrix, _ b: Matrix,
                           _ multiplyAdd: (_ a: MatrixView, _ b: MatrixView, _ c: MatrixView) throws -> Void) throws -> Matrix {
    let shape = try ProductShape(a, b)
    var c = shape.zeroResult()
    guard shape.m > 0, shape.n > 0, shape.k > 0 else { return c }
    try a.withUnsafeBufferPointer { a in
        try b.withUnsafeBufferPointer { b in
            try c.withUnsafeMutableBufferPointer { c in
                // The views of A and B are only read; the casts to mutable are for the one view type.
                try multiplyAdd(MatrixView(unchecked: UnsafeMutablePointer(mutating: a.baseAddress!), rows: shape.m, columns: shape.k, stride: shape.k),
                                MatrixView(unchecked: UnsafeMutablePointer(mutating: b.baseAddress!), rows: shape.k, columns: shape.n, stride: shape.n),
                                MatrixView(unchecked: c.baseAddress!, rows: shape.m, columns: shape.n, stride: shape.n))
            }
        }
    }
    return c
}
