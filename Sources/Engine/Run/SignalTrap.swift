import Foundation

/// SIGINT/SIGTERM handling for the duration of a run. The default handlers are replaced by `SIG_IGN` and the
/// signals are delivered through Dispatch sources, so the handlers run as ordinary code (not in signal context):
/// the first signal calls `onFirst` (stop gracefully), any later one calls `onSecond` (exit now).
final class SignalTrap: @unchecked Sendable {
    // @unchecked Sendable: `count` is only touched on `queue`; `sources` only in init/uninstall.
    private static let signals: [Int32] = [SIGINT, SIGTERM]
    private let queue = DispatchQueue(label: "lema.signals")
    private var sources: [any DispatchSourceSignal] = []
    private var count = 0

    init(onFirst: @escaping @Sendable (Int32) -> Void, onSecond: @escaping @Sendable (Int32) -> Void) {
        for number in Self.signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [unowned self] in
                count += 1
                if count == 1 { onFirst(number) } else { onSecond(number) }
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Restores the default handlers.
    func uninstall() {
        for source in sources { source.cancel() }
        sources.removeAll()
        for number in Self.signals { signal(number, SIG_DFL) }
    }
}
