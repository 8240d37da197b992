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
    /// Which row the speedup table's "× prev" compares this stage's row with.
    var baseline: Baseline { get }

    /// The product `a · b`.
    /// - Throws: `MatmulError.shapeMismatch` when `a.columns != b.rows`.
    func multiply(_ a: Matrix, _ b: Matrix) throws -> Matrix
}

extension MatmulStage {
    public var threads: Int { 1 }
    public var note: String? { nil }
    /// A CPU stage: compared with the CPU stage before it, in lesson order.
    public var baseline: Baseline { .previous(family: "CPU") }

    /// The stage number: the leading digits of `id` ("4" for "4s").
    public var number: Int { Int(id.prefix { $0.isNumber }) ?? 0 }
}

/// Which row of a product the speedup table's "× prev" compares a stage's row with: the step
/// that stage takes, measured.
public enum Baseline: Sendable, Equatable {
    /// The last row before it of the same family: the CPU stages in lesson order ("CPU"), or one
    /// GPU API's kernels among themselves ("CUDA", "OpenCL").
    case previous(family: String)
    /// The row of the stage with this id: the kernel that a "+copies" row times again.
    case stage(id: String)
    /// The fastest row of the family in the same product: what your own kernel has to beat.
    case fastest(family: String)
}
