import Foundation
import Hummingbird
import LemaCore
import NIOCore

/// The routes: the page and its assets, the JSON API and the event stream.
extension RunViewServer {
    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.get("/") { _, _ in Self.text(PageAssets.html, type: "text/html; charset=utf-8") }
        router.get("/app.js") { _, _ in Self.text(PageAssets.script, type: "text/javascript; charset=utf-8") }
        router.get("/app.css") { _, _ in Self.text(PageAssets.style, type: "text/css; charset=utf-8") }
        router.get("/favicon.svg") { _, _ in Self.text(PageAssets.favicon, type: "image/svg+xml") }
        router.get("/api/graph") { _, _ in Self.json(self.live.graphJSON) }
        router.get("/api/nodes") { _, _ in Self.json(self.live.nodesJSON()) }
        router.get("/api/snapshot") { _, _ in Self.json(self.live.snapshotJSON()) }
        router.get("/api/node/:node") { _, context in
            let key = context.parameters.get("node") ?? ""
            guard let document = try self.details.node(key) else {
                return Self.json(JSONValue.object(["error": .string("no node '\(key)' in this graph")]).canonicalText,
                                 status: .notFound)
            }
            return Self.json(document.canonicalText)
        }
        router.get("/api/sweep") { _, _ in Self.json(try self.details.sweep().canonicalText) }
        router.get("/api/events") { request, _ in
            let after = request.uri.queryParameters.get("after").flatMap { Int64($0) } ?? 0
            let limit = min(request.uri.queryParameters.get("limit").flatMap { Int($0) } ?? 1000, 10_000)
            let events = try self.live.storeReader()?.events(afterID: after, limit: max(1, limit)) ?? []
            return Self.json(JSONValue.array(events.map { RunDocuments.event($0, index: self.live.index) }).canonicalText)
        }
        router.get("/api/metrics") { request, _ in
            let since = request.uri.queryParameters.get("since").flatMap { Double($0) } ?? 0
            guard let reader = self.live.storeReader() else {
                return Self.json(#"{"cursor":0,"points":[]}"#)
            }
            let (points, cursor) = try reader.metrics(recordedSince: since)
            let documents: [JSONValue] = points.compactMap { point in
                self.live.index[point.node].map { RunDocuments.metric(point, position: $0) }
            }
            return Self.json(JSONValue.object(["cursor": .double(cursor), "points": .array(documents)]).canonicalText)
        }
        router.get("/api/stream") { _, _ in self.eventStream() }
        return router
    }

    /// `text/event-stream`: the snapshot, then every delta (and `LiveRun`'s keep-alive comments).
    private func eventStream() -> Response {
        let stream = live.subscribe()
        let body = ResponseBody { writer in
            for await text in stream {
                try await writer.write(ByteBuffer(string: text))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                        body: body)
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        self.text(text, type: "application/json", status: status)
    }

    static func text(_ text: String, type: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status,
                 headers: [.contentType: type, .cacheControl: "no-store", .init("X-Content-Type-Options")!: "nosniff"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
