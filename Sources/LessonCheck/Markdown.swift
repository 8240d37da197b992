// How lesson-check reads a markdown file: which lines are code, which are prose, and what each
// block says about itself. One reader for every check, so no kind of block slips past them:
// fences of backticks or tildes, of any length, indented (inside list items) or not, with any
// info string (```Swift is Swift); an unclosed fence is an error, not a block that swallows the
// rest of the file; an indented code block (four spaces after a paragraph) is found too.

import Foundation

/// A code block of a markdown file.
public struct CodeBlock: Sendable {
    /// The info string's first word, lowercased: "swift", "sh", "" …
    public let language: String
    /// 1-based line of the opening fence (for an indented block, of its first line).
    public let line: Int
    /// The block's lines, with the fence's own indentation removed.
    public let lines: [String]
    /// The fence's indentation, put back in front of each line when `--fix` rewrites the block.
    public let indent: String
    /// The `<!-- … -->` comment on the line before the block, if any, without its delimiters.
    public let annotation: String?
    /// False for an indented code block (no fence).
    public let fenced: Bool
}

/// A markdown file read once: its code blocks, and which lines are prose.
struct MarkdownFile {
    let lines: [String]
    let blocks: [CodeBlock]
    /// 0-based indices of the lines inside code blocks, fences included.
    let codeLines: Set<Int>
    /// Fences that are never closed, as findings' line numbers (1-based).
    let unclosedFences: [Int]

    init(_ text: String) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var blocks: [CodeBlock] = []
        var codeLines = Set<Int>()
        var unclosed: [Int] = []
        var listIndent = 0   // content indentation of the list item being read, 0 outside lists
        var index = 0
        func annotation(before line: Int) -> String? {
            guard line > 0 else { return nil }
            let previous = lines[line - 1].trimmingCharacters(in: .whitespaces)
            guard previous.hasPrefix("<!--"), previous.hasSuffix("-->") else { return nil }
            return previous.dropFirst(4).dropLast(3).trimmingCharacters(in: .whitespaces)
        }
        while index < lines.count {
            let line = lines[index]
            if let fence = Fence(line) {
                var body: [String] = []
                var end = index + 1
                var closed = true
                while end < lines.count, !fence.isClosed(by: lines[end]) {
                    // An opening fence with a language, as long as this one: this block was never
                    // closed (a closing fence has no language). Read the new block as a block.
                    if let inner = Fence(lines[end]), inner.character == fence.character, inner.length >= fence.length,
                       !inner.language.isEmpty {
                        closed = false
                        break
                    }
                    body.append(String(lines[end].dropFirst(min(fence.indent.count, lines[end].prefix { $0 == " " }.count))))
                    end += 1
                }
                if end == lines.count || !closed { unclosed.append(index + 1) }
                blocks.append(CodeBlock(language: fence.language, line: index + 1, lines: body, indent: fence.indent,
                                        annotation: annotation(before: index), fenced: true))
                codeLines.formUnion(index...min(closed ? end : end - 1, lines.count - 1))
                index = closed ? end + 1 : end
                continue
            }
            let indent = line.prefix { $0 == " " }.count
            let blank = line.trimmingCharacters(in: .whitespaces).isEmpty
            if let marker = line.firstMatch(of: /^( *)([-*+]|\d+[.)]) +/) {
                listIndent = marker.output.0.count
            } else if !blank, indent == 0 {
                listIndent = 0
            }
            // An indented code block: after a blank line, four spaces more than the text it is in.
            if !blank, indent >= listIndent + 4, index > 0, lines[index - 1].trimmingCharacters(in: .whitespaces).isEmpty {
                var end = index
                while end < lines.count,
                      lines[end].trimmingCharacters(in: .whitespaces).isEmpty || lines[end].prefix(while: { $0 == " " }).count >= listIndent + 4 {
                    end += 1
                }
                while end > index, lines[end - 1].trimmingCharacters(in: .whitespaces).isEmpty { end -= 1 }
                let prefix = String(repeating: " ", count: listIndent + 4)
                blocks.append(CodeBlock(language: "", line: index + 1,
                                        lines: lines[index..<end].map { String($0.dropFirst(min(prefix.count, $0.count))) },
                                        indent: prefix, annotation: annotation(before: index - 1), fenced: false))
                codeLines.formUnion(index..<end)
                index = end
                continue
            }
            index += 1
        }
        self.lines = lines
        self.blocks = blocks
        self.codeLines = codeLines
        self.unclosedFences = unclosed
    }

    /// The prose lines, 0-based index and text: every line outside a code block.
    var proseLines: [(index: Int, text: String)] {
        lines.indices.filter { !codeLines.contains($0) }.map { ($0, lines[$0]) }
    }
}

/// An opening code fence: ``` or ~~~ (or longer), up to any indentation, and its info string.
struct Fence {
    let character: Character
    let length: Int
    let indent: String
    let language: String

    init?(_ line: String) {
        let indent = line.prefix { $0 == " " }
        let rest = line.dropFirst(indent.count)
        guard let first = rest.first, first == "`" || first == "~" else { return nil }
        let run = rest.prefix { $0 == first }
        guard run.count >= 3 else { return nil }
        let info = rest.dropFirst(run.count).trimmingCharacters(in: .whitespaces)
        // A backtick fence's info string cannot hold a backtick (that is inline code).
        if first == "`", info.contains("`") { return nil }
        (character, length, self.indent) = (first, run.count, String(indent))
        language = (info.split(separator: " ").first.map(String.init) ?? "").lowercased()
    }

    /// A closing fence: the same character, at least as many, nothing after it.
    func isClosed(by line: String) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return trimmed.count >= length && trimmed.allSatisfy { $0 == character }
    }
}

/// Languages whose blocks hold commands for the reader's shell: lesson-check checks each command.
let shellLanguages: Set<String> = ["sh", "bash", "shell", "console", "zsh"]
