import Foundation
import LemaCore

/// Every problem found in an `endpoint:` block, each naming the key, what was expected and how to fix it.
public struct EndpointConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// One message per problem, each starting with the key's path (`endpoint.timeout: …`) and saying how to fix it.
    public var problems: [String]

    /// An error listing `problems`, in the order they were found.
    public init(problems: [String]) {
        self.problems = problems
    }

    /// The problems, one per line.
    public var description: String { problems.joined(separator: "\n") }
}

extension EndpointConfig {
    /// Parses the object form of an `endpoint:` block (YAML or JSON, already turned into a `JSONValue`).
    ///
    /// `path` is how the block is named in messages (e.g. `stages.sample.endpoint`). All problems are collected, not
    /// just the first. The value of `api_key_env` is never echoed in a message: a user may have pasted the key there.
    public static func parse(_ value: JSONValue, path: String = "endpoint") -> Result<EndpointConfig, EndpointConfigError> {
        guard let object = value.objectValue else {
            return .failure(EndpointConfigError(problems: [
                "\(path): expected an object with at least base_url and model, got \(shown(value)); "
                    + "write e.g. {base_url: http://127.0.0.1:8080/v1, model: my-model}",
            ]))
        }
        var reader = KeyReader(path: path, object: object)
        for key in object.keys.sorted() where !allKeys.contains(key) {
            reader.unknownKey(key, known: allKeys)
        }

        let baseURL = reader.baseURL()
        let model = reader.model()
        let api = reader.api()
        let apiKeyEnv = reader.apiKeyEnv()
        let timeout = reader.positiveNumber("timeout", example: "60") ?? 60
        let maxConcurrent = reader.integer("max_concurrent", minimum: 1, example: "8") ?? 8
        let requestsPerMinute = reader.limit("requests_per_minute", example: "600")
        let tokensPerMinute = reader.limit("tokens_per_minute", example: "200000")
        let retries = reader.integer("retries", minimum: 0, example: "6") ?? 6
        let backoffBase = reader.nonNegativeNumber("backoff_base", example: "0.5") ?? 0.5
        let backoffMax = reader.nonNegativeNumber("backoff_max", example: "30") ?? 30
        if backoffMax < backoffBase {
            reader.problems.append("\(path).backoff_max: expected a number ≥ backoff_base (\(backoffBase)), got "
                + "\(backoffMax); raise backoff_max or lower backoff_base")
        }
        let price = reader.price()

        guard reader.problems.isEmpty, let baseURL, let model else {
            return .failure(EndpointConfigError(problems: reader.problems))
        }
        return .success(EndpointConfig(
            baseURL: baseURL, model: model, api: api, apiKeyEnv: apiKeyEnv, timeout: timeout,
            maxConcurrent: maxConcurrent, requestsPerMinute: requestsPerMinute, tokensPerMinute: tokensPerMinute,
            retries: retries, backoffBase: backoffBase, backoffMax: backoffMax, price: price))
    }

    /// A value as shown in messages: its JSON text, shortened.
    static func shown(_ value: JSONValue) -> String {
        let text = value.canonicalText
        return text.count > 60 ? String(text.prefix(57)) + "..." : text
    }
}

/// Reads typed keys out of one object and collects the problems.
private struct KeyReader {
    let path: String
    let object: [String: JSONValue]
    var problems: [String] = []

    init(path: String, object: [String: JSONValue]) {
        self.path = path
        self.object = object
    }

    /// The value of `key`, with `null` meaning absent.
    func value(_ key: String) -> JSONValue? {
        guard let value = object[key], !value.isNull else { return nil }
        return value
    }

    mutating func unknownKey(_ key: String, known: [String]) {
        let suggestion = closest(to: key, among: known).map { "did you mean `\($0)`? " } ?? ""
        problems.append("\(path): unknown key `\(key)`; \(suggestion)(known keys: \(known.joined(separator: ", ")))")
    }

    mutating func baseURL() -> String? {
        let fix = "write e.g. base_url: http://127.0.0.1:8080/v1"
        guard let value = value("base_url") else {
            problems.append("\(path): missing `base_url`; \(fix)")
            return nil
        }
        guard let text = value.stringValue, text.hasPrefix("http://") || text.hasPrefix("https://"),
              let url = URL(string: text), let host = url.host, !host.isEmpty
        else {
            problems.append("\(path).base_url: expected an http:// or https:// URL, got "
                + "\(EndpointConfig.shown(value)); \(fix)")
            return nil
        }
        return EndpointConfig.normalisedBaseURL(text)
    }

    mutating func model() -> String? {
        let fix = "write the model name the server knows, e.g. model: my-model"
        guard let value = value("model") else {
            problems.append("\(path): missing `model`; \(fix)")
            return nil
        }
        guard let text = value.stringValue, !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            problems.append("\(path).model: expected a non-empty string, got \(EndpointConfig.shown(value)); \(fix)")
            return nil
        }
        return text
    }

    mutating func api() -> EndpointConfig.API {
        guard let value = value("api") else { return .completions }
        if let text = value.stringValue, let api = EndpointConfig.API(rawValue: text) { return api }
        problems.append("\(path).api: expected completions or chat, got \(EndpointConfig.shown(value)); "
            + "write api: completions (POST /completions) or api: chat (POST /chat/completions)")
        return .completions
    }

    mutating func apiKeyEnv() -> String? {
        guard let value = value("api_key_env") else { return nil }
        if let name = value.stringValue, isEnvironmentVariableName(name) { return name }
        // Never echo the value: it may be the key itself, pasted in the wrong place.
        problems.append("\(path).api_key_env: expected the NAME of an environment variable (letters, digits and _, "
            + "not starting with a digit), got a value that is not one (not shown, it may be a key); "
            + "write e.g. api_key_env: OPENAI_API_KEY and export the key in that variable")
        return nil
    }

    mutating func positiveNumber(_ key: String, example: String) -> Double? {
        guard let value = value(key) else { return nil }
        if let number = value.doubleValue, number > 0, number.isFinite { return number }
        problems.append("\(path).\(key): expected a positive number of seconds, got \(EndpointConfig.shown(value)); "
            + "write e.g. \(key): \(example)")
        return nil
    }

    mutating func nonNegativeNumber(_ key: String, example: String) -> Double? {
        guard let value = value(key) else { return nil }
        if let number = value.doubleValue, number >= 0, number.isFinite { return number }
        problems.append("\(path).\(key): expected a number of seconds ≥ 0, got \(EndpointConfig.shown(value)); "
            + "write e.g. \(key): \(example)")
        return nil
    }

    mutating func integer(_ key: String, minimum: Int, example: String) -> Int? {
        guard let value = value(key) else { return nil }
        if let number = value.intValue, number >= minimum { return number }
        problems.append("\(path).\(key): expected an integer ≥ \(minimum), got \(EndpointConfig.shown(value)); "
            + "write e.g. \(key): \(example)")
        return nil
    }

    /// A rate limit: a non-negative integer; 0 or null means unlimited.
    mutating func limit(_ key: String, example: String) -> Int? {
        guard let value = value(key) else { return nil }
        if let number = value.intValue, number >= 0 { return number == 0 ? nil : number }
        problems.append("\(path).\(key): expected an integer ≥ 0 (0 or null = unlimited), got "
            + "\(EndpointConfig.shown(value)); write e.g. \(key): \(example)")
        return nil
    }

    mutating func price() -> EndpointConfig.Price? {
        guard let value = value("price") else { return nil }
        let keys = ["prompt_per_million", "completion_per_million"]
        let fix = "write e.g. price: {prompt_per_million: 0.5, completion_per_million: 1.5} (USD per 1M tokens)"
        guard let object = value.objectValue else {
            problems.append("\(path).price: expected an object, got \(EndpointConfig.shown(value)); \(fix)")
            return nil
        }
        var inner = KeyReader(path: path + ".price", object: object)
        for key in object.keys.sorted() where !keys.contains(key) {
            inner.unknownKey(key, known: keys)
        }
        var amounts: [Double] = []
        for key in keys {
            guard let amount = inner.value(key) else {
                inner.problems.append("\(path).price: missing `\(key)`; \(fix)")
                continue
            }
            guard let number = amount.doubleValue, number >= 0, number.isFinite else {
                inner.problems.append("\(path).price.\(key): expected a number of USD ≥ 0, got "
                    + "\(EndpointConfig.shown(amount)); \(fix)")
                continue
            }
            amounts.append(number)
        }
        problems += inner.problems
        guard inner.problems.isEmpty, amounts.count == 2 else { return nil }
        return EndpointConfig.Price(promptPerMillion: amounts[0], completionPerMillion: amounts[1])
    }
}

private func isEnvironmentVariableName(_ name: String) -> Bool {
    guard let first = name.unicodeScalars.first, !name.isEmpty else { return false }
    let allowed = { (c: Unicode.Scalar) in c == "_" || ("a"..."z").contains(c) || ("A"..."Z").contains(c) }
    return allowed(first)
        && name.unicodeScalars.allSatisfy { allowed($0) || ("0"..."9").contains($0) }
}

/// The known key nearest to `key` by edit distance, if it is plausibly a typo (distance ≤ 2, or a prefix).
private func closest(to key: String, among known: [String]) -> String? {
    let scored = known.map { ($0, editDistance(Array(key), Array($0))) }
    guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
    if best.1 <= 2 { return best.0 }
    return known.first { $0.hasPrefix(key) && key.count >= 3 }
}

private func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    var previous = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...max(b.count, 1) where !b.isEmpty {
            let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
            current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
        }
        previous = current
    }
    return a.isEmpty ? b.count : previous[b.count]
}
