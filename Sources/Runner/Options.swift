import MatmulCore
import Stage4Blocked

/// What `speedup` was asked to do, parsed from its command line.
public struct Options: Equatable, Sendable {
    public enum Format: String, Sendable, CaseIterable { case table, markdown, csv, json }
    public enum WorkloadChoice: String, Sendable, CaseIterable { case fastai, square, shapes, all }

    /// Stage ids to run, in the stage list's order; nil runs every stage.
    public var stages: [String]? = nil
    /// Named workload; nil means the default (`all`: fastai and square, unless --size or --shape is given).
    public var workload: WorkloadChoice? = nil
    public var sizes: [Int] = []
    public var shapes: [ProductShape] = []
    public var threads = 1
    public var repeats = 5
    /// Passes over the whole table; each row's median pools the samples of every pass.
    public var rounds = 1
    public var format = Format.table
    /// The table with every column in full (what changed, notes), however wide; by default it
    /// fits the terminal.
    public var wide = false
    /// A stage whose single run is estimated to take longer than this is skipped, with a note.
    public var maxSeconds = 20.0
    /// The IDX image file for the fastai workload; nil uses Debian's Fashion-MNIST if installed.
    public var imagesPath: String? = nil
    /// Stage 4's block sizes; nil uses the ones derived from this machine's caches.
    public var blocks: BlockSizes? = nil
    /// Stage 4's register tile; nil uses the one measured fastest here (`RegisterTile.host`).
    public var tile: RegisterTile? = nil
    /// Strassen's crossover (stage 4s); nil uses the measured default.
    public var crossover: Int? = nil
    /// Where to write the SVG chart of the run (`--chart FILE`); nil writes none.
    public var chartPath: String? = nil
    /// Where to write the run file (`--record FILE`): the CSV with the command, machine, date and
    /// commit above it, which the lessons' tables are checked against; nil writes none.
    public var recordPath: String? = nil
    /// Time OpenBLAS and BLIS with their fastest kernels here (`best`), or with their own choice.
    public var libraries = LibraryChoice.best
    public var help = false

    public enum LibraryChoice: String, Sendable, CaseIterable { case best, asFound = "as-found" }

    public init() {}

    /// The square sizes used when neither --size nor --shape is given. Not powers of two: at
    /// n = 1024 a row of B is 4 KiB, every element of a column falls into the same few cache sets,
    /// and Stage 1 runs several times slower than at n = 1000 (lesson 01). That is a lesson of its
    /// own, not one the default table should teach by accident.
    public static let defaultSizes = [250, 500, 1000]

    /// No workload, size or shape was named: run fastai and the default square sizes.
    var usesDefaultWorkloads: Bool { workload == nil && sizes.isEmpty && shapes.isEmpty }
    /// Whether this run includes the fastai workload.
    public var runsFastai: Bool { workload == .fastai || workload == .all || usesDefaultWorkloads }
    /// Whether this run includes the shapes workload.
    public var runsShapes: Bool { workload == .shapes }
    /// The square sizes this run covers: the --size values, or the defaults when square is wanted.
    public var squareSizes: [Int] {
        let named = workload == .square || workload == .all || usesDefaultWorkloads
        return sizes.isEmpty && named ? Self.defaultSizes : sizes
    }
}

public let usage = """
    usage: swift run -c release speedup [options]

    Times every stage of the course on the same products and prints the cumulative speedup table:
    median ms, GFLOP/s, × vs Stage 1 (loops), × vs the previous stage, % of this machine's peak.

    options:
      --stages LIST      stages to run, e.g. 1,2,3,5 or 1-3; 6 takes every GPU row (default: all):
                         \(allStages(threads: 1).map(\.id).joined(separator: ","))
                         you: your own kernel (Sources/YourTurn); in the default table once written
      --workload NAME    fastai | square | shapes | all (default: all, unless --size or --shape is given)
                         fastai: 5×784 · 784×10 and 50000×784 · 784×10 on Fashion-MNIST images
                         square: n×n · n×n for n = \(Options.defaultSizes.map(String.init).joined(separator: ", "))
                         shapes: \(ShapesWorkload.shapes.count) products of networks and other shapes, 5×784×10 to 2000³
                         (small cubes, MLP layers, a transformer's feed-forward, tall, wide)
                         all: fastai and square (shapes runs only when named: it is long)
      --size N           a square size to run (repeatable); replaces the default square sizes
      --shape MxKxN      an m×k · k×n product to run (repeatable), e.g. 1000x784x10
      --threads T        threads for the stages that can use more than one (default 1, at most 1024)
      --repeat R         timed runs per row after one warm-up; the median is reported (default 5,
                         at most 10000)
      --rounds N         time the whole table N times over and pool each row's samples, so a
                         disturbance on a shared machine hits one pass, not one row (default 1,
                         at most 1000)
      --format F         table | markdown | csv | json (default table)
                         the table fits the terminal (COLUMNS, else its width; 100 columns
                         into a pipe or file): notes become footnotes, what each stage
                         changes is said once above it; NO_COLOR turns off bold and dim
      --wide             the table with every row in full, what changed and notes in columns
      --max-seconds S    skip a stage whose single run is estimated to exceed S seconds (default 20)
      --images PATH      IDX image file for the fastai workload, gzipped or not
                         (default \(fashionMNISTTrainImages))
      --blocks MC,KC,NC  Stage 4's block sizes (default, from this machine's caches: \(BlockSizes.host.mc),\(BlockSizes.host.kc),\(BlockSizes.host.nc));
                         `speedup tune` finds the best ones for this machine
      --tile 6x16|12x32  Stage 4's register tile: 6×16 of 8-lane vectors or 12×32 of 16-lane ones
                         (default: the faster here, measured when Stage 4 starts)
      --crossover N      Strassen (4s) recurses while min(m,k,n) > N (default \(StrassenMatmul.measuredCrossover))
      --chart FILE       also write the run as an SVG chart: GFLOP/s per stage (log scale) for each
                         product, and GFLOP/s against n for the fast stages with the peak as a line
      --record FILE      also write the run as a run file: CSV (with min, max and sample count)
                         under lines giving the command, machine, caches, date and commit; the
                         lessons' tables come from such files (docs/runs/, lesson-check)
                         (--chart and --record write a new file or replace a regular one; a link,
                         folder, device or FIFO is refused before the run starts)
      --libraries L      best | as-found (default best): with best, rows 5 and 5b use the fastest
                         kernels OpenBLAS and BLIS have for this CPU, timed first (a library may
                         fall back to older kernels on a CPU it does not know; the row's note says
                         so); as-found keeps each library's own choice. A library whose variable
                         you set (OPENBLAS_CORETYPE, BLIS_ARCH_TYPE) is left as you set it
      --help             print this message

    commands:
      speedup tune       search Stage 4's block sizes for this machine (speedup tune --help)
      speedup chart RUNFILE SVGFILE
                         draw the chart of a recorded run again, timing nothing
      speedup libraries  time each kernel family OpenBLAS and BLIS can run on this CPU

    examples:
      swift run -c release speedup
      swift run -c release speedup --stages 1,2,3,5 --size 512 --threads 1 --format csv
      swift run -c release speedup --stages 3,you --size 512
      swift run -c release speedup --chart speedup.svg
      OPENBLAS_CORETYPE=Haswell swift run -c release speedup --stages 5 --size 1024
      swift run -c release speedup tune --size 1024 --threads 2
    """

/// Parses `speedup`'s arguments (without the program name).
/// - Throws: `UsageError` for an unknown flag, a missing or malformed value, or an unknown stage.
public func parseOptions(_ arguments: [String]) throws -> Options {
    var options = Options()
    var reader = ArgumentReader(arguments)
    while let argument = try reader.next() {
        switch argument {
        case "--help", "-h": options.help = true
        case "--wide": options.wide = true
        case "--stages": options.stages = try parseStages(try reader.value())
        case "--workload":
            let text = try reader.value()
            guard let choice = Options.WorkloadChoice(rawValue: text) else {
                throw UsageError(message: "--workload takes fastai, square, shapes or all, not '\(text)'")
            }
            options.workload = choice
        case "--size": options.sizes.append(try reader.positiveInteger())
        case "--shape": options.shapes.append(try parseShape(try reader.value()))
        case "--threads": options.threads = try reader.threadCount()
        case "--repeat": options.repeats = try reader.repeatCount()
        case "--rounds": options.rounds = try reader.roundCount()
        case "--format":
            let text = try reader.value()
            guard let format = Options.Format(rawValue: text) else {
                throw UsageError(message: "--format takes table, markdown, csv or json, not '\(text)'")
            }
            options.format = format
        case "--max-seconds":
            let text = try reader.value()
            guard let seconds = Double(text), seconds > 0, seconds.isFinite else {
                throw UsageError(message: "--max-seconds takes a number of seconds above 0, not '\(text)'")
            }
            options.maxSeconds = seconds
        case "--images": options.imagesPath = try reader.value()
        case "--libraries":
            let text = try reader.value()
            guard let choice = Options.LibraryChoice(rawValue: text) else {
                throw UsageError(message: "--libraries takes best or as-found, not '\(text)'")
            }
            options.libraries = choice
        case "--blocks": options.blocks = try parseBlocks(try reader.value())
        case "--crossover": options.crossover = try reader.positiveInteger()
        case "--tile": options.tile = try parseTile(try reader.value(), flag: "--tile")
        case "--chart":
            let path = try reader.value()
            guard !path.isEmpty, !path.hasSuffix("/") else { throw UsageError(message: "--chart takes a file name, e.g. speedup.svg, not '\(path)'") }
            options.chartPath = path
        case "--record":
            let path = try reader.value()
            guard !path.isEmpty, !path.hasSuffix("/") else { throw UsageError(message: "--record takes a file name, e.g. docs/runs/mine.csv, not '\(path)'") }
            options.recordPath = path
        default: throw UsageError(message: "unknown option '\(argument)'")
        }
    }
    if options.imagesPath != nil, !options.runsFastai {
        throw UsageError(message: "--images is used only by the fastai workload; add --workload fastai (or all)")
    }
    return options
}

/// "1,2,3,5", "1-3", "4s", "6": stage ids in the stage list's order. A range takes every stage whose
/// number is in it, variants included; so does a lone number that is no stage's id ("6": all of Stage 6).
func parseStages(_ text: String) throws -> [String] {
    let known = allStages(threads: 1)
    var chosen = Set<String>()
    for token in text.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingSpaces }) {
        let bounds = token.split(separator: "-", omittingEmptySubsequences: false)
        if bounds.count == 2, let low = Int(bounds[0]), let high = Int(bounds[1]) {
            guard low <= high else { throw UsageError(message: "--stages: the range \(token) runs backwards; write \(high)-\(low)") }
            let inRange = known.filter { (low...high).contains($0.number) }
            guard !inRange.isEmpty else { throw UsageError(message: "--stages: no stage in \(token)") }
            chosen.formUnion(inRange.map(\.id))
        } else if known.contains(where: { $0.id == token }) {
            chosen.insert(token)
        } else if let number = Int(token), known.contains(where: { $0.number == number }) {
            // A stage number that is no stage's id ("6") takes all of that stage's rows.
            chosen.formUnion(known.filter { $0.number == number }.map(\.id))
        } else {
            let ids = known.map(\.id).joined(separator: ", ")
            throw UsageError(message: "--stages: unknown stage '\(token)'; the stages are \(ids) (ranges like 1-3 work too)")
        }
    }
    return known.map(\.id).filter(chosen.contains)
}

/// "6x16" or "12x32" (or with ×) → Stage 4's register tile; `flag` names the option in the error.
func parseTile(_ text: String, flag: String) throws -> RegisterTile {
    guard let tile = RegisterTile(named: text) else {
        throw UsageError(message: "\(flag) takes \(RegisterTile.all.map(\.name).joined(separator: " or ")), not '\(text)'")
    }
    return tile
}

/// "MC,KC,NC" → Stage 4's block sizes.
func parseBlocks(_ text: String) throws -> BlockSizes {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingSpaces) }
    guard parts.count == 3, let mc = parts[0], let kc = parts[1], let nc = parts[2], mc > 0, kc > 0, nc > 0 else {
        throw UsageError(message: "--blocks takes MC,KC,NC, three whole numbers of 1 or more (e.g. 96,256,4096), not '\(text)'")
    }
    do { return try BlockSizes(mc: mc, kc: kc, nc: nc) } catch { throw UsageError(message: "--blocks: \(error)") }
}

/// "MxKxN" (or with ×) → the product m×k · k×n.
func parseShape(_ text: String) throws -> ProductShape {
    let fields = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "x" || $0 == "X" || $0 == "×" })
    let parts = fields.compactMap { Int($0) }
    guard fields.count == 3, parts.count == 3, parts.allSatisfy({ $0 >= 0 }) else {
        throw UsageError(message: "--shape takes MxKxN (e.g. 1000x784x10 for 1000×784 · 784×10), not '\(text)'")
    }
    return ProductShape(m: parts[0], k: parts[1], n: parts[2])
}

extension Substring {
    var trimmingSpaces: String { String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed()) }
}
