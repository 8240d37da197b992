import Foundation
import MatmulCore

/// One product to time: its label, its inputs, and what the inputs are.
public struct Problem: Sendable {
    public let a: Matrix
    public let b: Matrix
    public var shape: ProductShape { ProductShape(m: a.rows, k: a.columns, n: b.columns) }
}

/// A named group of problems with one line on where their data comes from.
public struct Workload: Sendable {
    public let name: String
    public let source: String
    public let problems: [Problem]
}

/// The fastai lesson-11 shapes: 5 images and 50,000 images of 784 pixels times 784×10 weights.
///
/// The images are Fashion-MNIST's when `imagesPath` exists: the first 50,000 training images
/// are x_train, the next 10,000 x_valid, and x_valid[:5] is the 5-image case. When the file is
/// missing (and was not named explicitly), seeded synthetic pixels of the same shapes stand in,
/// and `source` says so.
/// - Throws: `IDXError` when the file exists but is not a valid IDX file with at least 50,005 images.
public func fastaiWorkload(imagesPath: String, explicitlyNamed: Bool) throws -> Workload {
    let trainCount = 50_000, pixels = 784
    let weights = try Matrix.randomNormal(rows: pixels, columns: 10, seed: 11)
    let images: Matrix
    let source: String
    if FileManager.default.fileExists(atPath: imagesPath) || explicitlyNamed {
        images = try readIDXImages(path: imagesPath, limit: trainCount + 5)
        guard images.rows == trainCount + 5, images.columns == pixels else {
            throw IDXError(path: imagesPath, reason: "needs at least \(trainCount + 5) images of 28×28, has \(images.rows) of \(images.columns) pixels")
        }
        source = "Fashion-MNIST images from \(imagesPath) (pixels/255); weights seeded normal"
    } else {
        var generator = SeededGenerator(seed: 10)
        images = try Matrix(rows: trainCount + 5, columns: pixels) { _, _ in Float.random(in: 0...1, using: &generator) }
        source = "SYNTHETIC seeded uniform pixels: \(imagesPath) is not installed (apt-get install dataset-fashion-mnist); weights seeded normal"
    }
    let rows = images.elements
    let xTrain = try Matrix(rows: trainCount, columns: pixels, elements: Array(rows[0..<(trainCount * pixels)]))
    let xValid5 = try Matrix(rows: 5, columns: pixels, elements: Array(rows[(trainCount * pixels)...]))
    return Workload(name: "fastai", source: source, problems: [
        Problem(a: xValid5, b: weights),
        Problem(a: xTrain, b: weights),
    ])
}

/// Square products n×n · n×n of seeded normal matrices.
public func squareWorkload(sizes: [Int]) throws -> Workload {
    Workload(name: "square", source: "seeded normal matrices", problems: try sizes.map { n in
        Problem(a: try Matrix.randomNormal(rows: n, columns: n, seed: UInt64(2 * n)),
                b: try Matrix.randomNormal(rows: n, columns: n, seed: UInt64(2 * n + 1)))
    })
}

/// Products of the given shapes, m×k · k×n, of seeded normal matrices.
public func shapeWorkload(shapes: [ProductShape]) throws -> Workload {
    Workload(name: "shape", source: "seeded normal matrices", problems: try shapes.map { s in
        Problem(a: try Matrix.randomNormal(rows: s.m, columns: s.k, seed: 21),
                b: try Matrix.randomNormal(rows: s.k, columns: s.n, seed: 22))
    })
}
