/// Why a matrix could not be made or multiplied.
///
/// Every stage throws these instead of trapping, so a caller (or a learner's test) learns what
/// was wrong and with which sizes.
public enum MatmulError: Error, Equatable, CustomStringConvertible {
    /// `A (m×k) · B (k×n)` needs A's column count to equal B's row count.
    case shapeMismatch(a: Shape, b: Shape)
    /// A matrix was asked for with a negative number of rows or columns.
    case negativeDimension(rows: Int, columns: Int)
    /// The element array does not hold `rows × columns` values.
    case elementCount(rows: Int, columns: Int, count: Int)
    /// rows × columns elements are more than memory can be addressed with (their bytes overflow an Int).
    case tooManyElements(rows: Int, columns: Int)
    /// A dimension is larger than a backend can address (OpenBLAS takes 32-bit sizes).
    case tooLarge(Shape, limit: Int)
    /// A view's rows would overlap: its leading dimension (row stride) is below max(1, columns).
    case leadingDimension(Int, columns: Int)
    /// C ← α·A·B + β·C was given a C whose shape is not A's rows × B's columns.
    case resultShape(c: Shape, expected: Shape)

    public var description: String {
        switch self {
        case let .shapeMismatch(a, b):
            return "cannot multiply A (\(a)) by B (\(b)): A has \(a.columns) columns but B has \(b.rows) rows; "
                + "A (m×k) · B (k×n) needs them equal"
        case let .negativeDimension(rows, columns):
            return "a matrix cannot be \(rows)×\(columns): rows and columns must be 0 or more"
        case let .elementCount(rows, columns, count):
            let (needed, overflow) = rows.multipliedReportingOverflow(by: columns)
            return "a \(rows)×\(columns) matrix needs \(overflow ? "more than \(Int.max)" : "\(needed)") elements, got \(count)"
        case let .tooManyElements(rows, columns):
            return "a \(rows)×\(columns) matrix is too large: its bytes (rows × columns × 4) would not fit in a 64-bit count"
        case let .tooLarge(shape, limit):
            return "\(shape) is too large for this backend: each dimension must be at most \(limit)"
        case let .leadingDimension(stride, columns):
            return "a leading dimension of \(stride) is too small for \(columns) columns: rows would overlap; "
                + "it must be at least max(1, columns) = \(max(1, columns))"
        case let .resultShape(c, expected):
            return "C is \(c) but A·B is \(expected): C ← α·A·B + β·C needs them equal"
        }
    }
}

/// The rows × columns of one matrix.
public struct Shape: Hashable, Sendable, CustomStringConvertible {
    public var rows: Int
    public var columns: Int

    public init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
    }

    public var description: String { "\(rows)×\(columns)" }
}
