import LemaCore
import Math
import StageAPI

extension GeneratorConfig {
    /// Reads the keys that bound a generated question's numbers and operations — `operand_min`, `operand_max`,
    /// `max_value`, `operations`, `distractors` — which `dataset` and `evolve` declare alike. An `operand_min` above
    /// `operand_max` fails naming both and the fix.
    mutating func readNumbers(_ p: ParameterValues) throws {
        let low = try p.int("operand_min"), high = try p.int("operand_max")
        guard low <= high else {
            throw StageFailure("operand_min (\(low)) must not exceed operand_max (\(high)); swap them", retryable: false)
        }
        operandRange = low...high
        maxValue = try p.int("max_value")
        operations = try p.strings("operations").compactMap(ArithmeticOp.init(rawValue:))
        distractorProbability = try p.double("distractors")
    }
}
