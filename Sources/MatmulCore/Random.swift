import Foundation

/// A small, fast, seeded random number generator (SplitMix64), so every run of the runner and
/// the tests multiplies the same matrices.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A standard normal sample (mean 0, variance 1), by the Box–Muller transform.
    public mutating func nextNormal() -> Float {
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &self)
        let u2 = Double.random(in: 0..<1, using: &self)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}

extension Matrix {
    /// A `rows × columns` matrix of standard normal samples drawn from `seed`.
    /// - Throws: `MatmulError.negativeDimension` if a dimension is negative.
    public static func randomNormal(rows: Int, columns: Int, seed: UInt64) throws -> Matrix {
        var generator = SeededGenerator(seed: seed)
        return try Matrix(rows: rows, columns: columns) { _, _ in generator.nextNormal() }
    }
}
