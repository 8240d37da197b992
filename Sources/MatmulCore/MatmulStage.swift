/// The contract every stage keeps: `A (m×k) · B (k×n) → C (m×n)`, Float32, row-major.
///
/// A stage also says who it is, so the runner can print its row: its id ("1", "2", …), a short
/// name, and one line on what changed from the stage before it.
public protocol MatmulStage: Sendable {
    /// The stage's label in the table and in `speedup --stages`: "1", "2", … or "4s" for a variant.
    var id: String { get }
    /// A short name: "loops", "dot", …
    var name: String { get }
    /// One line on what this stage changes, compared with the one before it.
    var change: String { get }
    /// How many threads `multiply` uses.
    var threads: Int { get }
    /// Anything the reader of a timing should know (which BLAS kernel ran, say); nil if nothing.
    var note: String? { get }

    /// The product `a · b`.
    /// - Throws: `MatmulError.shapeMismatch` when `a.columns != b.rows`.
    func multiply(_ a: Matrix, _ b: Matrix) throws -> Matrix
}

extension MatmulStage {
    public var threads: Int { 1 }
    public var note: String? { nil }

    /// The stage number: the leading digits of `id` ("4" for "4s").
    public var number: Int { Int(id.prefix { $0.isNumber }) ?? 0 }
}
