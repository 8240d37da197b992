/// A dense matrix of `Float`, stored row-major in one contiguous array.
///
/// Element `(i, j)` lives at `elements[i * columns + j]`, so a row is contiguous and a column is
/// strided by `columns`: the layout every stage's lesson reasons about.
public struct Matrix: Equatable, Sendable {
    public let rows: Int
    public let columns: Int
    /// The elements, row after row; always `rows × columns` of them.
    public var elements: [Float] { storage }
    @usableFromInline var storage: [Float]

    /// A matrix with the given row-major elements.
    /// - Throws: `MatmulError` if a dimension is negative or `elements.count != rows × columns`.
    public init(rows: Int, columns: Int, elements: [Float]) throws {
        guard rows >= 0, columns >= 0 else { throw MatmulError.negativeDimension(rows: rows, columns: columns) }
        guard rows.multipliedReportingOverflow(by: columns) == (elements.count, false) else {
            throw MatmulError.elementCount(rows: rows, columns: columns, count: elements.count)
        }
        self.rows = rows
        self.columns = columns
        self.storage = elements
    }

    /// A `rows × columns` matrix filled with `value` (zeros by default).
    /// - Throws: `MatmulError.negativeDimension` if a dimension is negative, `.tooManyElements` if
    ///   the matrix could not be addressed.
    public init(rows: Int, columns: Int, repeating value: Float = 0) throws {
        let count = try Self.elementCount(rows: rows, columns: columns)
        try self.init(rows: rows, columns: columns, elements: Array(repeating: value, count: count))
    }

    /// A matrix whose element `(i, j)` is `element(i, j)`.
    /// - Throws: as `init(rows:columns:repeating:)`, or what `element` throws.
    public init(rows: Int, columns: Int, element: (Int, Int) throws -> Float) throws {
        var values: [Float] = []
        values.reserveCapacity(try Self.elementCount(rows: rows, columns: columns))
        for i in 0..<rows {
            for j in 0..<columns { values.append(try element(i, j)) }
        }
        try self.init(rows: rows, columns: columns, elements: values)
    }

    public var shape: Shape { Shape(rows: rows, columns: columns) }

    /// rows × columns, checked: both 0 or more, and the product's bytes no more than an Int can count.
    /// - Throws: `MatmulError.negativeDimension` or `.tooManyElements`.
    public static func elementCount(rows: Int, columns: Int) throws -> Int {
        guard rows >= 0, columns >= 0 else { throw MatmulError.negativeDimension(rows: rows, columns: columns) }
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard !overflow, !count.multipliedReportingOverflow(by: MemoryLayout<Float>.stride).overflow else {
            throw MatmulError.tooManyElements(rows: rows, columns: columns)
        }
        return count
    }

    /// Element `(row, column)`, bounds-checked: an index outside the matrix traps, as Array's does.
    @inlinable
    public subscript(row: Int, column: Int) -> Float {
        get {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "index (\(row), \(column)) outside \(shape)")
            return storage[row * columns + column]
        }
        set {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "index (\(row), \(column)) outside \(shape)")
            storage[row * columns + column] = newValue
        }
    }

    /// Calls `body` with the contiguous row-major elements.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with the contiguous row-major elements, writable. `body` must not change
    /// the buffer's base address or count (Array enforces this).
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        try storage.withUnsafeMutableBufferPointer(body)
    }

    /// The transpose: element `(i, j)` of the result is element `(j, i)` of this matrix.
    public func transposed() -> Matrix {
        var t = Matrix(uncheckedRows: columns, columns: rows)
        t.withUnsafeMutableBufferPointer { out in
            withUnsafeBufferPointer { src in
                for i in 0..<rows {
                    for j in 0..<columns { out[j * rows + i] = src[i * columns + j] }
                }
            }
        }
        return t
    }

    /// A zero matrix whose dimensions are already known to be valid.
    @usableFromInline
    init(uncheckedRows rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        self.storage = Array(repeating: 0, count: rows * columns)
    }
}
