import Foundation
import LemaCore
import Testing

@Suite struct JSONValueTests {
    @Test(arguments: [
        (JSONValue.object(["b": .int(1), "a": .array([.null, .bool(true)]), "B": .string("x")]),
         #"{"B":"x","a":[null,true],"b":1}"#),
        (.double(1.0), "1.0"),
        (.double(0.25), "0.25"),
        (.int(-3), "-3"),
        (.string("a\"b\\c\nd\u{1}"), #""a\"b\\c\nd\u0001""#),
        (.string("é ∑"), "\"é ∑\""),
        (.object([:]), "{}"),
        (.double(.nan), "null"),
    ])
    func canonicalText(_ value: JSONValue, _ expected: String) {
        #expect(value.canonicalText == expected)
    }

    @Test func keysSortByUTF8Bytes() {
        // "Z" (0x5A) < "a" (0x61) < "é" (0xC3 0xA9): byte order, whatever the locale.
        let value = JSONValue.object(["é": .int(3), "a": .int(2), "Z": .int(1)])
        #expect(value.canonicalText == #"{"Z":1,"a":2,"é":3}"#)
    }

    @Test func parseKeepsIntegersAndRoundTrips() throws {
        let value = try JSONValue.parse(Data(#"{"n":3,"x":2.5,"s":"t","l":[1,null]}"#.utf8))
        #expect(value["n"] == .int(3))
        #expect(value["x"] == .double(2.5))
        #expect(try JSONValue.parse(Data(value.canonicalText.utf8)) == value)
    }

    @Test func accessors() {
        #expect(JSONValue.double(4).intValue == 4)
        #expect(JSONValue.double(4.5).intValue == nil)
        #expect(JSONValue.int(2).doubleValue == 2)
        #expect(JSONValue.string("s").stringValue == "s")
        #expect(JSONValue.null.isNull)
    }
}
