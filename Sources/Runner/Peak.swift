import MatmulCore

// This machine's peak: the Float32 FMA throughput of one core, measured.
//
// The peak is how many fused multiply-adds a core can start per second: (FMA units) × (lanes
// per vector) × 2 FLOPs × clock. Rather than trusting a spec sheet (clocks vary, a VM may hide
// features), we time a loop that does nothing but independent FMAs on values held in registers,
// once with 8-lane and once with 16-lane vectors, and print both. Which is faster depends on the
// CPU, and only a measurement says: with AVX2 alone a 16-lane vector is two 8-lane halves (the
// same rate); on a CPU whose AVX-512 FMAs are split into two 256-bit halves, one 16-lane FMA costs
// two 8-lane ones (the same rate again); on a CPU with two full 512-bit FMA units, 16 lanes run
// twice the FLOPs of 8. The peak is the higher of the two.
//
// 12 accumulators: enough to cover an FMA latency of 4 cycles on 2 pipes (8 in flight) with room
// to spare. `scripts/vector-isa.sh fmaChains16` shows the instructions the 16-lane loop became;
// CI checks that they are zmm FMAs wherever the CPU has AVX-512 (scripts/check-peak-isa.sh).
// Built without a target-CPU flag (a debug build), `addProduct` is a libm call and this reads low.

/// The measured FMA throughput of one core, in GFLOP/s, for each vector width.
public struct Peak: Equatable, Sendable {
    public var eightLanes: Double
    public var sixteenLanes: Double

    public init(eightLanes: Double, sixteenLanes: Double) {
        (self.eightLanes, self.sixteenLanes) = (eightLanes, sixteenLanes)
    }

    /// The peak: the faster width's rate.
    public var gflops: Double { max(eightLanes, sixteenLanes) }

    /// 16 when 16-lane vectors are measurably faster (by 10%, more than run-to-run noise), else 8.
    public var lanes: Int { sixteenLanes > 1.1 * eightLanes ? 16 : 8 }

    /// How the peak was measured, with both widths, for the table's header and the run file.
    public var method: String {
        "measured: 12 independent chains of FMAs; 16-lane vectors \(fixed(sixteenLanes, 1)), 8-lane \(fixed(eightLanes, 1)); "
            + (lanes == 16 ? "the peak is the 16-lane rate" : "16 lanes are no faster here (within 10%): the peak is the higher")
    }
}

/// Measures the peak of one core for Float32 FMA, both vector widths: each the best of 5 timed
/// runs, the two widths alternating (a slow moment of a shared machine then costs both, or neither,
/// not one), after one untimed run of each.
public func measurePeak() -> Peak {
    let iterations = 1_000_000
    var best = (eight: 0.0, sixteen: 0.0)
    blackHole(fmaChains8(iterations, 1e-7, 1) + fmaChains16(iterations, 1e-7, 1))
    for _ in 0..<5 {
        best.eight = max(best.eight, gflops(flops: 12 * 8 * 2 * iterations) { fmaChains8(iterations, 1e-7, 1) })
        best.sixteen = max(best.sixteen, gflops(flops: 12 * 16 * 2 * iterations) { fmaChains16(iterations, 1e-7, 1) })
    }
    return Peak(eightLanes: best.eight, sixteenLanes: best.sixteen)
}

/// The GFLOP/s of one timed call of `run`, which does `flops` FLOPs.
func gflops(flops: Int, _ run: () -> Float) -> Double {
    Double(flops) / seconds { blackHole(run()) } / 1e9
}

// The two loops are written out for concrete types, and the vectors are made inside them from
// two Floats. Passed in as arguments, a SIMD16<Float> arrives in four 128-bit registers, and the
// compiler then keeps the chains as 256-bit halves with shuffles between them (the loop measured
// half the 16-lane rate that way on an Intel Xeon with two 512-bit FMA units). Generic SIMD code,
// or `a.addProduct(a, y)`, compiles to shuffles and spills too. `x · y` is small, so nothing
// overflows in a million steps.

/// 12 independent chains of `iterations` FMAs on 8-lane vectors; returns the sum of the lanes.
@inline(never)
func fmaChains8(_ iterations: Int, _ xValue: Float, _ yValue: Float) -> Float {
    let x = SIMD8(repeating: xValue), y = SIMD8(repeating: yValue)
    var (a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11) = (y, y, y, y, y, y, y, y, y, y, y, y)
    for _ in 0..<iterations {
        a0.addProduct(x, y); a1.addProduct(x, y); a2.addProduct(x, y); a3.addProduct(x, y)
        a4.addProduct(x, y); a5.addProduct(x, y); a6.addProduct(x, y); a7.addProduct(x, y)
        a8.addProduct(x, y); a9.addProduct(x, y); a10.addProduct(x, y); a11.addProduct(x, y)
    }
    return (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11).sum()
}

/// 12 independent chains of `iterations` FMAs on 16-lane vectors; returns the sum of the lanes.
@inline(never)
func fmaChains16(_ iterations: Int, _ xValue: Float, _ yValue: Float) -> Float {
    let x = SIMD16(repeating: xValue), y = SIMD16(repeating: yValue)
    var (a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11) = (y, y, y, y, y, y, y, y, y, y, y, y)
    for _ in 0..<iterations {
        a0.addProduct(x, y); a1.addProduct(x, y); a2.addProduct(x, y); a3.addProduct(x, y)
        a4.addProduct(x, y); a5.addProduct(x, y); a6.addProduct(x, y); a7.addProduct(x, y)
        a8.addProduct(x, y); a9.addProduct(x, y); a10.addProduct(x, y); a11.addProduct(x, y)
    }
    return (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11).sum()
}
