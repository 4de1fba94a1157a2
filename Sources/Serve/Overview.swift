// Module Serve: `lema serve` — an in-process tiny-GPT checkpoint behind the OpenAI-compatible HTTP API
// (Hummingbird), bound to 127.0.0.1 by default.
