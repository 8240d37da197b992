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
    /// What runs it: "CPU" (`MatmulFamily.cpu`, the default) or a GPU API ("CUDA", "OpenCL").
    /// Rows compare within a family; % of peak is the host CPU's, so it is shown for CPU rows only.
    var family: String { get }
    /// Why it cannot run here now (no driver, no device, not written yet), or nil when it can.
    var unavailableReason: String? { get }
    /// Whether a run that names no stages includes it (default true; your kernel, once written).
    var isListedByDefault: Bool { get }
    /// A step on the way to its stage's full form (4a–4c build up Stage 4): the table shows it,
    /// the chart's view across sizes leaves it out.
    var isLessonStep: Bool { get }

    /// Work done once before anything is timed, such as compiling a GPU kernel. Default: nothing.
    func prepare() throws
    /// The product set up to be run again and again with its operands already where the stage
    /// computes (a GPU's memory), so that a timing can leave the copies out; nil (the default)
    /// when the stage is timed through `multiply`, whole.
    func placedProduct(_ a: Matrix, _ b: Matrix) throws -> (any PlacedProduct)?

    /// The product `a · b`.
    /// - Throws: `MatmulError.shapeMismatch` when `a.columns != b.rows`.
    func multiply(_ a: Matrix, _ b: Matrix) throws -> Matrix

    /// The BLAS operation `C ← α·A·B + β·C` on views: the form real programs call. A transposed
    /// view passes `op(X) = Xᵀ`; any view may be a block inside a larger matrix. As BLAS
    /// specifies, β = 0 does not read C, α = 0 does not read A or B, and only C's own elements
    /// are written. C must not overlap A or B.
    ///
    /// Stages 4, 4s and 5 compute it directly. The others inherit a version built on `multiply`
    /// (copy A and B, multiply, combine), which is correct but pays for the copies.
    /// - Throws: `MatmulError.shapeMismatch` or `.resultShape` when the shapes do not fit, or
    ///   what `multiply` throws; C is unchanged when it throws.
    func gemm(alpha: Float, _ a: MatrixView, _ b: MatrixView, beta: Float, _ c: MatrixView) throws
}

extension MatmulStage {
    public var threads: Int { 1 }
    public var note: String? { nil }
    /// Compared with the stage before it of the same family, in lesson order.
    public var baseline: Baseline { .previous(family: family) }
    public var family: String { MatmulFamily.cpu }
    public var unavailableReason: String? { nil }
    public var isListedByDefault: Bool { true }
    public var isLessonStep: Bool { false }
    public func prepare() throws {}
    public func placedProduct(_ a: Matrix, _ b: Matrix) throws -> (any PlacedProduct)? { nil }

    /// The stage number: the leading digits of `id` ("4" for "4s").
    public var number: Int { Int(id.prefix { $0.isNumber }) ?? 0 }

    /// C ← α·A·B + β·C through `multiply`: A and B are copied into contiguous matrices (only
    /// when α ≠ 0), multiplied, and the product combined into C element by element.
    public func gemm(alpha: Float, _ a: MatrixView, _ b: MatrixView, beta: Float, _ c: MatrixView) throws {
        let shape = try GEMMShape(a, b, c)
        guard shape.needsProduct(alpha: alpha) else { return c.scale(by: beta) }
        // The product first: if `multiply` throws, C has not been touched.
        let product = try multiply(Matrix(copying: a), Matrix(copying: b))
        product.withUnsafeBufferPointer { p in
            for i in 0..<shape.m {
                for j in 0..<shape.n {
                    let x = c.pointer(i, j)
                    x.pointee = beta == 0 ? alpha * p[i * shape.n + j] : alpha * p[i * shape.n + j] + beta * x.pointee
                }
            }
        }
    }
}

/// The family of the stages that run on the host CPU.
public enum MatmulFamily {
    public static let cpu = "CPU"
}

/// A product whose operands a stage has placed where it computes (a GPU's memory): run it as
/// often as a timing needs, then fetch C once.
public protocol PlacedProduct: AnyObject {
    /// Computes the product once and waits for it to finish.
    func run() throws
    /// C, fetched from where it was computed.
    func result() throws -> Matrix
    /// Seconds the copies took: A and B there, and the last fetch of C back.
    var copySeconds: Double { get }
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
