// How every timing in the course is taken: `speedup` and `gpu-check` both time through here, so a
// median means the same thing in both tables.

/// How long one product took, over several timed runs.
public struct Timing: Sendable {
    /// Seconds per product, one entry per timed sample, unsorted.
    public let samples: [Double]

    public init(samples: [Double]) {
        self.samples = samples
    }

    public var median: Double {
        let sorted = samples.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
    public var minimum: Double { samples.min() ?? .nan }
    public var maximum: Double { samples.max() ?? .nan }
}

/// Seconds `body` takes, by the monotonic clock.
public func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    return secondsSince(start)
}

/// Times `body`: `warmUp` is one run already made (its seconds), then `repeats` samples.
///
/// Products shorter than a millisecond are run several times per sample so the clock's
/// resolution and call overhead do not dominate; products longer than a few seconds get fewer
/// samples (at least 3, or `repeats` if smaller), so a slow stage does not hold the run for minutes.
public func measure(repeats: Int, warmUp: Double, _ body: () throws -> Void) rethrows -> Timing {
    let perSample = max(1, min(10_000, Int(1e-3 / max(warmUp, 1e-9))))
    let samples = warmUp > 2 ? min(repeats, max(3, Int(10 / warmUp))) : repeats
    var result: [Double] = []
    for _ in 0..<samples {
        let total = try seconds {
            for _ in 0..<perSample { try body() }
        }
        result.append(total / Double(perSample))
    }
    return Timing(samples: result)
}

/// Times `stage` on `a · b`: one warm-up run, then `measure`'s samples. The products' first
/// elements are kept so the optimizer cannot drop the work.
public func timeProduct(_ stage: any MatmulStage, _ a: Matrix, _ b: Matrix, repeats: Int) throws -> Timing {
    var sink = Float(0)
    let warmUp = try seconds { sink += try stage.multiply(a, b).elements.first ?? 0 }
    let timing = try measure(repeats: repeats, warmUp: warmUp) { sink += try stage.multiply(a, b).elements.first ?? 0 }
    blackHole(sink)
    return timing
}

/// Times a placed product's computation alone (on a GPU: the kernel, with A, B and C kept in
/// device memory): one warm-up run, then `measure`'s samples of run-and-wait.
public func timePlaced(_ product: any PlacedProduct, repeats: Int) throws -> Timing {
    let warmUp = try seconds { try product.run() }
    return try measure(repeats: repeats, warmUp: warmUp) { try product.run() }
}

/// Keeps a value alive so the products that produced it cannot be optimized away.
@inline(never)
public func blackHole(_ value: Float) {
    if value == .greatestFiniteMagnitude { print("", terminator: "") }
}
