// The one way the course's command-line tools (speedup, speedup tune, speedup chart, gpu-check,
// lesson-check) read their arguments, so that they all accept the same things:
//
//   --flag value     and     --flag=value     are the same;
//   a value never starts with "--" (`--size --threads 2` is a missing value, not a size);
//   a flag that takes no value refuses one (`--wide=yes`).

import Foundation

/// A command line that cannot be run; the message says what to change (exit status 2).
public struct UsageError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(message: String) {
        self.message = message
    }
    public var description: String { message }
}

/// Reads a command line one argument at a time.
///
///     var reader = ArgumentReader(arguments)
///     while let flag = try reader.next() {
///         switch flag {
///         case "--size": size = try reader.positiveInteger()
///         case "--wide": wide = true
///         default: throw UsageError(message: "unknown option '\(flag)'")
///         }
///     }
public struct ArgumentReader {
    private var rest: ArraySlice<String>
    /// The value given as `--flag=value` to the flag just read, until `value()` takes it.
    private var inlineValue: String?
    /// The flag (or word) `next()` returned last.
    public private(set) var current = ""

    public init(_ arguments: [String]) {
        rest = arguments[...]
    }

    /// The next flag, or word that is not a flag, without any `=value`; nil after the last.
    /// - Throws: `UsageError` when the flag before it was given `=value` but takes none.
    public mutating func next() throws -> String? {
        if let inlineValue {
            throw UsageError(message: "\(current) takes no value, not '\(inlineValue)'")
        }
        guard let argument = rest.popFirst() else { return nil }
        if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
            current = String(argument[..<equals])
            inlineValue = String(argument[argument.index(after: equals)...])
        } else {
            current = argument
        }
        return current
    }

    /// The value of the flag just read: what follows its `=`, or else the next argument.
    /// - Throws: `UsageError` when there is none, or the next argument is another flag.
    public mutating func value() throws -> String {
        if let inline = inlineValue {
            inlineValue = nil
            return inline
        }
        guard let next = rest.first, !next.hasPrefix("--") else { throw UsageError(message: "\(current) needs a value") }
        rest.removeFirst()
        return next
    }

    /// The value of the flag just read as a whole number of 1 or more.
    public mutating func positiveInteger() throws -> Int {
        let text = try value()
        guard let n = Int(text), n > 0 else { throw UsageError(message: "\(current) takes a whole number of 1 or more, not '\(text)'") }
        return n
    }

    /// The most threads, timed runs and passes over a table any command accepts: far beyond any
    /// use, and small enough that a slip of the keyboard cannot start a million threads or a
    /// week-long run.
    public static let mostThreads = 1024
    public static let mostRepeats = 10_000
    public static let mostRounds = 1_000

    /// The value of the flag just read as a thread count, 1 to `mostThreads`.
    public mutating func threadCount() throws -> Int {
        try positiveInteger(atMost: Self.mostThreads,
                            why: "far more than any machine's cores; this one has \(ProcessInfo.processInfo.activeProcessorCount)")
    }

    /// The value of the flag just read as a number of timed runs, 1 to `mostRepeats`.
    public mutating func repeatCount() throws -> Int {
        try positiveInteger(atMost: Self.mostRepeats, why: "a bound against typing slips")
    }

    /// The value of the flag just read as a number of passes, 1 to `mostRounds`.
    public mutating func roundCount() throws -> Int {
        try positiveInteger(atMost: Self.mostRounds, why: "a bound against typing slips")
    }

    /// The value of the flag just read as a whole number from 1 to `largest`; `why` says where
    /// the bound comes from.
    mutating func positiveInteger(atMost largest: Int, why: String) throws -> Int {
        let text = try value()
        guard let n = Int(text), (1...largest).contains(n) else {
            throw UsageError(message: "\(current) takes a whole number from 1 to \(largest) (\(why)), not '\(text)'")
        }
        return n
    }
}
