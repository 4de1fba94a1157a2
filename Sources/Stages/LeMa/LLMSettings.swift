import Endpoint
import Foundation
import LemaCore
import StageAPI

/// The settings every stage that prompts a model behind an endpoint for text it must parse reads alike (`correct`
/// with `corrector: llm`, `evolve` with `generator: llm`): the endpoint, decoding, and how many new tries an
/// unparseable output gets.
struct LLMSettings {
    var config: EndpointConfig
    var temperature: Double
    var maxTokens: Int
    /// New tries (another sample index, so a new request) for an output the stage cannot use.
    var unparseableRetries: Int

    /// Reads `endpoint`, `temperature`, `max_tokens` and `unparseable_retries`; `setting` names the parameter value
    /// that asked for the endpoint (e.g. "`corrector: llm`") in the error when there is none.
    init(_ p: ParameterValues, context: any StageContext, setting: String) throws {
        guard let config = try EndpointBackend.config(context) else {
            throw StageFailure("stage '\(context.stageName)': \(setting) needs an `endpoint`", retryable: false)
        }
        self.config = config
        temperature = try p.double("temperature")
        maxTokens = try p.int("max_tokens")
        unparseableRetries = max(0, try p.int("unparseable_retries"))
    }

    /// The decoding of one try: retries sample at `retryTemperature` at least, since at temperature 0 the same
    /// prompt would give the same unusable text again.
    func decoding(attempt: Int, stop: [String]) -> DecodingSettings {
        DecodingSettings(maxTokens: maxTokens,
                         temperature: attempt == 0 ? temperature : max(temperature, Self.retryTemperature), stop: stop)
    }

    /// Lowest temperature of a retry.
    static let retryTemperature = 0.7
}
