// Exercise 6 — the micro-kernel (lessons/04-blocked.md, part 3).
//
// The 6 × 16 tile of C held in registers: 12 accumulators of type SIMD8<Float> (two per row),
// and for each step p, two loads of B's row, six broadcasts of A's column and twelve
// `addProduct`s (a fused multiply-add each). At the end, add the tile into C.
//
//     swift test --filter YourTurnTests.MicroKernel
//     swift run -c release speedup --stages 4b,4c,you6 --size 1000
//     scripts/vector-isa.sh yourMicroKernel          which vector instructions it compiled to
//
// Expect about 4c's speed and, from vector-isa.sh, `vfmadd…ps` on ymm registers (8 floats) on
// any AVX2 machine; zmm (16 floats) appears only if you write SIMD16 (then the tile is 6 × 32:
// see lesson 04's exercise on AVX-512, which changes MicroKernel.nr).

import MatmulCore
import Stage4Blocked

/// C[0..<mr, 0..<nr] += (packed A micro-panel) · (packed B micro-panel), over `depth` steps.
///
/// - `a`: `mr` floats per step p: A[0, p], …, A[mr − 1, p] (exercise 5's layout).
/// - `b`: `nr` floats per step p: B[p, 0], …, B[p, nr − 1].
/// - `c`: the tile's element (0, 0); row r starts at `c + r · ldc`. Add to C, do not overwrite it.
///
/// `@inline(never)` keeps it a function of its own, easy to find in the disassembly.
@inline(never)
public func yourMicroKernel(depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                            c: UnsafeMutablePointer<Float>, ldc: Int) throws {
    throw NotWrittenYet(.microKernel)   // replace this line with your kernel
}
