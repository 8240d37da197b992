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
        Problem(a: try Matrix.randomNormal(rows: n, columns: n, seed: 2 * UInt64(n)),
                b: try Matrix.randomNormal(rows: n, columns: n, seed: 2 * UInt64(n) + 1))
    })
}

/// Products of the given shapes, m×k · k×n, of seeded normal matrices.
public func shapeWorkload(shapes: [ProductShape]) throws -> Workload {
    Workload(name: "shape", source: "seeded normal matrices", problems: try shapes.map { s in
        Problem(a: try Matrix.randomNormal(rows: s.m, columns: s.k, seed: 21),
                b: try Matrix.randomNormal(rows: s.k, columns: s.n, seed: 22))
    })
}

/// The shapes workload (`--workload shapes`): products a learner meets beyond the two of fastai's
/// lesson and the squares, where a library's small-size paths, thread splits and skinny kernels
/// decide the speed, not its big-square kernel.
public enum ShapesWorkload {
    /// Each shape with what it is.
    public static let shapes: [(shape: ProductShape, what: String)] = [
        (ProductShape(m: 5, k: 784, n: 10), "fastai's 5 validation images · its 784×10 weights"),
        (ProductShape(m: 32, k: 32, n: 32), "small cube"),
        (ProductShape(m: 64, k: 64, n: 64), "small cube"),
        (ProductShape(m: 96, k: 96, n: 96), "small cube"),
        (ProductShape(m: 128, k: 128, n: 128), "small cube"),
        (ProductShape(m: 256, k: 256, n: 256), "cube"),
        (ProductShape(m: 64, k: 784, n: 256), "MLP first layer, batch 64"),
        (ProductShape(m: 256, k: 784, n: 256), "MLP first layer, batch 256"),
        (ProductShape(m: 512, k: 784, n: 256), "MLP first layer, batch 512"),
        (ProductShape(m: 512, k: 256, n: 10), "MLP output layer, batch 512"),
        (ProductShape(m: 64, k: 2048, n: 2048), "wide layer, batch 64"),
        (ProductShape(m: 512, k: 768, n: 3072), "transformer feed-forward, 512 tokens"),
        (ProductShape(m: 2048, k: 64, n: 2048), "k small: an outer product of depth 64"),
        (ProductShape(m: 8192, k: 256, n: 32), "tall and skinny"),
        (ProductShape(m: 32, k: 256, n: 8192), "short and wide"),
        (ProductShape(m: 1000, k: 1000, n: 1000), "large square"),
        (ProductShape(m: 2000, k: 2000, n: 2000), "large square"),
    ]

    /// The large squares, where Stage 4 has to be at least as fast as the best library.
    public static var largeSquares: [ProductShape] { shapes.map(\.shape).filter { $0.m == $0.k && $0.k == $0.n && $0.m >= 1000 } }

    public static func workload() throws -> Workload {
        Workload(name: "shapes", source: "seeded normal matrices; what each shape is: ShapesWorkload.shapes, lessons/04-blocked.md",
                 problems: try shapes.map { shape, _ in
                     Problem(a: try Matrix.randomNormal(rows: shape.m, columns: shape.k, seed: 31),
                             b: try Matrix.randomNormal(rows: shape.k, columns: shape.n, seed: 32))
                 })
    }
}
