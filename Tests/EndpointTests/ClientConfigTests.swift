import Foundation
import LemaCore
import Testing
@testable import Endpoint

@Suite("EndpointConfig parsing")
struct ClientConfigTests {
    private static func parse(_ json: String) throws -> Result<EndpointConfig, EndpointConfigError> {
        EndpointConfig.parse(try JSONValue.parse(Data(json.utf8)))
    }

    @Test func fullBlockParsesEveryKey() throws {
        let result = try Self.parse("""
            {"base_url": "https://api.example.com/v1/", "model": "gpt-x", "api": "chat", "api_key_env": "MY_KEY",
             "timeout": 12.5, "max_concurrent": 3, "requests_per_minute": 100, "tokens_per_minute": 0,
             "retries": 2, "backoff_base": 0.25, "backoff_max": 4,
             "price": {"prompt_per_million": 0.5, "completion_per_million": 1.5}}
            """)
        let config = try result.get()
        #expect(config == EndpointConfig(
            baseURL: "https://api.example.com/v1", model: "gpt-x", api: .chat, apiKeyEnv: "MY_KEY", timeout: 12.5,
            maxConcurrent: 3, requestsPerMinute: 100, tokensPerMinute: nil, retries: 2, backoffBase: 0.25,
            backoffMax: 4, price: .init(promptPerMillion: 0.5, completionPerMillion: 1.5)))
        #expect(config.requestURL == "https://api.example.com/v1/chat/completions")
        #expect(config.attempts == 3)
    }

    @Test func defaultsApplyToAMinimalBlock() throws {
        let config = try Self.parse(#"{"base_url": "http://127.0.0.1:8080/v1", "model": "m"}"#).get()
        #expect(config.api == .completions)
        #expect(config.apiKeyEnv == nil)
        #expect(config.timeout == 60)
        #expect(config.maxConcurrent == 8)
        #expect(config.requestsPerMinute == nil && config.tokensPerMinute == nil)
        #expect(config.retries == 6)
        #expect(config.backoffBase == 0.5 && config.backoffMax == 30)
        #expect(config.price == nil)
        #expect(config.requestURL == "http://127.0.0.1:8080/v1/completions")
    }

    @Test func resultIdentityCoversOnlyResultKeys() throws {
        let base = try Self.parse(#"{"base_url": "http://h/v1", "model": "m", "retries": 1}"#).get()
        let tuned = try Self.parse(#"{"base_url": "http://h/v1", "model": "m", "retries": 9, "timeout": 5}"#).get()
        let other = try Self.parse(#"{"base_url": "http://h/v1", "model": "m2"}"#).get()
        #expect(base.resultIdentity == tuned.resultIdentity)
        #expect(base.resultIdentity != other.resultIdentity)
        #expect(Set(base.resultIdentity.objectValue?.keys.map { $0 } ?? []) == EndpointConfig.resultKeys)
    }

    static let badBlocks: [(String, [String])] = [
        (#""http://h/v1""#, [
            "endpoint: expected an object with at least base_url and model, got \"http://h/v1\"; "
                + "write e.g. {base_url: http://127.0.0.1:8080/v1, model: my-model}",
        ]),
        ("{}", [
            "endpoint: missing `base_url`; write e.g. base_url: http://127.0.0.1:8080/v1",
            "endpoint: missing `model`; write the model name the server knows, e.g. model: my-model",
        ]),
        (#"{"base_url": "ftp://h/v1", "model": ""}"#, [
            "endpoint.base_url: expected an http:// or https:// URL, got \"ftp://h/v1\"; "
                + "write e.g. base_url: http://127.0.0.1:8080/v1",
            "endpoint.model: expected a non-empty string, got \"\"; "
                + "write the model name the server knows, e.g. model: my-model",
        ]),
        (#"{"base_url": "http://h/v1", "modle": "m"}"#, [
            "endpoint: unknown key `modle`; did you mean `model`? (known keys: base_url, model, api, api_key_env, "
                + "timeout, max_concurrent, requests_per_minute, tokens_per_minute, retries, backoff_base, "
                + "backoff_max, price)",
            "endpoint: missing `model`; write the model name the server knows, e.g. model: my-model",
        ]),
        (#"{"base_url": "http://h/v1", "model": "m", "api": "chatt", "timeout": 0, "max_concurrent": 0}"#, [
            "endpoint.api: expected completions or chat, got \"chatt\"; "
                + "write api: completions (POST /completions) or api: chat (POST /chat/completions)",
            "endpoint.timeout: expected a positive number of seconds, got 0; write e.g. timeout: 60",
            "endpoint.max_concurrent: expected an integer ≥ 1, got 0; write e.g. max_concurrent: 8",
        ]),
        (#"{"base_url": "http://h/v1", "model": "m", "requests_per_minute": -1, "retries": 1.5}"#, [
            "endpoint.requests_per_minute: expected an integer ≥ 0 (0 or null = unlimited), got -1; "
                + "write e.g. requests_per_minute: 600",
            "endpoint.retries: expected an integer ≥ 0, got 1.5; write e.g. retries: 6",
        ]),
        (#"{"base_url": "http://h/v1", "model": "m", "backoff_base": 5, "backoff_max": 1}"#, [
            "endpoint.backoff_max: expected a number ≥ backoff_base (5.0), got 1.0; "
                + "raise backoff_max or lower backoff_base",
        ]),
        (#"{"base_url": "http://h/v1", "model": "m", "price": {"prompt_per_million": "cheap"}}"#, [
            "endpoint.price.prompt_per_million: expected a number of USD ≥ 0, got \"cheap\"; write e.g. "
                + "price: {prompt_per_million: 0.5, completion_per_million: 1.5} (USD per 1M tokens)",
            "endpoint.price: missing `completion_per_million`; write e.g. "
                + "price: {prompt_per_million: 0.5, completion_per_million: 1.5} (USD per 1M tokens)",
        ]),
    ]

    @Test(arguments: badBlocks)
    func badBlocksReportEveryProblem(json: String, expected: [String]) throws {
        switch try Self.parse(json) {
        case .success(let config):
            Issue.record("expected problems, parsed \(config)")
        case .failure(let error):
            #expect(error.problems == expected)
            #expect(error.description == expected.joined(separator: "\n"))
        }
    }

    @Test func aKeyPastedIntoApiKeyEnvIsNeverEchoed() throws {
        let key = "sk-live-9f8e7d6c5b4a"
        let result = try Self.parse(#"{"base_url": "http://h/v1", "model": "m", "api_key_env": "\#(key)"}"#)
        guard case .failure(let error) = result else {
            Issue.record("a key is not a variable name")
            return
        }
        #expect(error.problems == [
            "endpoint.api_key_env: expected the NAME of an environment variable (letters, digits and _, not "
                + "starting with a digit), got a value that is not one (not shown, it may be a key); "
                + "write e.g. api_key_env: OPENAI_API_KEY and export the key in that variable",
        ])
        #expect(!error.description.contains(key))
    }

    @Test func pathNamesTheBlockInMessages() throws {
        let result = EndpointConfig.parse(try JSONValue.parse(Data(#"{"base_url": "http://h", "model": 3}"#.utf8)),
                                          path: "stages.sample.endpoint")
        guard case .failure(let error) = result else {
            Issue.record("model 3 is not a string")
            return
        }
        #expect(error.problems == [
            "stages.sample.endpoint.model: expected a non-empty string, got 3; "
                + "write the model name the server knows, e.g. model: my-model",
        ])
    }
}
