// The micro-kernel: the 6 × 16 tile of C that everything else in Stage 4 exists to feed.
//
// Register budget (AVX2: 16 vector registers of 8 floats):
//
//     12 accumulators   C[r, 0..<8] and C[r, 8..<16] for the 6 rows r    12 registers
//      2 loads of B     one row of the B micro-panel, 16 floats             2 registers
//      1 broadcast of A A[r, p] copied into all 8 lanes                     1 register
//                                                                         ---
//                                                                          15 of 16
//
// Each step p loads 2 vectors of B and 6 numbers of A, and does 12 fused multiply-adds
// (192 FLOPs): 192 FLOPs for 22 floats loaded, about 9 per float, where Stage 3's inner loop
// does 1 FLOP per float loaded (C and B) and also stores one float of C per 2 FLOPs. The 12 accumulators are independent, enough to keep both FMA units
// busy through the FMA latency (4 cycles × 2 units = 8 FMAs in flight at least).
//
// The tile of C is touched once per call (kc steps), not once per step.

/// The shape of the register tile: `mr` rows by `nr` columns of C.
public enum MicroKernel {
    public static let mr = 6
    public static let nr = 16
}

import CPrefetch

typealias Vector = SIMD8<Float>

/// C[0..<6, 0..<16] += A-micro-panel · B-micro-panel over `depth` steps.
///
/// - `a`: the packed micro-panel of A, `mr` floats per step (column p of 6 rows).
/// - `b`: the packed micro-panel of B, `nr` floats per step (row p of 16 columns).
/// - `c`: the tile's top-left element; rows are `ldc` floats apart.
///
/// `@inline(never)` keeps this a function of its own, so its loop is compiled with the
/// accumulators in registers and is easy to find in the disassembly (see lessons/04-blocked.md).
@inline(never)
public func microKernel(depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                 c: UnsafeMutablePointer<Float>, ldc: Int) {
    // The tile of C is needed only at the end, but it is rarely in cache (each tile is visited
    // once per kc steps): ask for its lines now, so they arrive while the FMAs run.
    for row in 0..<MicroKernel.mr {
        prefetch_for_write(c + row * ldc)
        prefetch_for_write(c + row * ldc + MicroKernel.nr - 1)
    }
    var c00 = Vector(), c01 = Vector()
    var c10 = Vector(), c11 = Vector()
    var c20 = Vector(), c21 = Vector()
    var c30 = Vector(), c31 = Vector()
    var c40 = Vector(), c41 = Vector()
    var c50 = Vector(), c51 = Vector()
    var a = a
    var b = UnsafeRawPointer(b)
    // lesson: micro-kernel
    for _ in 0..<depth {
        let b0 = b.loadUnaligned(as: Vector.self)
        let b1 = b.loadUnaligned(fromByteOffset: 32, as: Vector.self)
        var ar = Vector(repeating: a[0])
        c00.addProduct(ar, b0); c01.addProduct(ar, b1)
        ar = Vector(repeating: a[1])
        c10.addProduct(ar, b0); c11.addProduct(ar, b1)
        ar = Vector(repeating: a[2])
        c20.addProduct(ar, b0); c21.addProduct(ar, b1)
        ar = Vector(repeating: a[3])
        c30.addProduct(ar, b0); c31.addProduct(ar, b1)
        ar = Vector(repeating: a[4])
        c40.addProduct(ar, b0); c41.addProduct(ar, b1)
        ar = Vector(repeating: a[5])
        c50.addProduct(ar, b0); c51.addProduct(ar, b1)
        a += MicroKernel.mr
        b += MicroKernel.nr * MemoryLayout<Float>.size
    }
    // end lesson: micro-kernel
    // Add the tile into C, one row (two vectors) at a time.
    func add(_ low: Vector, _ high: Vector, row: Int) {
        let p = UnsafeMutableRawPointer(c + row * ldc)
        p.storeBytes(of: p.loadUnaligned(as: Vector.self) + low, as: Vector.self)
        p.storeBytes(of: p.loadUnaligned(fromByteOffset: 32, as: Vector.self) + high, toByteOffset: 32, as: Vector.self)
    }
    add(c00, c01, row: 0)
    add(c10, c11, row: 1)
    add(c20, c21, row: 2)
    add(c30, c31, row: 3)
    add(c40, c41, row: 4)
    add(c50, c51, row: 5)
}
