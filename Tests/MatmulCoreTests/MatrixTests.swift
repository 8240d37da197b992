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

@Test func matricesTooLargeToAddressThrowInsteadOfTrapping() {
    // 3037000500² overflows an Int; 2⁶²·1 elements overflow an Int's count of bytes.
    for (rows, columns) in [(3_037_000_500, 3_037_000_500), (1 << 62, 1), (Int.max, 2)] {
        #expect(throws: MatmulError.tooManyElements(rows: rows, columns: columns)) { try Matrix(rows: rows, columns: columns) }
        #expect(throws: MatmulError.tooManyElements(rows: rows, columns: columns)) {
            try Matrix(rows: rows, columns: columns) { _, _ in 0 }
        }
        #expect(throws: MatmulError.self) { try Matrix(rows: rows, columns: columns, elements: []) }
    }
    #expect(throws: MatmulError.negativeDimension(rows: 2, columns: -1)) { try Matrix(rows: 2, columns: -1) { _, _ in 0 } }
    // The messages print the sizes without multiplying them into an overflow.
    #expect(MatmulError.elementCount(rows: 1 << 32, columns: 1 << 32, count: 0).description
            == "a 4294967296×4294967296 matrix needs more than \(Int.max) elements, got 0")
    #expect(MatmulError.tooManyElements(rows: 1 << 32, columns: 1 << 32).description.contains("too large"))
}

@Test func productsLargerThanHalfOfMemoryAreRefusedWithTheReason() {
    #expect(ProductShape(m: 64, k: 64, n: 64).memoryRefusal == nil)
    let refusal = ProductShape(m: 1 << 32, k: 1 << 32, n: 1 << 32).memoryRefusal
    #expect(refusal?.contains("more than half of this machine's") == true)
}
