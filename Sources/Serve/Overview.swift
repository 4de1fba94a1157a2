// Module Serve: `lema serve` — an in-process tiny-GPT checkpoint behind the OpenAI-compatible HTTP API
// (Hummingbird), bound to 127.0.0.1 by default.
//
// Where things are:
// - ModelServer.swift         the server: start (port 0 → any free port) / stop / waitUntilStopped, and the
//                             semantics clients can rely on (choice order, row seeds, truncation, stop, chat)
// - ModelServer+Routes.swift  POST /v1/completions, POST /v1/chat/completions, GET /v1/models, GET /health
// - ModelServer+Streaming.swift  `"stream": true`: server-sent events (StreamedAnswer builds the chunks)
// - StreamedText.swift        how much of a streamed choice may be sent (stop strings held back)
// - GenerationStream.swift    tokens from the generation thread to a streamed request, and its client leaving
// - RequestParsing.swift      lenient-but-strict request decoding with errors naming the field; ChatRendering
// - GenerationQueue.swift     micro-batching on one dedicated generation thread (never the event loops)
// - ServedModel.swift         loading a weights file or training checkpoint; default model names
// - ServeError.swift          APIError (→ ErrorResponseBody JSON), ServeError (startup), the JSON error middleware
//
// Text ↔ tokens is TinyGPT's `TextCompleter`, shared with the in-process stages: the same checkpoint and greedy
// decoding give the same text in-process and over HTTP.
