/// A plain-text table with left-aligned columns, for terminal output.
struct TextTable {
    var header: [String]
    var rows: [[String]] = []

    init(_ header: [String]) { self.header = header }

    mutating func add(_ row: [String]) { rows.append(row) }

    func render() -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            var out = ""
            for (i, cell) in cells.enumerated() {
                let isLast = i == cells.count - 1
                out += isLast ? cell : cell.padding(toLength: widths[i] + 2, withPad: " ", startingAt: 0)
            }
            return out
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}

/// Formats seconds as `4.2s`, `3m05s` or `2h14m`.
func formatDuration(_ seconds: Double) -> String {
    if seconds < 60 { return String(format: "%.1fs", seconds) }
    let s = Int(seconds.rounded())
    if s < 3600 { return String(format: "%dm%02ds", s / 60, s % 60) }
    return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60)
}

import Foundation
