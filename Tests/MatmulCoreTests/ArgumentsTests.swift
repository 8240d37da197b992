import MatmulCore
import Testing

/// Reads `arguments` the way the tools do: flags with values (--size), flags without (--wide), words.
private func read(_ arguments: [String]) throws -> [String] {
    var reader = ArgumentReader(arguments)
    var seen: [String] = []
    while let flag = try reader.next() {
        switch flag {
        case "--size": seen.append("size \(try reader.positiveInteger())")
        case "--images": seen.append("images \(try reader.value())")
        case "--wide": seen.append("wide")
        default: seen.append("word \(flag)")
        }
    }
    return seen
}

@Test func aValueMayFollowTheFlagOrItsEqualsSign() throws {
    #expect(try read(["--size", "5", "--wide", "--images=a=b.gz", "tune"]) == ["size 5", "wide", "images a=b.gz", "word tune"])
    #expect(try read(["--size=5"]) == read(["--size", "5"]))
    #expect(try read(["--images="]) == ["images "])
}

@Test func missingRefusedAndUnwantedValuesAreUsageErrors() {
    #expect(throws: UsageError(message: "--size needs a value")) { try read(["--size"]) }
    #expect(throws: UsageError(message: "--size needs a value")) { try read(["--size", "--wide"]) }
    #expect(throws: UsageError(message: "--wide takes no value, not 'yes'")) { try read(["--wide=yes"]) }
    #expect(throws: UsageError(message: "--size takes a whole number of 1 or more, not '0'")) { try read(["--size=0"]) }
}
