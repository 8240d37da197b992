import MatmulCore
import Testing

@Test func elementsAreRowMajor() throws {
    let m = try Matrix(rows: 2, columns: 3, elements: [1, 2, 3, 4, 5, 6])
    #expect(m[0, 2] == 3)
    #expect(m[1, 0] == 4)
    #expect(m.transposed() == (try Matrix(rows: 3, columns: 2, elements: [1, 4, 2, 5, 3, 6])))
}

@Test func badDimensionsThrowClearErrors() {
    #expect(throws: MatmulError.negativeDimension(rows: -1, columns: 3)) { try Matrix(rows: -1, columns: 3) }
    #expect(throws: MatmulError.elementCount(rows: 2, columns: 2, count: 3)) {
        try Matrix(rows: 2, columns: 2, elements: [1, 2, 3])
    }
    #expect(MatmulError.elementCount(rows: 2, columns: 2, count: 3).description == "a 2×2 matrix needs 4 elements, got 3")
}

@Test func productShapeChecksInnerDimensions() throws {
    let a = try Matrix(rows: 3, columns: 4), b = try Matrix(rows: 4, columns: 5)
    let shape = try ProductShape(a, b)
    #expect(shape == ProductShape(m: 3, k: 4, n: 5))
    #expect(shape.flops == 120)
    #expect(shape.minimumBytes == 4 * (12 + 20 + 15))
    #expect(throws: MatmulError.shapeMismatch(a: b.shape, b: a.shape)) { try ProductShape(b, a) }
}

@Test func seededMatricesRepeat() throws {
    let first = try Matrix.randomNormal(rows: 20, columns: 30, seed: 7)
    #expect(first == (try Matrix.randomNormal(rows: 20, columns: 30, seed: 7)))
    #expect(first != (try Matrix.randomNormal(rows: 20, columns: 30, seed: 8)))
    // 600 standard normal samples: the mean is within 4 standard errors of 0.
    let mean = first.elements.reduce(0, +) / 600
    #expect(abs(mean) < 4 / Float(600).squareRoot())
}
