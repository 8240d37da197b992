#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the text table is laid out: the columns it may use, whether every column is printed in
/// full (`--wide`), and whether it may use bold and dim (a terminal, and no `NO_COLOR`).
public struct TextStyle: Equatable, Sendable {
    /// The widest line the compact table may print.
    public var width: Int
    /// Today's full rows: what changed and the notes in columns, however wide.
    public var wide: Bool
    /// ANSI bold and dim for headers and footnotes.
    public var color: Bool

    public init(width: Int = 100, wide: Bool = false, color: Bool = false) {
        self.width = width
        self.wide = wide
        self.color = color
    }

    /// The width when standard output is not a terminal and `COLUMNS` is not set.
    public static let pipeWidth = 100

    /// The style for standard output: `COLUMNS` if set, else the terminal's width, else 100
    /// columns (a pipe or a file); colour only on a terminal, and never with `NO_COLOR` set
    /// (no-color.org) or `TERM=dumb`.
    public static func forStandardOutput(wide: Bool, environment: [String: String]) -> TextStyle {
        let terminal = isatty(STDOUT_FILENO) == 1
        var width = pipeWidth
        if let columns = environment["COLUMNS"].flatMap(Int.init), columns > 0 {
            width = columns
        } else if terminal {
            var size = winsize()
            if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { width = Int(size.ws_col) }
        }
        let color = terminal && (environment["NO_COLOR"] ?? "").isEmpty && environment["TERM"] != "dumb"
        return TextStyle(width: width, wide: wide, color: color)
    }

    func bold(_ text: String) -> String { color ? "\u{1B}[1m\(text)\u{1B}[0m" : text }
    func dim(_ text: String) -> String { color ? "\u{1B}[2m\(text)\u{1B}[0m" : text }
}

/// The columns `text` takes, counted as UTF-8 bytes: the same as its characters for ASCII, and
/// an upper bound for "×", "·", "…" (two or three bytes, one column each). So a line that fits
/// by this count also fits by `awk '{ print length }'`, which counts bytes in Debian's mawk.
func columns(_ text: String) -> Int { text.utf8.count }

/// `text` broken at spaces into lines of at most `width` columns (`columns`), each line after the
/// first starting with `indent`; a word too long for any line is cut into pieces.
func wrap(_ text: String, width: Int, indent: String = "    ") -> [String] {
    var lines: [String] = []
    var current = ""          // the line being filled, without its indent
    var lead = ""             // "" on the first line, `indent` after
    let room = { width - columns(lead) }
    for word in text.split(separator: " ").map(String.init) {
        var word = word
        if !current.isEmpty, columns(current) + 1 + columns(word) > room() {
            lines.append(lead + current)
            (current, lead) = ("", indent)
        }
        while current.isEmpty, columns(word) > room(), let piece = prefix(of: word, columns: room()) {
            lines.append(lead + piece)
            word.removeFirst(piece.count)
            lead = indent
        }
        current += (current.isEmpty ? "" : " ") + word
    }
    if !current.isEmpty || lines.isEmpty { lines.append(lead + current) }
    return lines
}

/// The longest start of `word` that takes at most `room` columns, or nil if not even one character fits.
private func prefix(of word: String, columns room: Int) -> String? {
    var piece = ""
    for character in word {
        if columns(piece + String(character)) > room { break }
        piece.append(character)
    }
    return piece.isEmpty ? nil : piece
}
