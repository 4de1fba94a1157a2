import Foundation
import LemaCore
import Testing

@Suite struct JSONParserTests {
    /// Agreement with Foundation's parser (through `JSONValue`'s `Codable` init, the oracle) on valid documents.
    @Test(arguments: [
        #"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#,
        #"  {"x": -12, "y": 3.25, "z": 2.5e-1, "w": -0.5E-2}  "#,
        #"{"s":"tab\there \"quoted\" back\\slash \/ \u00e9 \ud83d\ude00 line\nnext"}"#,
        #"{"unicode":"é日本😀","empty":"","nested":[[[]],{}]}"#,
        #"[9223372036854775807,-9223372036854775808]"#,
        #""just a string""#,
        #"0"#,
    ])
    func agreesWithFoundation(_ text: String) throws {
        let ours = try JSONParser.parse(Data(text.utf8))
        let foundation = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(ours.canonicalText == foundation.canonicalText)
    }

    @Test func integersStayIntegersAndFractionsDouble() throws {
        #expect(try JSONParser.parse(Data("[1,1.0,1e2,18446744073709551616]".utf8))
                == .array([.int(1), .double(1), .double(100), .double(18446744073709551616)]))
    }

    @Test(arguments: [
        (#"{"a":1,}"#, "expected a key string"),
        (#"{"a" 1}"#, "expected ':'"),
        (#"[1 2]"#, "expected ',' or ']'"),
        (#"{"a":"unterminated}"#, "unterminated string"),
        (#"{"a":01}"#, "leading zeros"),
        (#"{"a":tru}"#, "expected 'true'"),
        (#"{"a":1} x"#, "unexpected text after the value"),
        (#"{"a":"\q"}"#, "invalid escape"),
        ("", "expected a value"),
        ("{\"a\":\"line\nbreak\"}", "control character"),
    ])
    func rejectsMalformedInput(_ text: String, _ message: String) {
        #expect {
            try JSONParser.parse(Data(text.utf8))
        } throws: { error in
            (error as? JSONParseError)?.message.contains(message) == true
        }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let text = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Data(text.utf8)) }
    }
}
