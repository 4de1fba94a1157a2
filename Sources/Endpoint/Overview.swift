// Module Endpoint: the model backend for OpenAI-compatible HTTP endpoints (`/v1/completions`,
// `/v1/chat/completions`) — configuration, rate and concurrency limits, retries with backoff, and the request cache
// kept in the run's store (through StageAPI's `ResponseCache`).
