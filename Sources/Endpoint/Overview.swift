// Module Endpoint: the model backend for OpenAI-compatible HTTP endpoints (`/v1/completions`,
// `/v1/chat/completions`) — configuration, rate and concurrency limits, retries with backoff, and the request cache
// kept in the run's store (through StageAPI's `ResponseCache`).
//
// Files:
//   EndpointConfig(+Parse)   the `endpoint:` block: typed settings, parsing with one message per problem, and the
//                            split between result keys (base_url, model, api: fingerprinted) and operational keys.
//   EndpointCall             a call, its reply, and the client's counters (EndpointStats).
//   EndpointClient           cache lookup → RPM/TPM limiters → concurrency gate → one HTTP attempt → classify;
//   (+Retry, +Wire)          backoff with jitter, Retry-After, last-try failure; deterministic request bodies and
//                            cache keys; lenient decoding of replies.
//   EndpointClock            injectable time (tests record waits instead of waiting).
//   Limiters                 token buckets with reservations, an async counting gate.
//   EndpointError            one error type; its text names the URL and model, never the API key.
//
// Stages are synchronous Dispatch workers: they call `completeAll(_:isCancelled:)`, which runs the calls on the Swift
// concurrency pool and NIO's event loops while the worker thread waits. A call that still fails after its last
// attempt is reported in its slot; replies received before stay cached, so a retry or a resumed run sends only what
// is missing.
