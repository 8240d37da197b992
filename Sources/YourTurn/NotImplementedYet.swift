import MatmulCore

/// What the stub `YourMatmul.multiply` throws until you write it.
public struct NotImplementedYet: Error, CustomStringConvertible {
    /// The product that was asked for.
    public let shape: ProductShape

    public init(_ shape: ProductShape) {
        self.shape = shape
    }

    public static let reason = "not implemented yet: write YourMatmul.multiply in Sources/YourTurn/YourMatmul.swift"
    public var description: String { "\(Self.reason) (asked for \(shape))" }
}

extension YourMatmul {
    /// Not runnable until written; the row says so.
    public var unavailableReason: String? { Self.isWritten ? nil : NotImplementedYet.reason }
    /// A run that names no stages includes your kernel once it is written.
    public var isListedByDefault: Bool { Self.isWritten }

    /// False while `multiply` still throws `NotImplementedYet`: tests skip, the runner says so.
    public static var isWritten: Bool {
        do {
            let one = try Matrix(rows: 1, columns: 1, elements: [1])
            _ = try YourMatmul().multiply(one, one)
            return true
        } catch is NotImplementedYet {
            return false
        } catch {
            return true   // any other error is the tests' to report
        }
    }
}
