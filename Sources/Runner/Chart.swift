import Foundation
import MatmulCore

/// `speedup --chart FILE`: the run's rows drawn as one SVG file, with no library and no script,
/// so it opens in any browser and shows on GitHub.
///
/// Two views of the same rows, each stage in one colour in both (`stageColor`):
/// 1. GFLOP/s per stage, one panel per product, on a log scale: the loops and the BLAS are a
///    thousand times apart, and a linear axis would flatten every stage before 4 to nothing.
///    The dashed line is one core's measured peak.
/// 2. GFLOP/s against the size n of the square products, for the stages that reach at least
///    5% of one core's peak (without Stage 4's steps and the +copies rows, which view 1 has), on
///    a linear scale with one core's peak as a line (and the peak × threads, for lines that used
///    more): how close to the roof each one gets, and where it falls off. Its caption names the
///    rows it draws.
///
/// - Parameter command: the command line that produced the rows, printed under the title.
public func renderChart(_ rows: [Row], context: RunContext, command: String) -> String {
    let (svg, height) = drawChart(rows, context: context, command: command)
    return svg.document(width: chartWidth, height: height)
}

let chartWidth = 1000.0

/// The chart's shapes, and its height.
func drawChart(_ rows: [Row], context: RunContext, command: String) -> (svg: SVG, height: Double) {
    var svg = SVG()
    let width = chartWidth
    svg.text("Matrix multiplication in Swift: GFLOP/s of each stage", x: 20, y: 32, size: 20, weight: "bold")
    svg.text("\(context.cpu), \(context.cores) cores; \(context.date); \(context.build)", x: 20, y: 54, size: 12, color: "#444")
    var y = 72.0
    for line in wrap("made by: \(command)", width: 140) {
        svg.text(line, x: 20, y: y, size: 11, color: "#444", family: "monospace")
        y += 15
    }
    y += 12

    // View 1: one panel per product, two panels a row.
    let products = productGroups(rows)
    let panelWidth = (width - 60) / 2
    let allGFLOPS = rows.compactMap(\.gflops).filter { $0 > 0 } + [context.peakGFLOPSPerCore]
    let decades = (low: floor(log10(allGFLOPS.min() ?? 0.1)), high: ceil(log10(allGFLOPS.max() ?? 100)))
    let labelWidth = (rows.map { textWidth(stageLabel($0), size: 11) }.max() ?? 100) + 10
    y = caption(&svg, "1. GFLOP/s of every row, one panel per product, log scale. Dashed: one core's measured peak, "
                + "\(fixed(context.peakGFLOPSPerCore, 1)) GFLOP/s (a row with more threads can pass it).", y: y)
    var column = 0
    var rowTop = y
    var tallest = 0.0
    for product in products {
        let x = 20 + Double(column) * (panelWidth + 20)
        let height = stagePanel(&svg, title: product.title, rows: product.rows, x: x, y: rowTop, width: panelWidth,
                                labelWidth: labelWidth, decades: decades, peak: context.peakGFLOPSPerCore)
        tallest = max(tallest, height)
        column += 1
        if column == 2 {
            column = 0
            rowTop += tallest + 18
            tallest = 0
        }
    }
    y = rowTop + tallest + 24

    // View 2: GFLOP/s against n for the fast stages.
    let lines = sizeLines(rows, peak: context.peakGFLOPSPerCore)
    let drawn = lines.isEmpty ? "no stage reaches 5% of one core's peak on a square product"
        : lines.map(\.label).joined(separator: ", ")
    // Name what is left out only when the run has it.
    let leftOut = rows.map(\.stage).uniqued().filter { leftOutOfSizeView.contains($0) }
    let without = leftOut.isEmpty ? "" : ", without \(leftOut.joined(separator: ", ")) (lesson steps and kernels timed again "
        + "with their copies: view 1 has them)"
    y = caption(&svg, "2. GFLOP/s against the size n of the square products (n×n · n×n), for \(drawn): each stage whose "
                + "best reaches 5% of one core's peak\(without).", y: y)
    y += sizePanel(&svg, lines: lines, rows: rows, x: 20, y: y, width: width - 40, height: 360, context: context)
    return (svg, y + 20)
}

/// A view's caption, bold, wrapped to the chart's width; returns the y below it.
private func caption(_ svg: inout SVG, _ text: String, y: Double) -> Double {
    var y = y
    // As many characters as fit the chart's width at the widest estimate (`textWidth`).
    for line in wrap(text, width: Int((chartWidth - 40) / textWidth("m", size: 13, weight: "bold")), indent: "") {
        svg.text(line, x: 20, y: y, size: 13, weight: "bold")
        y += 17
    }
    return y
}

/// "4b packed", "6d.cl register tiles", "your kernel" (a name that starts with its id needs no id).
func stageLabel(_ row: Row) -> String {
    let name = compactName(row.name)
    return name.hasPrefix(row.stage) ? name : "\(row.stage) \(name)"
}

/// Each stage's colour, the same in both views: one palette per family, taken in lesson order.
/// CPU stages go grey, brown, orange, then Stage 4's steps in greens that darken towards 4,
/// Strassen cyan, BLAS red, your kernel black; CUDA's kernels in blues, OpenCL's in purples,
/// each "+copies" row a paler shade, cuBLAS pink, cuBLAS in TF32 olive. A stage the list does not know gets a grey.
func stageColor(_ stage: String) -> String {
    stageColors[stage] ?? "#bdbdbd"
}

private let palettes: [String: [String]] = [
    MatmulFamily.cpu: ["#7f7f7f", "#8c564b", "#ff7f0e", "#a1d99b", "#74c476", "#31a354", "#006d2c", "#17becf",
                       "#d62728", "#000000"],
    "CUDA": ["#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b", "#c6dbef", "#e377c2", "#bcbd22"],
    "OpenCL": ["#bcbddc", "#9e9ac8", "#807dba", "#6a51a3", "#54278f", "#3f007d", "#dadaeb"],
]

/// Stage id → colour: the n-th stage of a family in the stage list gets its palette's n-th colour.
private let stageColors: [String: String] = {
    var colors: [String: String] = [:]
    var used: [String: Int] = [:]
    for stage in allStages(threads: 1) {
        let index = used[stage.family, default: 0]
        used[stage.family] = index + 1
        if let palette = palettes[stage.family], index < palette.count { colors[stage.id] = palette[index] }
    }
    return colors
}()

/// The stages view 2 leaves out: the lesson's steps (4a–4c: the way to 4, shown in view 1) and
/// rows that time another stage's kernel again (+copies).
private let leftOutOfSizeView: Set<String> = Set(allStages(threads: 1).filter { stage in
    if case .stage = stage.baseline { return true }
    return stage.isLessonStep
}.map(\.id))

/// One product's horizontal bars; returns the panel's height.
private func stagePanel(_ svg: inout SVG, title: String, rows: [Row], x: Double, y: Double, width: Double,
                        labelWidth: Double, decades: (low: Double, high: Double), peak: Double) -> Double {
    let rowHeight = 17.0, valueWidth = 44.0
    let barLeft = x + labelWidth, barWidth = width - labelWidth - valueWidth
    let top = y + 22
    let bottom = top + Double(rows.count) * rowHeight
    func position(_ gflops: Double) -> Double {
        barLeft + (log10(gflops) - decades.low) / max(1, decades.high - decades.low) * barWidth
    }
    svg.text(title, x: x, y: y + 12, size: 13, weight: "bold")
    // Grid and peak first, so that bars and labels are drawn over them.
    var decade = decades.low
    while decade <= decades.high {
        let gx = position(pow(10, decade))
        svg.line(x1: gx, y1: top - 2, x2: gx, y2: bottom, color: "#ddd")
        svg.text(decadeLabel(decade), x: gx, y: bottom + 12, size: 10, color: "#666", anchor: "middle")
        decade += 1
    }
    svg.text("GFLOP/s (log scale)", x: barLeft + barWidth / 2, y: bottom + 26, size: 10, color: "#444", anchor: "middle")
    let peakX = position(peak)
    svg.line(x1: peakX, y1: top - 4, x2: peakX, y2: bottom, color: "#333", dash: true)
    for (index, row) in rows.enumerated() {
        let rowY = top + Double(index) * rowHeight
        let label = stageLabel(row)
        svg.text(label, x: barLeft - 6, y: rowY + rowHeight * 0.7, size: 11, anchor: "end")
        if let gflops = row.gflops, gflops > 0 {
            let end = max(barLeft + 1, position(gflops))
            svg.rect(x: barLeft, y: rowY + 2, width: end - barLeft, height: rowHeight - 4, color: stageColor(row.stage),
                     stage: row.stage, tooltip: "\(label): \(fixed(gflops, 2)) GFLOP/s, \(milliseconds(row.medianMs ?? 0)) ms")
            svg.text(gflops < 10 ? fixed(gflops, 2) : fixed(gflops, 1), x: end + 4, y: rowY + rowHeight * 0.7, size: 10,
                     halo: true)
        } else {
            svg.text("skipped: \(shortReason(row.note))", x: barLeft + 4, y: rowY + rowHeight * 0.7, size: 10, color: "#555",
                     halo: true, tooltip: row.note)
        }
    }
    return bottom + 32 - y
}

/// "0.01", "0.1", "1", "10", "100", "1000".
private func decadeLabel(_ decade: Double) -> String {
    decade < 0 ? String(format: "%.\(Int(-decade))f", pow(10, decade)) : String(Int(pow(10, decade)))
}

/// One stage's line in view 2: its points (n, GFLOP/s) over the square products.
struct SizeLine {
    let stage: String
    let label: String
    let points: [(n: Int, gflops: Double)]
}

/// The stages view 2 draws: each that reaches 5% of one core's peak on some square product,
/// without Stage 4's steps 4a–4c (the way to 4, in view 1) and the +copies rows (a kernel again).
func sizeLines(_ rows: [Row], peak: Double) -> [SizeLine] {
    let square = squareRows(rows)
    var lines: [SizeLine] = []
    for stage in square.map(\.stage).uniqued() where !leftOutOfSizeView.contains(stage) {
        let points = square.filter { $0.stage == stage }
            .map { (n: Int($0.shapeID.split(separator: "x")[0])!, gflops: $0.gflops!) }
            .sorted { $0.n < $1.n }
        guard let best = points.map(\.gflops).max(), best >= 0.05 * peak else { continue }
        let row = square.first { $0.stage == stage }!
        lines.append(SizeLine(stage: stage, label: stageLabel(row) + (row.threads > 1 ? " (\(row.threads) threads)" : ""), points: points))
    }
    return lines
}

/// The timed rows of square products (shapeID "NxNxN").
private func squareRows(_ rows: [Row]) -> [Row] {
    rows.filter { row in
        let parts = row.shapeID.split(separator: "x")
        return parts.count == 3 && parts[0] == parts[1] && parts[1] == parts[2] && row.gflops != nil
    }
}

/// GFLOP/s against n for the square products; returns the panel's height.
private func sizePanel(_ svg: inout SVG, lines: [SizeLine], rows: [Row], x: Double, y: Double, width: Double, height: Double,
                       context: RunContext) -> Double {
    let sizes = Set(squareRows(rows).compactMap { Int($0.shapeID.split(separator: "x")[0]) }).sorted()
    guard !sizes.isEmpty else {
        svg.text("This run has no square products: add --size N (or run the default workloads) to draw this view.",
                 x: x, y: y + 20, size: 12, color: "#666")
        return 40
    }
    // The roofs: one core's measured peak, and the peak × threads of any line that used more.
    let threads = Set([1] + rows.filter { row in lines.contains { $0.stage == row.stage } }.map(\.threads)).sorted()
    let roofs = threads.map { (threads: $0, gflops: context.peakGFLOPSPerCore * Double($0)) }
    let highest = max(roofs.last!.gflops, lines.flatMap { $0.points.map(\.gflops) }.max() ?? 0) * 1.08
    let step = niceStep(highest / 5)
    let yMax = (highest / step).rounded(.up) * step

    // Room on the right for the longest label at each line's end.
    let labelRoom = lines.map { textWidth("\($0.label): \(fixed($0.points.last!.gflops, 1))", size: 11, weight: "bold") }.max() ?? 0
    let left = x + 50, right = x + width - max(200, labelRoom + 12), top = y + 28, bottom = y + height - 44
    func px(_ n: Int) -> Double {
        sizes.count == 1 ? (left + right) / 2
            : left + (log2(Double(n)) - log2(Double(sizes.first!))) / (log2(Double(sizes.last!)) - log2(Double(sizes.first!))) * (right - left)
    }
    func py(_ gflops: Double) -> Double { bottom - gflops / yMax * (bottom - top) }

    // Axes, grid, ticks, titles.
    for tick in 0...Int((yMax / step).rounded()) {
        let value = Double(tick) * step
        svg.line(x1: left, y1: py(value), x2: right, y2: py(value), color: "#e5e5e5")
        svg.text(fixed(value, value < 10 ? 1 : 0), x: left - 6, y: py(value) + 4, size: 10, color: "#666", anchor: "end")
    }
    for n in sizes {
        svg.line(x1: px(n), y1: top, x2: px(n), y2: bottom, color: "#f0f0f0")
        svg.text("\(n)", x: px(n), y: bottom + 16, size: 11, color: "#444", anchor: "middle")
    }
    svg.line(x1: left, y1: bottom, x2: right, y2: bottom, color: "#999")
    svg.line(x1: left, y1: top, x2: left, y2: bottom, color: "#999")
    svg.text("GFLOP/s", x: left - 6, y: top - 14, size: 11, weight: "bold", color: "#444", anchor: "end")
    svg.text("size n of the n×n · n×n product (log scale)", x: (left + right) / 2, y: bottom + 34, size: 11, weight: "bold",
             color: "#444", anchor: "middle")

    // The roofs, under the lines.
    for roof in roofs { svg.line(x1: left, y1: py(roof.gflops), x2: right, y2: py(roof.gflops), color: "#333", dash: true) }

    // Labels at the right end of each line, the roofs' among them, moved apart where they would
    // overlap: in order of height, each at least a line below the one above.
    var labels = roofs.map { roof in
        (text: "peak\(roof.threads > 1 ? " × \(roof.threads) cores" : ", one core"): \(fixed(roof.gflops, 1))",
         wanted: py(roof.gflops) + 4, color: "#333")
    }
    for (number, line) in lines.enumerated() {
        let color = stageColor(line.stage)
        let points = line.points.map { (px($0.n), py($0.gflops)) }
        svg.polyline(points, color: color, stage: line.stage, tooltip: line.label)
        for (point, value) in zip(points, line.points) {
            svg.marker(number, x: point.0, y: point.1, color: color, stage: line.stage,
                       tooltip: "\(line.label), n = \(value.n): \(fixed(value.gflops, 1)) GFLOP/s")
        }
        labels.append(("\(line.label): \(fixed(line.points.last!.gflops, 1))", points.last!.1 + 4, color))
    }
    let gap = 14.0
    var placed = labels.sorted { $0.wanted < $1.wanted }
    for index in placed.indices.dropFirst() where placed[index].wanted < placed[index - 1].wanted + gap {
        placed[index].wanted = placed[index - 1].wanted + gap
    }
    // Pushed below the panel: move the whole stack up.
    if let last = placed.last, last.wanted > bottom + 4 {
        let shift = last.wanted - (bottom + 4)
        for index in placed.indices { placed[index].wanted -= shift }
    }
    for label in placed {
        svg.text(label.text, x: right + 8, y: label.wanted, size: 11, weight: label.color == "#333" ? "normal" : "bold", color: label.color)
    }
    return height
}

/// The width `text` takes in pixels at `size`, estimated from above: 0.64 of the size per
/// character for sans-serif (DejaVu Sans, which rsvg-convert uses on Debian, averages less;
/// its widest capitals and digits reach it), 0.7 bold, 0.61 monospace.
func textWidth(_ text: String, size: Double, weight: String = "normal", family: String = "sans-serif") -> Double {
    let perCharacter = family == "monospace" ? 0.61 : weight == "bold" ? 0.7 : 0.64
    return Double(text.count) * size * perCharacter
}

/// A round step near `value`: 1, 2, 2.5 or 5 times a power of ten, at or above it.
func niceStep(_ value: Double) -> Double {
    guard value > 0 else { return 1 }
    let power = pow(10, floor(log10(value)))
    return [1.0, 2, 2.5, 5, 10].map { $0 * power }.first { $0 >= value } ?? 10 * power
}

extension Sequence where Element: Hashable {
    /// The elements in order, each once.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}

/// A minimal SVG writer: the shapes the chart uses, text escaped for XML. It keeps each text's
/// box and each stage's colours, so a test can check that no two labels overlap and that a
/// stage has one colour.
struct SVG {
    private var body: [String] = []
    /// Each text drawn, with its box (estimated by `textWidth`, height the font size).
    private(set) var texts: [(text: String, box: Box)] = []
    /// Each stage's bar, line and marker colours, in the order drawn.
    private(set) var stageColors: [(stage: String, color: String)] = []

    struct Box {
        let left, top, right, bottom: Double
        func intersects(_ other: Box) -> Bool {
            left < other.right && other.left < right && top < other.bottom && other.top < bottom
        }
    }

    /// `halo`: a white outline under the letters, so a line passing behind leaves them legible.
    mutating func text(_ text: String, x: Double, y: Double, size: Double, weight: String = "normal", color: String = "#000",
                       anchor: String = "start", family: String = "sans-serif", halo: Bool = false, tooltip: String? = nil) {
        let width = textWidth(text, size: size, weight: weight, family: family)
        let left = anchor == "end" ? x - width : anchor == "middle" ? x - width / 2 : x
        // The baseline is at y: capitals rise about 0.75 of the size, descenders drop about 0.22.
        texts.append((text, Box(left: left, top: y - 0.78 * size, right: left + width, bottom: y + 0.22 * size)))
        let outline = halo ? " stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\"" : ""
        body.append("<text x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"\(f(size))\" font-weight=\"\(weight)\" fill=\"\(color)\" "
                    + "text-anchor=\"\(anchor)\" font-family=\"\(family)\"\(outline)>\(title(tooltip))\(escape(text))</text>")
    }

    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, color: String, dash: Bool = false) {
        body.append("<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" stroke=\"\(color)\" stroke-width=\"\(dash ? 1.5 : 1)\""
                    + (dash ? " stroke-dasharray=\"5,3\"" : "") + "/>")
    }

    mutating func rect(x: Double, y: Double, width: Double, height: Double, color: String, stage: String, tooltip: String) {
        stageColors.append((stage, color))
        body.append("<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"\(color)\">\(title(tooltip))</rect>")
    }

    mutating func polyline(_ points: [(Double, Double)], color: String, stage: String, tooltip: String) {
        stageColors.append((stage, color))
        let list = points.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ")
        body.append("<polyline points=\"\(list)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\">\(title(tooltip))</polyline>")
    }

    /// A point of a line: a circle, square, triangle or diamond (by `shape`, cycling), so lines
    /// that lie on top of each other stay apart.
    mutating func marker(_ shape: Int, x: Double, y: Double, color: String, stage: String, tooltip: String) {
        stageColors.append((stage, color))
        let r = 4.0
        let points: [(Double, Double)]
        switch shape % 4 {
        case 0:
            body.append("<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"\(f(r - 0.5))\" fill=\"\(color)\">\(title(tooltip))</circle>")
            return
        case 1: points = [(x - r, y - r), (x + r, y - r), (x + r, y + r), (x - r, y + r)]
        case 2: points = [(x, y - r - 1), (x + r + 1, y + r), (x - r - 1, y + r)]
        default: points = [(x, y - r - 1), (x + r + 1, y), (x, y + r + 1), (x - r - 1, y)]
        }
        let list = points.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ")
        body.append("<polygon points=\"\(list)\" fill=\"\(color)\">\(title(tooltip))</polygon>")
    }

    /// The whole file: white background, then every shape in the order drawn.
    func document(width: Double, height: Double) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))">
        <rect width="100%" height="100%" fill="#fff"/>
        \(body.joined(separator: "\n"))
        </svg>

        """
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }
    private func title(_ tooltip: String?) -> String { tooltip.map { "<title>\(escape($0))</title>" } ?? "" }
    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
