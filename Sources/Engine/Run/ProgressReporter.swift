import Foundation

/// Live progress of a run. On a terminal: a block of lines redrawn a few times a second, one per running node
/// (bar, items/s, ETA) plus a totals line; otherwise plain log lines on start/finish and every few seconds for long
/// nodes. Output is buffered and written on a timer so that ten thousand tiny nodes cost a handful of writes.
final class ProgressReporter: @unchecked Sendable {
    private struct Running {
        var label: String
        var startedAt: Date
        var done = 0
        var total: Int?
        var note: String?
        /// First progress report, for the items/s rate.
        var firstReport: (at: Date, done: Int)?
        var lastPlainLine: Date
    }

    private let tty: Bool
    private let quiet: Bool
    private let output: @Sendable (String) -> Void
    private let totalToRun: Int
    private let lock = NSLock()
    private var running: [String: Running] = [:]
    private var order: [String] = []
    private var pending = ""
    private var drawnLines = 0
    private var finished = 0
    private var timer: DispatchSourceTimer?
    private let plainInterval: TimeInterval = 5

    init(mode: ProgressMode, totalToRun: Int, output: (@Sendable (String) -> Void)?) {
        let isTTY = isatty(STDERR_FILENO) == 1 && output == nil
        switch mode {
        case .auto: tty = isTTY; quiet = false
        case .tty: tty = true; quiet = false
        case .plain: tty = false; quiet = false
        case .quiet: tty = false; quiet = true
        }
        self.output = output ?? { text in FileHandle.standardError.write(Data(text.utf8)) }
        self.totalToRun = totalToRun
    }

    /// False in quiet mode: callers may skip building labels.
    var isActive: Bool { !quiet }

    func start() {
        guard !quiet else { return }
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
        let interval: DispatchTimeInterval = tty ? .milliseconds(200) : .milliseconds(500)
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [weak self] in self?.tick() }
        timer.resume()
        lock.lock()
        self.timer = timer
        lock.unlock()
    }

    /// Stops the timer and writes everything still buffered, leaving no live block behind.
    func stop() {
        guard !quiet else { return }
        lock.lock()
        timer?.cancel()
        timer = nil
        var text = eraseBlock()
        text += pending
        pending = ""
        lock.unlock()
        if !text.isEmpty { output(text) }
    }

    func nodeStarted(nodeID: String, label: String, reason: String) {
        guard !quiet else { return }
        let now = Date()
        lock.lock()
        running[nodeID] = Running(label: label, startedAt: now, lastPlainLine: now)
        order.append(nodeID)
        if !tty { pending += "[\(Self.clock(now))] start  \(label) (\(reason))\n" }
        lock.unlock()
    }

    func nodeFinished(nodeID: String, status: String, detail: String?) {
        guard !quiet else { return }
        let now = Date()
        lock.lock()
        let state = running.removeValue(forKey: nodeID)
        if let index = order.firstIndex(of: nodeID) { order.remove(at: index) }
        finished += 1
        let label = state?.label ?? nodeID
        let seconds = state.map { now.timeIntervalSince($0.startedAt) } ?? 0
        let line = "[\(Self.clock(now))] \(status.padding(toLength: 6, withPad: " ", startingAt: 0)) \(label) "
            + "(\(Self.duration(seconds)))" + (detail.map { ": \($0)" } ?? "") + "\n"
        // On a terminal only slow or unsuccessful nodes leave a line; the totals line covers the rest.
        if !tty || status != "done" || seconds >= 1 { pending += line }
        lock.unlock()
    }

    func update(nodeID: String, done: Int, total: Int?, note: String?) {
        guard !quiet else { return }
        lock.lock()
        if var state = running[nodeID] {
            if state.firstReport == nil { state.firstReport = (Date(), done) }
            state.done = done
            state.total = total
            if let note { state.note = note }
            running[nodeID] = state
        }
        lock.unlock()
    }

    func log(_ line: String) {
        guard !quiet else { return }
        lock.lock()
        pending += "[\(Self.clock(Date()))] \(line)\n"
        lock.unlock()
    }

    private func tick() {
        lock.lock()
        var text = ""
        let now = Date()
        if tty {
            text += eraseBlock()
            text += pending
            pending = ""
            let block = renderBlock(now: now)
            drawnLines = block.count
            text += block.map { $0 + "\n" }.joined()
        } else {
            for id in order {
                guard var state = running[id], now.timeIntervalSince(state.lastPlainLine) >= plainInterval else { continue }
                state.lastPlainLine = now
                running[id] = state
                pending += "[\(Self.clock(now))] ...    \(Self.describe(state, now: now, barWidth: 0))\n"
            }
            text = pending
            pending = ""
        }
        lock.unlock()
        if !text.isEmpty { output(text) }
    }

    /// ANSI sequences that remove the block drawn last time. Caller holds the lock.
    private func eraseBlock() -> String {
        guard tty, drawnLines > 0 else { return "" }
        let text = String(repeating: "\u{1B}[1A\u{1B}[2K", count: drawnLines)
        drawnLines = 0
        return text
    }

    /// Caller holds the lock.
    private func renderBlock(now: Date) -> [String] {
        let shown = order.prefix(12)
        var lines = shown.compactMap { id in running[id].map { "  " + Self.describe($0, now: now, barWidth: 20) } }
        if order.count > shown.count { lines.append("  … and \(order.count - shown.count) more running") }
        lines.append("  \(finished)/\(totalToRun) nodes finished, \(order.count) running")
        return lines
    }

    private static func describe(_ state: Running, now: Date, barWidth: Int) -> String {
        var parts = [state.label]
        if let total = state.total, total > 0 {
            let fraction = min(1, Double(state.done) / Double(total))
            if barWidth > 0 {
                let filled = Int(fraction * Double(barWidth))
                parts.append("[" + String(repeating: "#", count: filled)
                    + String(repeating: ".", count: barWidth - filled) + "]")
            }
            parts.append(String(format: "%3.0f%% %d/%d", fraction * 100, state.done, total))
        } else if state.done > 0 {
            parts.append("\(state.done) items")
        }
        if let first = state.firstReport, now.timeIntervalSince(first.at) > 0.5, state.done > first.done {
            let rate = Double(state.done - first.done) / now.timeIntervalSince(first.at)
            parts.append(String(format: "%.1f it/s", rate))
            if let total = state.total, rate > 0 {
                parts.append("ETA " + duration(Double(max(0, total - state.done)) / rate))
            }
        }
        parts.append(duration(now.timeIntervalSince(state.startedAt)))
        if let note = state.note, !note.isEmpty { parts.append(note) }
        return parts.joined(separator: "  ")
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 10 { return String(format: "%.2fs", seconds) }
        let s = Int(seconds.rounded())
        return s < 3600 ? String(format: "%d:%02d", s / 60, s % 60) : String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
    }

    private static func clock(_ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970)
        var parts = tm()
        localtime_r(&t, &parts)
        return String(format: "%02d:%02d:%02d", parts.tm_hour, parts.tm_min, parts.tm_sec)
    }
}
