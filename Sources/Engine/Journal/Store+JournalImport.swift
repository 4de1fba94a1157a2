import Foundation
import StageAPI

/// How a node's run ended, as its journal says.
public enum JournalEnding: Sendable, Hashable {
    /// The stage returned this outcome.
    case succeeded(StageOutcome)
    /// The stage threw: `retryable` tells whether another attempt may succeed.
    case failed(message: String, retryable: Bool)
}

extension Store {
    /// Imports a node's journal from byte `offset` into the store — items, metrics, events, checkpoints and progress
    /// go where a local run would have put them — and returns the offset to continue from and the ending, when the
    /// journal has one. Importing again from an earlier offset (after a controller restart) is harmless: the first
    /// payload of an item wins, metrics and checkpoints are keyed by step; only events may show twice.
    public func importJournal(_ url: URL, node: String, from offset: Int) throws -> (next: Int, ending: JournalEnding?) {
        let (records, next) = try JournalReader.read(url, from: offset)
        var ending: JournalEnding?
        for record in records {
            switch record {
            case .item(let key, let payload): try recordItem(node, key: key, payload: payload)
            case .metric(let name, let step, let value): recordMetric(node, name: name, step: step, value: value)
            case .event(let kind, let message): appendEvent(node: node, kind: kind, message: message)
            case .checkpoint(let step, let file): try recordCheckpoint(node, step: step, file: file)
            case .progress(let done, let total, let note): setProgress(node, done: done, total: total, note: note)
            case .response(let key, let endpoint, let model, let response):
                try storeResponse(response, key: key, node: node, endpoint: endpoint, model: model)
            case .outcome(let outcome): ending = .succeeded(outcome)
            case .failure(let message, let retryable): ending = .failed(message: message, retryable: retryable)
            }
        }
        try flush()
        return (next, ending)
    }
}
