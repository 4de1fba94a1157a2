import Foundation

/// How `ModelServer` listens and batches.
public struct ServeConfiguration: Sendable {
    /// Address to bind; the loopback interface by default so a model is never exposed by accident.
    public var host: String = "127.0.0.1"
    /// Port to bind; 0 = any free port (read the bound one from `ModelServer.start()`).
    public var port: Int = 8080
    /// Cores the generation thread's kernels use.
    public var threads: Int = 1
    /// Rows generated together at most (requests are gathered up to this many rows).
    public var batchRows: Int = 8
    /// How long the first request of a batch waits for company.
    public var batchWait: TimeInterval = 0.005
    /// Larger request bodies get 413.
    public var maxBodyBytes: Int = 1 << 20
    /// `n` at most.
    public var maxChoices: Int = 16
    /// prompts × n at most per request.
    public var maxRowsPerRequest: Int = 64
    /// Stop strings per request at most.
    public var maxStopStrings: Int = 16
    /// Base of the seeds given to rows of requests without `seed`.
    public var seed: UInt64 = 0
    /// Called on the generation thread after each token of a streamed row; tests hold generation with it to see
    /// chunks arrive while a completion is still being generated.
    var afterStreamedToken: (@Sendable () -> Void)? = nil

    /// Defaults: loopback on port 8080, one kernel thread, up to 8 rows per batch; other limits keep their defaults.
    public init(host: String = "127.0.0.1", port: Int = 8080, threads: Int = 1, batchRows: Int = 8) {
        self.host = host
        self.port = port
        self.threads = threads
        self.batchRows = batchRows
    }
}
