// Small products, unpacked. Packing pays when a block is reused many times; in a small product it
// is not. 64³ is 262,144 multiply-adds, about 5 µs on one core, and its A and B are 16 KiB each:
// they already sit in L1 and L2, so copying them first only adds time. Here the same register
// tile reads A and B where they are (described for 6 × 16; the 12 × 32 tile's kernels, in
// RegisterTile.swift, do the same with 16-lane vectors, 12 rows, and an 8-row tail):
//
//   - a row of the tile's B block is 16 neighbouring floats of a row of B (B's rows must be
//     contiguous: B not transposed); the next row is `ldb` floats on;
//   - the tile's six numbers of A at step p are A[i..<i+6, p], one per row of A (or, for a
//     transposed A, six neighbours).
//
// Edges need no padding: a tile with fewer than 6 rows repeats its last row and stores only the
// rows that exist; one with 8 to 15 columns loads its second vector 16 − w floats to the left, so it
// ends at the last column, and stores only the lanes past the first vector. Under 8 columns, the
// block of B is copied into a zero-padded 16-wide strip first.

import MatmulCore

/// C += α · A · B without packing, tile by tile (B not transposed). For small products. The wide
/// tile takes 32 columns at a time; a strip of fewer than 16 left at the edge goes to the narrow tile.
func unpackedProduct(_ alpha: Float, _ a: MatrixView, _ b: MatrixView, _ c: MatrixView, tile: RegisterTile = .narrow) {
    let (m, k, n) = (a.rows, a.columns, b.columns)
    let (mr, nr, lanes) = (tile.rows, tile.columns, tile.lanes)
    precondition(!b.isTransposed, "the unpacked path reads rows of B")
    for left in stride(from: 0, to: n, by: nr) {
        let width = min(nr, n - left)
        if width >= lanes {
            let panel = UnsafePointer(b.pointer(0, left))
            tile.forEachRowTile(m) { top, rows, _ in
                tile.unpacked(depth: k, a: UnsafePointer(a.pointer(top, 0)), rowStep: a.rowStride, depthStep: a.columnStride,
                              rows: rows, b: panel, ldb: b.stride, width: width,
                              c: c.pointer(top, left), ldc: c.stride, alpha: alpha)
            }
        } else if tile != .narrow {
            let strip = left..<n
            unpackedProduct(alpha, a, b.block(rows: 0..<k, columns: strip), c.block(rows: 0..<m, columns: strip), tile: .narrow)
        } else {
            // Fewer than 8 columns: a padded copy of this strip of B, 16 floats a row.
            BufferPool.shared.withBuffer(count: k * nr) { strip in
                for p in 0..<k {
                    for j in 0..<nr { strip.base[p * nr + j] = j < width ? b[p, left + j] : 0 }
                }
                withUnsafeTemporaryAllocation(of: Float.self, capacity: mr * nr) { tile in
                    for top in stride(from: 0, to: m, by: mr) {
                        let rows = min(mr, m - top)
                        tile.initialize(repeating: 0)
                        unpackedKernel(depth: k, a: UnsafePointer(a.pointer(top, 0)), rowStep: a.rowStride, depthStep: a.columnStride,
                                       rows: rows, b: UnsafePointer(strip.base), ldb: nr, width: nr,
                                       c: tile.baseAddress!, ldc: nr, alpha: alpha)
                        for r in 0..<rows {
                            for j in 0..<width { c.pointer(top + r, left + j).pointee += tile[r * nr + j] }
                        }
                    }
                }
            }
        }
    }
}

/// C[0..<rows, 0..<width] += α · A[0..<rows, 0..<depth] · B[0..<depth, 0..<width], with rows ≤ 6 and
/// 8 ≤ width ≤ 16, reading A and B in place: element (r, p) of A at a[r·rowStep + p·depthStep],
/// row p of B at b + p·ldb.
@inline(never)
func unpackedKernel(depth: Int, a: UnsafePointer<Float>, rowStep: Int, depthStep: Int, rows: Int,
                    b: UnsafePointer<Float>, ldb: Int, width: Int,
                    c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float) {
    // Rows past the last repeat it: the kernel always computes six, and stores `rows`.
    func row(_ r: Int) -> UnsafePointer<Float> { a + min(r, rows - 1) * rowStep }
    var a0 = row(0), a1 = row(1), a2 = row(2), a3 = row(3), a4 = row(4), a5 = row(5)
    // The second vector of B's row: columns 8..<16, or the last 8 columns of a narrower block.
    let second = width - Vector.scalarCount
    var c00 = Vector(), c01 = Vector()
    var c10 = Vector(), c11 = Vector()
    var c20 = Vector(), c21 = Vector()
    var c30 = Vector(), c31 = Vector()
    var c40 = Vector(), c41 = Vector()
    var c50 = Vector(), c51 = Vector()
    var b = UnsafeRawPointer(b)
    let bStep = ldb * MemoryLayout<Float>.stride
    let floatSize = MemoryLayout<Float>.stride
    for _ in 0..<depth {
        let b0 = b.loadUnaligned(as: Vector.self)
        let b1 = b.loadUnaligned(fromByteOffset: second * floatSize, as: Vector.self)
        var ar = Vector(repeating: a0.pointee)
        c00.addProduct(ar, b0); c01.addProduct(ar, b1)
        ar = Vector(repeating: a1.pointee)
        c10.addProduct(ar, b0); c11.addProduct(ar, b1)
        ar = Vector(repeating: a2.pointee)
        c20.addProduct(ar, b0); c21.addProduct(ar, b1)
        ar = Vector(repeating: a3.pointee)
        c30.addProduct(ar, b0); c31.addProduct(ar, b1)
        ar = Vector(repeating: a4.pointee)
        c40.addProduct(ar, b0); c41.addProduct(ar, b1)
        ar = Vector(repeating: a5.pointee)
        c50.addProduct(ar, b0); c51.addProduct(ar, b1)
        a0 += depthStep; a1 += depthStep; a2 += depthStep; a3 += depthStep; a4 += depthStep; a5 += depthStep
        b += bStep
    }
    // C row r += α · tile row r: the first 8 columns whole, then the lanes of the second vector
    // that lie past them (all 8 when width is 16).
    func add(_ low: Vector, _ high: Vector, row r: Int) {
        guard r < rows else { return }
        let p = c + r * ldc
        let raw = UnsafeMutableRawPointer(p)
        raw.storeBytes(of: raw.loadUnaligned(as: Vector.self) + alpha * low, as: Vector.self)
        if second == Vector.scalarCount {
            raw.storeBytes(of: raw.loadUnaligned(fromByteOffset: 32, as: Vector.self) + alpha * high, toByteOffset: 32, as: Vector.self)
        } else {
            for lane in (Vector.scalarCount - second)..<Vector.scalarCount { p[second + lane] += alpha * high[lane] }
        }
    }
    add(c00, c01, row: 0)
    add(c10, c11, row: 1)
    add(c20, c21, row: 2)
    add(c30, c31, row: 3)
    add(c40, c41, row: 4)
    add(c50, c51, row: 5)
}
