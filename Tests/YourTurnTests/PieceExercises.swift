// The exercises that write one piece of Stage 4 (5: packing, 6: the micro-kernel), tested alone:
// your packers float for float against Stage 4's own, your kernel against the exact tile.

import MatmulCore
import Stage4Blocked
import Testing
import YourTurn

/// `count` floats, every one `value`, freed by the caller.
private func filled(_ count: Int, with value: Float) -> UnsafeMutablePointer<Float> {
    let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
    p.initialize(repeating: value, count: count)
    return p
}

/// The same float, or both NaN.
private func same(_ x: Float, _ y: Float) -> Bool { x == y || (x.isNaN && y.isNaN) }

/// A rows × columns view in the middle of a larger matrix (2 rows above, 3 columns left, 4 spare
/// columns right) of distinct values; every float outside the view is NaN, so reading outside it shows.
private struct Framed {
    var storage: [Float]
    let rows: Int, columns: Int, stride: Int

    init(rows: Int, columns: Int) {
        (self.rows, self.columns, stride) = (rows, columns, columns + 7)
        storage = [Float](repeating: .nan, count: (rows + 4) * stride)
        for i in 0..<rows {
            for j in 0..<columns { storage[(i + 2) * stride + 3 + j] = Float(1000 * (i + 1) + j + 1) }
        }
    }

    mutating func withView<R>(_ body: (MatrixView) throws -> R) rethrows -> R {
        let (rows, columns, stride) = (rows, columns, stride)
        return try storage.withUnsafeMutableBufferPointer {
            try body(MatrixView(unchecked: $0.baseAddress! + 2 * stride + 3, rows: rows, columns: columns, stride: stride))
        }
    }
}

/// Where packed float `e` came from, for messages: micro-panel, step p and lane.
private func place(_ e: Int, lanes: Int, depth: Int) -> String {
    "float \(e) (micro-panel \(e / (lanes * depth)), step \(e % (lanes * depth) / lanes), lane \(e % lanes))"
}

@Suite("Exercise 5: packing", skippedUntilWritten(.packing))
struct Packing {
    // Full micro-panels, a short last one (1 to 5 rows or 1 to 15 columns past a multiple), one alone.
    static let shapes = [(1, 1), (6, 5), (7, 3), (11, 2), (12, 9), (17, 4), (3, 16), (5, 17), (9, 33), (4, 47)]

    @Test("yourPackA lays out A as Stage 4's packA does, zero padding included", arguments: shapes)
    func packA(_ rows: Int, _ columns: Int) throws {
        let mr = MicroKernel.mr
        let count = (rows + mr - 1) / mr * mr * columns
        var a = Framed(rows: rows, columns: columns)
        // Theirs and yours start from different garbage: a float you leave unwritten shows.
        let expected = filled(count + 8, with: -1), yours = filled(count + 8, with: -2)
        defer { expected.deallocate(); yours.deallocate() }
        try a.withView { view in
            Stage4Blocked.packA(view, into: expected)
            try yourPackA(view, into: yours)
        }
        let wrong = (0..<count).filter { !same(yours[$0], expected[$0]) }
        #expect(wrong.isEmpty, "\(wrong.count) of \(count) floats differ; first: \(wrong.first.map { "\(place($0, lanes: mr, depth: columns)): expected \(expected[$0]), got \(yours[$0])" } ?? "")")
        #expect((count..<count + 8).allSatisfy { yours[$0] == -2 }, "wrote past the \(count) floats of the packed block")
    }

    @Test("yourPackB lays out B as Stage 4's packB does, zero padding included", arguments: shapes)
    func packB(_ rows: Int, _ columns: Int) throws {
        let nr = MicroKernel.nr
        let panels = (columns + nr - 1) / nr
        let count = panels * nr * rows
        var b = Framed(rows: rows, columns: columns)
        let expected = filled(count + 8, with: -1), yours = filled(count + 8, with: -2)
        defer { expected.deallocate(); yours.deallocate() }
        try b.withView { view in
            Stage4Blocked.packB(view, into: expected, panels: 0..<panels)
            try yourPackB(view, into: yours, panels: 0..<panels)
        }
        let wrong = (0..<count).filter { !same(yours[$0], expected[$0]) }
        #expect(wrong.isEmpty, "\(wrong.count) of \(count) floats differ; first: \(wrong.first.map { "\(place($0, lanes: nr, depth: rows)): expected \(expected[$0]), got \(yours[$0])" } ?? "")")
        #expect((count..<count + 8).allSatisfy { yours[$0] == -2 }, "wrote past the \(count) floats of the packed panel")
    }

    @Test("yourPackB writes only the micro-panels it is given (threads share the work that way)")
    func packBPanels() throws {
        let (rows, columns, nr) = (5, 40, MicroKernel.nr)   // three micro-panels: 16, 16 and 8 columns
        let count = 3 * nr * rows
        var b = Framed(rows: rows, columns: columns)
        let expected = filled(count, with: -1), yours = filled(count, with: -1)
        defer { expected.deallocate(); yours.deallocate() }
        try b.withView { view in
            Stage4Blocked.packB(view, into: expected, panels: 1..<3)
            try yourPackB(view, into: yours, panels: 1..<3)
        }
        let wrong = (0..<count).filter { !same(yours[$0], expected[$0]) }
        #expect(wrong.isEmpty, "asked for panels 1..<3 of 3: \(wrong.count) floats differ, first \(wrong.first.map { place($0, lanes: nr, depth: rows) } ?? "")")
    }
}

@Suite("Exercise 6: the micro-kernel", skippedUntilWritten(.microKernel))
struct MicroKernelTile {
    /// Packed panels of small integers (every sum exact), C's rows `ldc` apart with `ldc - nr`
    /// spare columns and a spare row below, all holding a sentinel that must survive.
    struct Tile {
        let depth: Int, ldc: Int
        var a: [Float], b: [Float], c: [Float]
        static let sentinel: Float = -12345
        static let (mr, nr) = (MicroKernel.mr, MicroKernel.nr)

        init(depth: Int, ldc: Int) {
            (self.depth, self.ldc) = (depth, ldc)
            a = (0..<depth * Self.mr).map { Float($0 % 9 - 4) }          // -4…4
            b = (0..<depth * Self.nr).map { Float($0 * 5 % 11 - 5) }     // -5…5
            c = [Float](repeating: Self.sentinel, count: (Self.mr + 1) * ldc)
            for r in 0..<Self.mr { for j in 0..<Self.nr { c[r * ldc + j] = Float(r * Self.nr + j - 40) } }
        }

        /// What C must hold afterwards: the tile plus Σ_p A[r, p]·B[p, j], exactly; the rest unchanged.
        var expected: [Float] {
            var out = c
            for r in 0..<Self.mr {
                for j in 0..<Self.nr {
                    var sum = Double(c[r * ldc + j])
                    for p in 0..<depth { sum += Double(a[p * Self.mr + r]) * Double(b[p * Self.nr + j]) }
                    out[r * ldc + j] = Float(sum)
                }
            }
            return out
        }

        mutating func runYours() throws {
            let (depth, ldc) = (depth, ldc)
            try a.withUnsafeBufferPointer { a in
                try b.withUnsafeBufferPointer { b in
                    try c.withUnsafeMutableBufferPointer { c in
                        try yourMicroKernel(depth: depth, a: a.baseAddress!, b: b.baseAddress!, c: c.baseAddress!, ldc: ldc)
                    }
                }
            }
        }
    }

    @Test("adds the exact 6×16 tile into C and touches nothing else",
          arguments: [0, 1, 2, 3, 7, 64, 368], [16, 21])
    func exactTile(depth: Int, ldc: Int) throws {
        var tile = Tile(depth: depth, ldc: ldc)
        let expected = tile.expected
        try tile.runYours()
        let wrong = (0..<expected.count).filter { !same(tile.c[$0], expected[$0]) }
        let first = wrong.first ?? 0
        #expect(wrong.isEmpty, "depth \(depth), ldc \(ldc): \(wrong.count) floats differ; first at row \(first / ldc), column \(first % ldc): expected \(expected[first]), got \(tile.c[first])")
    }

    @Test("a NaN in A reaches only its row of the tile, a NaN in B only its column")
    func nanLanes() throws {
        var tile = Tile(depth: 5, ldc: 16)
        tile.a[2 * Tile.mr + 3] = .nan       // A[3, 2]
        tile.b[1 * Tile.nr + 10] = .nan      // B[1, 10]
        try tile.runYours()
        let wrong = (0..<Tile.mr * Tile.nr).filter { tile.c[$0].isNaN != ($0 / Tile.nr == 3 || $0 % Tile.nr == 10) }
        #expect(wrong.isEmpty, "NaN expected exactly in row 3 and column 10; wrong at \(wrong.map { "(\($0 / Tile.nr), \($0 % Tile.nr))" }.prefix(5).joined(separator: ", "))")
    }
}
