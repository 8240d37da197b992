import Foundation

/// `speedup --chart FILE`: the run's rows drawn as one SVG file, with no library and no script,
/// so it opens in any browser and shows on GitHub.
///
/// Two views of the same rows:
/// 1. GFLOP/s per stage, one panel per product, on a log scale: the loops and the BLAS are a
///    thousand times apart, and a linear axis would flatten every stage before 4 to nothing.
///    The dashed line is one core's measured peak.
/// 2. GFLOP/s against the size n of the square products, for the stages that reach at least
///    5% of one core's peak, on a linear scale with the peak (× threads) as a line: how close to
///    the roof each one gets, and where it falls off.
///
/// - Parameter command: the command line that produced the rows, printed under the title.
public func renderChart(_ rows: [Row], context: RunContext, command: String) -> String {
    var svg = SVG()
    let width = 1000.0
    var y = 0.0

    svg.text("Matrix multiplication in Swift: GFLOP/s of each stage", x: 20, y: 32, size: 20, weight: "bold")
    svg.text("\(context.cpu), \(context.cores) cores; \(context.date); \(context.build)", x: 20, y: 54, size: 12, color: "#444")
    y = 72
    for line in wrap("made by: \(command)", width: 130) {
        svg.text(line, x: 20, y: y, size: 12, color: "#444", family: "monospace")
        y += 15
    }
    y += 10

    // View 1: one panel per product, two panels a row.
    let products = orderedProducts(rows)
    let panelWidth = (width - 60) / 2
    let rowHeight = 17.0
    let allGFLOPS = rows.compactMap(\.gflops).filter { $0 > 0 } + [context.peakGFLOPSPerCore]
    let decades = (low: floor(log10(allGFLOPS.min() ?? 0.1)), high: ceil(log10(allGFLOPS.max() ?? 100)))
    svg.text("1. GFLOP/s per stage, log scale (dashed: one core's measured peak, \(fixed(context.peakGFLOPSPerCore, 1)) GFLOP/s)",
             x: 20, y: y, size: 15, weight: "bold")
    y += 14
    var column = 0
    var rowTop = y
    var tallest = 0.0
    for product in products {
        let x = 20 + Double(column) * (panelWidth + 20)
        let height = stagePanel(&svg, title: product.title, rows: product.rows, x: x, y: rowTop, width: panelWidth,
                                rowHeight: rowHeight, decades: decades, peak: context.peakGFLOPSPerCore)
        tallest = max(tallest, height)
        column += 1
        if column == 2 {
            column = 0
            rowTop += tallest + 16
            tallest = 0
        }
    }
    y = rowTop + tallest + 24

    // View 2: GFLOP/s against n for the fast stages.
    svg.text("2. GFLOP/s against size n (n×n · n×n), the stages that reach 5% of one core's peak", x: 20, y: y, size: 15, weight: "bold")
    y += 14
    y += sizePanel(&svg, rows: rows, x: 20, y: y, width: width - 40, height: 340, context: context)

    return svg.document(width: width, height: y + 20)
}

/// The rows grouped by product, in the order the run met them.
private func orderedProducts(_ rows: [Row]) -> [(title: String, rows: [Row])] {
    var order: [String] = []
    var groups: [String: [Row]] = [:]
    for row in rows {
        let key = "\(row.workload) · \(row.shape)"
        if groups[key] == nil { order.append(key) }
        groups[key, default: []].append(row)
    }
    return order.map { ($0, groups[$0]!) }
}

/// Stage colours: one per stage number, the same in every panel; your kernel stands out in black.
private func stageColor(_ stage: String) -> String {
    if stage == "you" { return "#000000" }
    let palette = ["#9e9e9e", "#8c564b", "#ff7f0e", "#2ca02c", "#1f77b4", "#d62728", "#9467bd"]
    let number = Int(stage.prefix { $0.isNumber }) ?? 0
    return palette[min(number, palette.count - 1)]
}

/// One product's horizontal bars; returns the panel's height.
private func stagePanel(_ svg: inout SVG, title: String, rows: [Row], x: Double, y: Double, width: Double,
                        rowHeight: Double, decades: (low: Double, high: Double), peak: Double) -> Double {
    let labelWidth = 160.0, valueWidth = 56.0
    let barLeft = x + labelWidth, barWidth = width - labelWidth - valueWidth
    let top = y + 22
    let bottom = top + Double(rows.count) * rowHeight
    func position(_ gflops: Double) -> Double {
        barLeft + (log10(gflops) - decades.low) / max(1, decades.high - decades.low) * barWidth
    }
    svg.text(title, x: x, y: y + 12, size: 13, weight: "bold")
    // Decade grid and labels.
    var decade = decades.low
    while decade <= decades.high {
        let gx = position(pow(10, decade))
        svg.line(x1: gx, y1: top - 2, x2: gx, y2: bottom, color: "#ddd")
        svg.text(decadeLabel(decade), x: gx, y: bottom + 12, size: 10, color: "#666", anchor: "middle")
        decade += 1
    }
    let peakX = position(peak)
    svg.line(x1: peakX, y1: top - 4, x2: peakX, y2: bottom, color: "#d62728", dash: true)
    for (index, row) in rows.enumerated() {
        let rowY = top + Double(index) * rowHeight
        // ".cl" in the id already says OpenCL.
        let label = "\(row.stage) \(row.name.replacingOccurrences(of: " (OpenCL)", with: ""))"
        svg.text(label, x: barLeft - 6, y: rowY + rowHeight * 0.7, size: 11, anchor: "end")
        if let gflops = row.gflops, gflops > 0 {
            let end = max(barLeft + 1, position(gflops))
            svg.rect(x: barLeft, y: rowY + 2, width: end - barLeft, height: rowHeight - 4, color: stageColor(row.stage),
                     tooltip: "\(label): \(fixed(gflops, 2)) GFLOP/s, \(milliseconds(row.medianMs ?? 0)) ms")
            svg.text(gflops < 10 ? fixed(gflops, 2) : fixed(gflops, 1), x: end + 4, y: rowY + rowHeight * 0.7, size: 10)
        } else {
            let reason = row.note.hasPrefix("skipped: ") ? String(row.note.dropFirst(9)) : row.note
            let short = reason.count > 44 ? String(reason.prefix(43)) + "…" : reason
            svg.text("skipped: \(short)", x: barLeft + 4, y: rowY + rowHeight * 0.7, size: 10, color: "#888",
                     tooltip: row.note)
        }
    }
    return bottom + 16 - y
}

/// "0.01", "0.1", "1", "10", "100", "1000".
private func decadeLabel(_ decade: Double) -> String {
    decade < 0 ? String(format: "%.\(Int(-decade))f", pow(10, decade)) : String(Int(pow(10, decade)))
}

/// GFLOP/s against n for the square products; returns the panel's height.
private func sizePanel(_ svg: inout SVG, rows: [Row], x: Double, y: Double, width: Double, height: Double,
                       context: RunContext) -> Double {
    // Square products only: their shapeID is "NxNxN".
    let square = rows.filter { row in
        let parts = row.shapeID.split(separator: "x")
        return parts.count == 3 && parts[0] == parts[1] && parts[1] == parts[2] && row.gflops != nil
    }
    let sizes = Set(square.compactMap { Int($0.shapeID.split(separator: "x")[0]) }).sorted()
    guard !sizes.isEmpty else {
        svg.text("This run has no square products: add --size N (or run the default workloads) to draw this view.",
                 x: x, y: y + 20, size: 12, color: "#666")
        return 40
    }
    // The fast stages: each stage that reaches 5% of one core's peak on some size. Stage 4's steps
    // 4a–4c (the way to 4, in view 1) and the +copies rows (the same kernel again) are left out.
    var lines: [(stage: String, label: String, points: [(n: Int, gflops: Double)])] = []
    let steps: Set<String> = ["4a", "4b", "4c"]
    for stage in square.map(\.stage).uniqued() where !steps.contains(stage) && !stage.hasSuffix("+copies") {
        let points = square.filter { $0.stage == stage }
            .map { (n: Int($0.shapeID.split(separator: "x")[0])!, gflops: $0.gflops!) }
            .sorted { $0.n < $1.n }
        guard let best = points.map(\.gflops).max(), best >= 0.05 * context.peakGFLOPSPerCore else { continue }
        let row = square.first { $0.stage == stage }!
        lines.append((stage, "\(stage) \(row.name.replacingOccurrences(of: " (OpenCL)", with: ""))" + (row.threads > 1 ? " (\(row.threads) threads)" : ""), points))
    }
    let threads = square.filter { row in lines.contains { $0.stage == row.stage } }.map(\.threads).max() ?? 1
    let roof = context.peakGFLOPSPerCore * Double(threads)
    let highest = max(roof, lines.flatMap { $0.points.map(\.gflops) }.max() ?? roof) * 1.08
    let step = niceStep(highest / 5)
    let yMax = (highest / step).rounded(.up) * step

    let left = x + 50, right = x + width - 250, top = y + 24, bottom = y + height - 30
    func px(_ n: Int) -> Double {
        sizes.count == 1 ? (left + right) / 2
            : left + (log2(Double(n)) - log2(Double(sizes.first!))) / (log2(Double(sizes.last!)) - log2(Double(sizes.first!))) * (right - left)
    }
    func py(_ gflops: Double) -> Double { bottom - gflops / yMax * (bottom - top) }

    // Axes, grid, ticks.
    for tick in 0...Int((yMax / step).rounded()) {
        let value = Double(tick) * step
        svg.line(x1: left, y1: py(value), x2: right, y2: py(value), color: "#e5e5e5")
        svg.text(fixed(value, value < 10 ? 1 : 0), x: left - 6, y: py(value) + 4, size: 10, color: "#666", anchor: "end")
    }
    for n in sizes {
        svg.line(x1: px(n), y1: top, x2: px(n), y2: bottom, color: "#f0f0f0")
        svg.text("n = \(n)", x: px(n), y: bottom + 16, size: 11, color: "#444", anchor: "middle")
    }
    svg.line(x1: left, y1: bottom, x2: right, y2: bottom, color: "#999")
    svg.text("GFLOP/s", x: left - 44, y: top - 12, size: 11, color: "#444")

    // The roof: this CPU's measured peak, times the threads the fastest rows used.
    svg.line(x1: left, y1: py(roof), x2: right, y2: py(roof), color: "#d62728", dash: true)
    svg.text("peak\(threads > 1 ? " × \(threads) cores" : ", one core"): \(fixed(roof, 1))", x: right + 6, y: py(roof) + 4,
             size: 11, color: "#d62728")

    let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#000000"]
    var labelYs: [Double] = [py(roof)]
    for (index, line) in lines.enumerated() {
        let color = line.stage == "you" ? "#000000" : palette[index % palette.count]
        let points = line.points.map { (px($0.n), py($0.gflops)) }
        svg.polyline(points, color: color, tooltip: line.label)
        for (point, value) in zip(points, line.points) {
            svg.circle(x: point.0, y: point.1, color: color, tooltip: "\(line.label), n = \(value.n): \(fixed(value.gflops, 1)) GFLOP/s")
        }
        // Label at the line's right end, nudged so labels do not overlap.
        // Nudged up or down, whichever is nearer, until it clears the labels already placed.
        let wanted = points.last!.1 + 4
        var labelY = wanted
        for offset in stride(from: 0.0, through: 240, by: 6) {
            if let free = [wanted - offset, wanted + offset].first(where: { y in !labelYs.contains { abs($0 - y) < 12 } }) {
                labelY = free
                break
            }
        }
        labelYs.append(labelY)
        svg.text("\(line.label): \(fixed(line.points.last!.gflops, 1))", x: right + 6, y: labelY, size: 11, color: color)
    }
    return height
}

/// A round step near `value`: 1, 2, 2.5 or 5 times a power of ten, at or above it.
func niceStep(_ value: Double) -> Double {
    guard value > 0 else { return 1 }
    let power = pow(10, floor(log10(value)))
    return [1.0, 2, 2.5, 5, 10].map { $0 * power }.first { $0 >= value } ?? 10 * power
}

/// `text` broken at spaces into lines of at most `width` characters (a longer word gets its own line).
func wrap(_ text: String, width: Int) -> [String] {
    var lines: [String] = []
    var current = ""
    for word in text.split(separator: " ") {
        if !current.isEmpty, current.count + 1 + word.count > width {
            lines.append(current)
            current = "    "
        }
        current += (current.isEmpty || current == "    " ? "" : " ") + word
    }
    if !current.isEmpty { lines.append(current) }
    return lines
}

extension Sequence where Element: Hashable {
    /// The elements in order, each once.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}

/// A minimal SVG writer: the shapes the chart uses, text escaped for XML.
struct SVG {
    private var body: [String] = []

    mutating func text(_ text: String, x: Double, y: Double, size: Double, weight: String = "normal", color: String = "#000",
                       anchor: String = "start", family: String = "sans-serif", tooltip: String? = nil) {
        body.append("<text x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"\(f(size))\" font-weight=\"\(weight)\" fill=\"\(color)\" "
                    + "text-anchor=\"\(anchor)\" font-family=\"\(family)\">\(title(tooltip))\(escape(text))</text>")
    }

    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, color: String, dash: Bool = false) {
        body.append("<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" stroke=\"\(color)\" stroke-width=\"\(dash ? 1.5 : 1)\""
                    + (dash ? " stroke-dasharray=\"5,3\"" : "") + "/>")
    }

    mutating func rect(x: Double, y: Double, width: Double, height: Double, color: String, tooltip: String) {
        body.append("<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"\(color)\">\(title(tooltip))</rect>")
    }

    mutating func polyline(_ points: [(Double, Double)], color: String, tooltip: String) {
        let list = points.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ")
        body.append("<polyline points=\"\(list)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\">\(title(tooltip))</polyline>")
    }

    mutating func circle(x: Double, y: Double, color: String, tooltip: String) {
        body.append("<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"3.5\" fill=\"\(color)\">\(title(tooltip))</circle>")
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
