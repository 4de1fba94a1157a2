import Engine
import Foundation
import LemaCore

/// What `lema ui` knows of the run, kept current by `poll()` and pushed to the pages as server-sent events.
///
/// A poll costs one `PRAGMA data_version` (and, every few polls, a look at the owner's `/proc` entry). Only when
/// the store changed does it read — by cursor, only what is new: nodes updated since the last `updated_at`, events
/// after the last id, metrics since the last `recorded_at`; the small tables (checkpoints, jobs) whole. Whatever
/// differs from what the pages were last sent becomes one `delta` event; a page that connects gets a `snapshot`
/// first, under the same lock, so it never misses a delta.
final class LiveRun: @unchecked Sendable {
    // @unchecked Sendable: every mutable field is touched only under `lock`.
    let graph: Graph
    let storePath: URL
    /// Graph position of each node id.
    let index: [String: Int]
    /// `/api/graph`, encoded once (the graph never changes while the server runs).
    let graphJSON: String
    /// Events queued for a page at most (see `send`).
    static let pageBacklog = 256
    /// Events kept for pages that connect later (the log view's tail).
    let eventsKept: Int

    private let lock = NSLock()
    private var reader: StoreReader?
    private var seq = 0
    private var lastVersion: Int64?
    private var nodeCursor: Double?
    private var metricCursor = 0.0
    private var lastEventID: Int64 = 0
    private var lastUsageRead = Date.distantPast
    private var lastOwnerRead = Date.distantPast
    private var lastSent = Date()
    /// An idle stream gets a comment this often, so a page that left is noticed (the write fails).
    let keepAlive: TimeInterval
    private var nodes: [JSONValue]
    private var records: [String: NodeRecord] = [:]
    private var events: [JSONValue] = []
    private var metrics: [String: JSONValue] = [:]
    private var checkpoints = JSONValue.object([:])
    private var jobs = JSONValue.array([])
    private var usage = JSONValue.array([])
    private var owner = JSONValue.null
    private var subscribers: [UInt64: AsyncStream<String>.Continuation] = [:]
    private var nextSubscriber: UInt64 = 0
    /// Streams of pages that fell behind, finished by `poll` once it let go of the lock.
    private var ending: [AsyncStream<String>.Continuation] = []

    init(graph: Graph, storePath: URL, eventsKept: Int = 2000, keepAlive: TimeInterval = 15) {
        self.graph = graph
        self.keepAlive = keepAlive
        self.storePath = storePath
        self.eventsKept = eventsKept
        var index: [String: Int] = [:]
        for (position, node) in graph.nodes.enumerated() { index[node.id] = position }
        self.index = index
        graphJSON = RunDocuments.graph(graph, index: index).canonicalText
        nodes = graph.nodes.indices.map { RunDocuments.node(nil, position: $0) }
    }

    /// The store's reader, opened on first need (the run may not have started when the server did).
    func storeReader() -> StoreReader? {
        lock.lock()
        defer { lock.unlock() }
        return openedReader()
    }

    private func openedReader() -> StoreReader? {
        if reader == nil, FileManager.default.fileExists(atPath: storePath.path) {
            reader = try? StoreReader(path: storePath)
        }
        return reader
    }

    /// Every node record the store holds (of this graph and earlier versions of the spec), as of the last poll.
    var nodeRecords: [String: NodeRecord] {
        lock.lock()
        defer { lock.unlock() }
        return records
    }

    /// Reads what changed since the last poll and sends it to every page as one `delta` event. Returns the
    /// event's text (nil when nothing changed).
    @discardableResult
    func poll(now: Date = Date()) throws -> String? {
        lock.lock()
        let result = Result { try pollLocked(now: now) }
        let ended = ending
        ending = []
        lock.unlock()
        // Outside the lock: finishing a stream runs its termination handler, which takes the lock.
        for continuation in ended { continuation.finish() }
        return try result.get()
    }

    private func pollLocked(now: Date) throws -> String? {
        guard let reader = openedReader() else { return nil }
        var delta: [String: JSONValue] = [:]
        let version = try reader.dataVersion()
        let changed = version != lastVersion
        if changed {
            lastVersion = version
            try readChanges(reader, now: now, into: &delta)
        }
        // The owner's row changes with a commit; its death does not: look at its process now and then too.
        if changed || now.timeIntervalSince(lastOwnerRead) >= 0.2 {
            lastOwnerRead = now
            let current = RunDocuments.owner(try reader.owner())
            if current != owner {
                owner = current
                delta["owner"] = current
            }
        }
        guard !delta.isEmpty else {
            if now.timeIntervalSince(lastSent) >= keepAlive {
                lastSent = now
                for continuation in subscribers.values { send(": keep-alive\n\n", to: continuation) }
            }
            return nil
        }
        lastSent = now
        seq += 1
        delta["seq"] = .int(Int64(seq))
        let text = Self.sse(event: "delta", id: seq, data: JSONValue.object(delta).canonicalText)
        for continuation in subscribers.values { send(text, to: continuation) }
        return text
    }

    private func readChanges(_ reader: StoreReader, now: Date, into delta: inout [String: JSONValue]) throws {
        let (changed, cursor) = try reader.nodes(updatedSince: nodeCursor)
        nodeCursor = cursor
        var changedNodes: [JSONValue] = []
        for record in changed {
            records[record.id] = record
            guard let position = index[record.id] else { continue }
            let document = RunDocuments.node(record, position: position)
            if document != nodes[position] {
                nodes[position] = document
                changedNodes.append(document)
            }
        }
        if !changedNodes.isEmpty { delta["nodes"] = .array(changedNodes) }

        let newEvents = try reader.events(afterID: lastEventID).map { event -> JSONValue in
            lastEventID = max(lastEventID, event.id)
            return RunDocuments.event(event, index: index)
        }
        if !newEvents.isEmpty {
            events.append(contentsOf: newEvents)
            if events.count > eventsKept { events.removeFirst(events.count - eventsKept) }
            delta["events"] = .array(newEvents)
        }

        let (points, nextMetricCursor) = try reader.metrics(recordedSince: metricCursor)
        metricCursor = nextMetricCursor
        var newPoints: [JSONValue] = []
        for point in points {
            guard let position = index[point.node] else { continue }
            let key = "\(position)|\(point.point.name)|\(point.point.step)"
            let document = RunDocuments.metric(point, position: position)
            if metrics[key] != document {
                metrics[key] = document
                newPoints.append(document)
            }
        }
        if !newPoints.isEmpty { delta["metrics"] = .array(newPoints) }

        var steps: [String: JSONValue] = [:]
        for (node, list) in try reader.checkpointSteps() {
            if let position = index[node] { steps[String(position)] = .array(list.map { .int(Int64($0)) }) }
        }
        if JSONValue.object(steps) != checkpoints {
            checkpoints = .object(steps)
            delta["checkpoints"] = checkpoints
        }

        let currentJobs = JSONValue.array(try reader.jobs().compactMap { job in
            index[job.node].map { RunDocuments.job(job, position: $0) }
        })
        if currentJobs != jobs {
            jobs = currentJobs
            delta["jobs"] = jobs
        }

        // Responses are counted with a GROUP BY over the whole table: at most once a second.
        if now.timeIntervalSince(lastUsageRead) >= 1 {
            lastUsageRead = now
            let current = RunDocuments.usage(try reader.responseUsage(), graph: graph, index: index)
            if current != usage {
                usage = current
                delta["usage"] = current
            }
        }
    }

    /// Queues an event for one page. A page that fell `pageBacklog` events behind has its stream ended rather than
    /// an event dropped (a lost delta would leave it wrong for good): its browser reconnects and gets a snapshot.
    private func send(_ text: String, to continuation: AsyncStream<String>.Continuation) {
        if case .dropped = continuation.yield(text) { ending.append(continuation) }
    }

    /// Everything a page needs to draw the run now, as a `snapshot` event.
    private func snapshotLocked() -> String {
        let document = JSONValue.object([
            "seq": .int(Int64(seq)), "nodes": .array(nodes), "events": .array(events),
            "metrics": .array(metrics.keys.sorted().compactMap { metrics[$0] }), "checkpoints": checkpoints,
            "jobs": jobs, "usage": usage, "owner": owner, "store": .bool(reader != nil),
        ])
        return Self.sse(event: "snapshot", id: seq, data: document.canonicalText)
    }

    /// The current state as a JSON object (the snapshot's data), for `/api/nodes` and tests.
    func snapshotJSON() -> String {
        let text = withLock { snapshotLocked() }
        return text.split(separator: "\n").first { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) } ?? "{}"
    }

    /// Live node states only (`/api/nodes`).
    func nodesJSON() -> String { withLock { JSONValue.array(nodes).canonicalText } }

    /// A stream of server-sent-event texts: the snapshot now, then every delta, until the page leaves.
    func subscribe() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingOldest(Self.pageBacklog))
        let id: UInt64 = withLock {
            let id = nextSubscriber
            nextSubscriber += 1
            continuation.yield(snapshotLocked())
            subscribers[id] = continuation
            return id
        }
        continuation.onTermination = { [weak self] _ in self?.withLock { _ = self?.subscribers.removeValue(forKey: id) } }
        return stream
    }

    /// Pages connected now.
    var subscriberCount: Int { withLock { subscribers.count } }

    /// Ends every page's stream (server shutdown).
    func finishSubscribers() {
        let all = withLock { Array(subscribers.values) }
        for continuation in all { continuation.finish() }
    }

    private func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// One server-sent event. `data` is JSON, which never contains a raw line break.
    static func sse(event: String, id: Int, data: String) -> String {
        "event: \(event)\nid: \(id)\ndata: \(data)\n\n"
    }
}
