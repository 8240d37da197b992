// libMatmulBLAS: Stage 4 behind the two names every BLAS program calls for a float matrix product.
//
//   sgemm_        Fortran's SGEMM (reference BLAS, LAPACK, anything built with gfortran): every
//                 argument by pointer, matrices column-major, transposes as characters 'N'/'T'/'C'.
//   cblas_sgemm   the C interface (NumPy, most C programs): arguments by value, and a layout
//                 argument, row-major (101) or column-major (102).
//
// Both check their arguments exactly as the reference BLAS does and report the first bad one
// through the handler the program provides (`xerbla_`, `cblas_xerbla`), with the reference's
// argument numbers, so the reference test programs can check the error exits too. Then both
// become one call of the course's GEMM on views: a column-major matrix is a transposed view of
// the same memory, so no layout needs code of its own (see `columnMajor` below).
//
// Build: `make blas`; use: LD_PRELOAD=<path it prints> program (lessons/05-blas.md).

import CBLASCallbacks
import MatmulCore

// MARK: - The Fortran interface

/// SGEMM: C ← α·op(A)·op(B) + β·C, column-major, every argument by reference. gfortran also
/// passes the two characters' lengths after the last argument; they are always 1 and unused.
@_cdecl("sgemm_")
public func sgemm(_ transA: UnsafePointer<CChar>, _ transB: UnsafePointer<CChar>,
                  _ m: UnsafePointer<Int32>, _ n: UnsafePointer<Int32>, _ k: UnsafePointer<Int32>,
                  _ alpha: UnsafePointer<Float>, _ a: UnsafePointer<Float>?, _ lda: UnsafePointer<Int32>,
                  _ b: UnsafePointer<Float>?, _ ldb: UnsafePointer<Int32>,
                  _ beta: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>?, _ ldc: UnsafePointer<Int32>) {
    let call = FortranCall(transA: transA.pointee, transB: transB.pointee, m: m.pointee, n: n.pointee, k: k.pointee,
                           lda: lda.pointee, ldb: ldb.pointee, ldc: ldc.pointee)
    if let info = call.firstBadArgument {
        return ErrorHandler.fortran(argument: info)
    }
    serve(Request(interface: "sgemm_", layout: "column-major", transA: call.transposeA, transB: call.transposeB,
                  m: Int(call.m), n: Int(call.n), k: Int(call.k), alpha: alpha.pointee, a: a, lda: Int(call.lda),
                  b: b, ldb: Int(call.ldb), beta: beta.pointee, c: c, ldc: Int(call.ldc), rowMajor: false))
}

/// The arguments SGEMM checks, and its rules for them (reference BLAS's sgemm.f, in its order).
struct FortranCall {
    let transA: CChar, transB: CChar
    let m: Int32, n: Int32, k: Int32
    let lda: Int32, ldb: Int32, ldc: Int32

    /// 'N' or 'n': no transpose; 'T', 't', 'C', 'c': transpose (for real numbers, the conjugate
    /// transpose is the transpose). Anything else is an error.
    static func isNoTranspose(_ c: CChar) -> Bool { c == 0x4E || c == 0x6E }
    static func isTranspose(_ c: CChar) -> Bool { c == 0x54 || c == 0x74 || c == 0x43 || c == 0x63 }

    var transposeA: Bool { Self.isTranspose(transA) }
    var transposeB: Bool { Self.isTranspose(transB) }

    /// The number of the first argument that is wrong, as reference BLAS numbers them
    /// (TRANSA = 1 … LDC = 13), or nil when all are valid.
    var firstBadArgument: Int32? {
        // Rows of A and of B as stored: A is m×k, or k×m when it is read transposed.
        let rowsA = transposeA ? k : m, rowsB = transposeB ? n : k
        if !Self.isNoTranspose(transA) && !Self.isTranspose(transA) { return 1 }
        if !Self.isNoTranspose(transB) && !Self.isTranspose(transB) { return 2 }
        if m < 0 { return 3 }
        if n < 0 { return 4 }
        if k < 0 { return 5 }
        if lda < max(1, rowsA) { return 8 }
        if ldb < max(1, rowsB) { return 10 }
        if ldc < max(1, m) { return 13 }
        return nil
    }
}

// MARK: - The C interface

/// `CBLAS_ORDER` and `CBLAS_TRANSPOSE`, as cblas.h numbers them.
enum CBLAS {
    static let rowMajor: Int32 = 101, columnMajor: Int32 = 102
    static let noTrans: Int32 = 111, trans: Int32 = 112, conjTrans: Int32 = 113
}

/// cblas_sgemm: C ← α·op(A)·op(B) + β·C in either layout.
@_cdecl("cblas_sgemm")
public func cblasSGEMM(_ layout: Int32, _ transA: Int32, _ transB: Int32, _ m: Int32, _ n: Int32, _ k: Int32,
                       _ alpha: Float, _ a: UnsafePointer<Float>?, _ lda: Int32, _ b: UnsafePointer<Float>?, _ ldb: Int32,
                       _ beta: Float, _ c: UnsafeMutablePointer<Float>?, _ ldc: Int32) {
    func character(_ trans: Int32) -> CChar? {
        switch trans {
        case CBLAS.noTrans: 0x4E                         // 'N'
        case CBLAS.trans, CBLAS.conjTrans: 0x54          // 'T'
        default: nil
        }
    }
    guard layout == CBLAS.rowMajor || layout == CBLAS.columnMajor else {
        return ErrorHandler.cblas(argument: 1, rowMajor: false)
    }
    let rowMajor = layout == CBLAS.rowMajor
    guard let ta = character(transA) else { return ErrorHandler.cblas(argument: 2, rowMajor: rowMajor) }
    guard let tb = character(transB) else { return ErrorHandler.cblas(argument: 3, rowMajor: rowMajor) }
    // The reference CBLAS passes a row-major call to Fortran's SGEMM as the transposed problem,
    // Cᵀ = op(B)ᵀ·op(A)ᵀ in column-major terms: B and A swap places, and so do M and N. Its
    // argument checks, and so the numbers it reports (Fortran's + 1, for the layout argument in
    // front), are those of that call; `ErrorHandler.cblas` knows the mapping back.
    let call = rowMajor
        ? FortranCall(transA: tb, transB: ta, m: n, n: m, k: k, lda: ldb, ldb: lda, ldc: ldc)
        : FortranCall(transA: ta, transB: tb, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc)
    if let info = call.firstBadArgument {
        return ErrorHandler.cblas(argument: info + 1, rowMajor: rowMajor)
    }
    serve(Request(interface: "cblas_sgemm", layout: rowMajor ? "row-major" : "column-major",
                  transA: FortranCall.isTranspose(ta), transB: FortranCall.isTranspose(tb),
                  m: Int(m), n: Int(n), k: Int(k), alpha: alpha, a: a, lda: Int(lda), b: b, ldb: Int(ldb),
                  beta: beta, c: c, ldc: Int(ldc), rowMajor: rowMajor))
}

// MARK: - One request, as views

/// A checked SGEMM call, in its caller's layout.
struct Request {
    let interface: String, layout: String
    let transA: Bool, transB: Bool
    let m: Int, n: Int, k: Int
    let alpha: Float
    let a: UnsafePointer<Float>?, lda: Int
    let b: UnsafePointer<Float>?, ldb: Int
    let beta: Float
    let c: UnsafeMutablePointer<Float>?, ldc: Int
    let rowMajor: Bool

    /// Nothing to do at all: reference BLAS returns at once when C is empty, or when there is no
    /// product (α = 0 or k = 0) and β = 1. Then no pointer is touched, and they may be null.
    var isNoOp: Bool { m == 0 || n == 0 || ((alpha == 0 || k == 0) && beta == 1) }

    /// The matrix `rows × columns` stored at `base` with leading dimension `ld` in the caller's
    /// layout, read transposed when `transposed`. Column-major storage of X is row-major
    /// storage of Xᵀ, so a column-major matrix is the transposed view of the same floats.
    func view(_ base: UnsafePointer<Float>?, rows: Int, columns: Int, ld: Int, transposed: Bool) -> MatrixView {
        // A is not read when k = 0 or α = 0 and may then be null; the view is never dereferenced.
        let pointer = UnsafeMutablePointer(mutating: base ?? UnsafePointer(Request.nowhere))
        let (storedRows, storedColumns) = transposed ? (columns, rows) : (rows, columns)
        let stored = rowMajor
            ? MatrixView(unchecked: pointer, rows: storedRows, columns: storedColumns, stride: ld)
            : MatrixView(unchecked: pointer, rows: storedColumns, columns: storedRows, stride: ld).transposed()
        return transposed ? stored.transposed() : stored
    }

    /// Stands in for a null A or B that is never read.
    nonisolated(unsafe) static let nowhere = UnsafeMutablePointer<Float>.allocate(capacity: 1)

    var views: (a: MatrixView, b: MatrixView, c: MatrixView) {
        (view(a, rows: m, columns: k, ld: lda, transposed: transA),
         view(b, rows: k, columns: n, ld: ldb, transposed: transB),
         view(c.map { UnsafePointer($0) }, rows: m, columns: n, ld: ldc, transposed: false))
    }

    var description: String {
        "\(interface) \(layout) \(transA ? "T" : "N")\(transB ? "T" : "N") m=\(m) n=\(n) k=\(k) α=\(alpha) β=\(beta)"
    }
}
