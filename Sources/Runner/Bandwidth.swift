// The memory floor of a product: however clever the arithmetic, A and B have to come in from
// memory at least once. For a product with few FLOPs per byte (the fastai shape: 5 per byte),
// the time one core takes just to read them is the floor a stage is measured against.

import MatmulCore

/// Seconds one core takes to read all of `a` and `b` (summing them), the best of `repeats` runs
/// after one warm-up: the least disturbed by other work on the machine.
func readSeconds(_ a: Matrix, _ b: Matrix, repeats: Int = 5) -> Double {
    var best = Double.infinity
    for run in 0...repeats {
        var sink = Float(0)
        let time = seconds {
            a.withUnsafeBufferPointer { sink += sumOfElements($0) }
            b.withUnsafeBufferPointer { sink += sumOfElements($0) }
        }
        blackHole(sink)
        if run > 0 { best = min(best, time) }
    }
    return best
}

/// The sum of `values`, with eight vector accumulators so the adds never wait on each other:
/// the loop is limited by how fast the loads arrive, which is what it measures.
@inline(never)
func sumOfElements(_ values: UnsafeBufferPointer<Float>) -> Float {
    guard let base = values.baseAddress else { return 0 }
    typealias V = SIMD8<Float>
    var (s0, s1, s2, s3, s4, s5, s6, s7) = (V(), V(), V(), V(), V(), V(), V(), V())
    let raw = UnsafeRawPointer(base)
    let stride = MemoryLayout<V>.size
    var i = 0
    while i + 64 <= values.count {
        let p = raw + i * MemoryLayout<Float>.size
        s0 += p.loadUnaligned(as: V.self); s1 += p.loadUnaligned(fromByteOffset: stride, as: V.self)
        s2 += p.loadUnaligned(fromByteOffset: 2 * stride, as: V.self); s3 += p.loadUnaligned(fromByteOffset: 3 * stride, as: V.self)
        s4 += p.loadUnaligned(fromByteOffset: 4 * stride, as: V.self); s5 += p.loadUnaligned(fromByteOffset: 5 * stride, as: V.self)
        s6 += p.loadUnaligned(fromByteOffset: 6 * stride, as: V.self); s7 += p.loadUnaligned(fromByteOffset: 7 * stride, as: V.self)
        i += 64
    }
    var total = (s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7).sum()
    while i < values.count {
        total += base[i]
        i += 1
    }
    return total
}
