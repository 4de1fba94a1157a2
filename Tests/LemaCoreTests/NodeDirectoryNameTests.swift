import LemaCore
import Testing

@Suite struct NodeDirectoryNameTests {
    static let fingerprint = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

    @Test(arguments: ["train", "sample-k4", "a", "eval_test", "x-0123456789ab"])
    func madeNamesParseBack(stage: String) throws {
        let name = NodeDirectoryName.make(stage: stage, fingerprint: Self.fingerprint)
        #expect(name == "\(stage)-0123456789ab")
        let parsed = try #require(NodeDirectoryName.parse(name))
        #expect(parsed.stage == stage)
        #expect(parsed.fingerprintPrefix == "0123456789ab")
    }

    @Test(arguments: [
        "train",  // no dash
        "train-",  // no fingerprint
        "-0123456789ab",  // no stage
        "train-0123456789a",  // 11 digits
        "train-0123456789abc",  // 13 digits
        "train-0123456789aB",  // upper case: fingerprints are written in lower case
        "train-0123456789ag",  // not hex
        "train-0123456789ab-",  // the fingerprint must come last
        "",
    ])
    func malformedNamesDoNotParse(name: String) {
        #expect(NodeDirectoryName.parse(name) == nil)
    }
}
