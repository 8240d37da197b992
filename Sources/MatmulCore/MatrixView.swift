/// A matrix as BLAS sees one: a pointer into memory someone else owns, a shape, and a leading
/// dimension, possibly read transposed.
///
/// Element `(i, j)` of a plain view is `base[i * stride + j]`: rows are `stride` floats apart,
/// and `stride ≥ columns`, so a view can be a block in the middle of a larger matrix (the floats
/// between the end of one of its rows and the start of the next are not its own: no stage reads
/// or writes them). A transposed view reads the same memory with the indices swapped — element
/// `(i, j)` is `base[j * stride + i]` — which is how `op(A) = Aᵀ` is passed without a copy.
///
/// A view does not keep its memory alive: use it inside `Matrix.withView` (or while you own the
/// pointer). `@unchecked Sendable` because a stage hands views to its threads: they read A and B
/// and each thread writes only its own part of C.
public struct MatrixView: @unchecked Sendable {
    /// Element (0, 0).
    public let base: UnsafeMutablePointer<Float>
    /// Rows of the matrix the view stands for (after the transpose, if any).
    public let rows: Int
    /// Columns of the matrix the view stands for.
    public let columns: Int
    /// Floats from one stored row to the next: BLAS's leading dimension (lda, ldb, ldc).
    public let stride: Int
    /// Whether the stored matrix is read transposed: element (i, j) is stored at (j, i).
    public let isTransposed: Bool

    /// A view of `rows × columns` floats at `base`, rows `stride` floats apart.
    /// - Throws: `MatmulError.negativeDimension` for a negative size, `.leadingDimension` when
    ///   `stride < max(1, columns)` (rows would overlap; BLAS refuses it the same way).
    public init(base: UnsafeMutablePointer<Float>, rows: Int, columns: Int, stride: Int) throws {
        guard rows >= 0, columns >= 0 else { throw MatmulError.negativeDimension(rows: rows, columns: columns) }
        guard stride >= max(1, columns) else { throw MatmulError.leadingDimension(stride, columns: columns) }
        self.init(unchecked: base, rows: rows, columns: columns, stride: stride)
    }

    /// A view whose sizes the caller has already checked (a block of a checked view, or a
    /// buffer it allocated): `rows, columns ≥ 0` and `stride ≥ max(1, columns)` of the stored matrix.
    @inlinable
    public init(unchecked base: UnsafeMutablePointer<Float>, rows: Int, columns: Int, stride: Int,
                isTransposed: Bool = false) {
        self.base = base
        self.rows = rows
        self.columns = columns
        self.stride = stride
        self.isTransposed = isTransposed
    }

    public var shape: Shape { Shape(rows: rows, columns: columns) }

    /// Floats from element (i, j) to (i + 1, j).
    @inlinable public var rowStride: Int { isTransposed ? 1 : stride }
    /// Floats from element (i, j) to (i, j + 1): 1 unless the view is transposed.
    @inlinable public var columnStride: Int { isTransposed ? stride : 1 }

    /// The same memory read as the transpose: `columns × rows`. No copy.
    @inlinable
    public func transposed() -> MatrixView {
        MatrixView(unchecked: base, rows: columns, columns: rows, stride: stride, isTransposed: !isTransposed)
    }

    /// The address of element (i, j). Not bounds-checked: for loops that stay inside the view.
    @inlinable
    public func pointer(_ i: Int, _ j: Int) -> UnsafeMutablePointer<Float> {
        base + i * rowStride + j * columnStride
    }

    /// Element (i, j), bounds-checked: an index outside the view traps, as Array's does.
    @inlinable
    public subscript(i: Int, j: Int) -> Float {
        get {
            precondition(i >= 0 && i < rows && j >= 0 && j < columns, "index (\(i), \(j)) outside \(shape)")
            return pointer(i, j).pointee
        }
        nonmutating set {
            precondition(i >= 0 && i < rows && j >= 0 && j < columns, "index (\(i), \(j)) outside \(shape)")
            pointer(i, j).pointee = newValue
        }
    }

    /// The sub-view of the given rows and columns (ranges inside the view).
    @inlinable
    public func block(rows: Range<Int>, columns: Range<Int>) -> MatrixView {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= self.rows
                     && columns.lowerBound >= 0 && columns.upperBound <= self.columns,
                     "block \(rows) × \(columns) outside \(shape)")
        return MatrixView(unchecked: pointer(rows.lowerBound, columns.lowerBound), rows: rows.count,
                          columns: columns.count, stride: stride, isTransposed: isTransposed)
    }

    /// C ← β·C, touching only the view's own elements. β = 0 writes zeros without reading C, so
    /// a NaN already in C does not survive (BLAS specifies this); β = 1 leaves C alone.
    public func scale(by beta: Float) {
        guard beta != 1 else { return }
        for i in 0..<rows {
            let row = pointer(i, 0), step = columnStride
            if beta == 0 {
                for j in 0..<columns { row[j * step] = 0 }
            } else {
                for j in 0..<columns { row[j * step] *= beta }
            }
        }
    }
}

extension Matrix {
    /// A matrix holding a copy of the view's elements, row-major and contiguous.
    public init(copying view: MatrixView) {
        self.init(uncheckedRows: view.rows, columns: view.columns)
        withUnsafeMutableBufferPointer { out in
            for i in 0..<view.rows {
                for j in 0..<view.columns { out[i * view.columns + j] = view.pointer(i, j).pointee }
            }
        }
    }

    /// Calls `body` with a view of the whole matrix (rows `columns` apart), writable.
    public mutating func withView<R>(_ body: (MatrixView) throws -> R) rethrows -> R {
        let (rows, columns) = (self.rows, self.columns)
        return try withUnsafeMutableBufferPointer { buffer in
            // An empty array may have no address; a view of nothing never dereferences it.
            let base = buffer.baseAddress ?? UnsafeMutablePointer(bitPattern: MemoryLayout<Float>.alignment)!
            return try body(MatrixView(unchecked: base, rows: rows, columns: columns, stride: max(1, columns)))
        }
    }
}

/// The sizes of one GEMM, `C (m×n) ← α·A (m×k)·B (k×n) + β·C`, checked on three views.
public struct GEMMShape: Hashable, Sendable {
    public let m: Int
    public let k: Int
    public let n: Int

    /// - Throws: `MatmulError.shapeMismatch` when A's columns are not B's rows,
    ///   `.resultShape` when C is not A's rows × B's columns.
    public init(_ a: MatrixView, _ b: MatrixView, _ c: MatrixView) throws {
        guard a.columns == b.rows else { throw MatmulError.shapeMismatch(a: a.shape, b: b.shape) }
        guard c.rows == a.rows, c.columns == b.columns else {
            throw MatmulError.resultShape(c: c.shape, expected: Shape(rows: a.rows, columns: b.columns))
        }
        (m, k, n) = (a.rows, a.columns, b.columns)
    }

    /// Whether there is any A·B to add: α ≠ 0 and no dimension empty. When false, a GEMM is
    /// C ← β·C alone, and A and B must not be read (BLAS: α = 0 means A and B are not referenced).
    public func needsProduct(alpha: Float) -> Bool { alpha != 0 && m > 0 && n > 0 && k > 0 }
}
