import MatmulCore

// This machine's peak: the Float32 FMA throughput of one core, measured.
//
// The peak is how many fused multiply-adds a core can start per second: (FMA units) × (lanes
// per vector) × 2 FLOPs × clock. Rather than trusting a spec sheet (clocks vary, a VM may hide
// features), we time a loop that does nothing but independent FMAs on values held in registers:
// 8 accumulators, so the 4-cycle FMA latency of two pipes is covered; once with 8-lane and once
// with 16-lane vectors, because the host's registers are 256 or 512 bits wide; the best wins.
// Built without a target-CPU flag (a debug build), `addProduct` is a libm call and this reads low.

/// Measured peak GFLOP/s of one core for Float32 FMA.
public func measurePeakGFLOPS() -> Double {
    let iterations = 1_000_000
    let eightLanes = bestGFLOPS(flops: 8 * 8 * 2 * iterations) {
        fmaChains8(iterations, SIMD8(repeating: 1e-7), SIMD8(repeating: 1)).sum()
    }
    let sixteenLanes = bestGFLOPS(flops: 8 * 16 * 2 * iterations) {
        fmaChains16(iterations, SIMD16(repeating: 1e-7), SIMD16(repeating: 1)).sum()
    }
    return max(eightLanes, sixteenLanes)
}

/// The best GFLOP/s of three timed calls of `run`, which does `flops` FLOPs.
func bestGFLOPS(flops: Int, _ run: () -> Float) -> Double {
    var best = 0.0
    for _ in 0..<3 {
        let start = ContinuousClock.now
        blackHole(run())
        best = max(best, Double(flops) / secondsSince(start) / 1e9)
    }
    return best
}

// The two loops are written out for concrete types, with x and y passed in: that keeps the
// eight accumulators in registers (generic SIMD code, or `a.addProduct(a, y)`, compiles to
// shuffles and spills instead). `x · y` is small, so nothing overflows in a million steps.

/// 8 independent chains of `iterations` FMAs on 8-lane vectors.
@inline(never)
func fmaChains8(_ iterations: Int, _ x: SIMD8<Float>, _ y: SIMD8<Float>) -> SIMD8<Float> {
    var (a0, a1, a2, a3, a4, a5, a6, a7) = (y, y, y, y, y, y, y, y)
    for _ in 0..<iterations {
        a0.addProduct(x, y); a1.addProduct(x, y); a2.addProduct(x, y); a3.addProduct(x, y)
        a4.addProduct(x, y); a5.addProduct(x, y); a6.addProduct(x, y); a7.addProduct(x, y)
    }
    return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7
}

/// 8 independent chains of `iterations` FMAs on 16-lane vectors.
@inline(never)
func fmaChains16(_ iterations: Int, _ x: SIMD16<Float>, _ y: SIMD16<Float>) -> SIMD16<Float> {
    var (a0, a1, a2, a3, a4, a5, a6, a7) = (y, y, y, y, y, y, y, y)
    for _ in 0..<iterations {
        a0.addProduct(x, y); a1.addProduct(x, y); a2.addProduct(x, y); a3.addProduct(x, y)
        a4.addProduct(x, y); a5.addProduct(x, y); a6.addProduct(x, y); a7.addProduct(x, y)
    }
    return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7
}
