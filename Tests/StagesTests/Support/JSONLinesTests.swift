import Foundation
import LemaCore
import Testing
@testable import Stages

@Suite struct JSONLinesTests {
    @Test func jsonLinesSplitsKeepingBytesAndLineNumbers() {
        let data = Data("{\"a\": 1}\r\n\n  \n{\"b\":2}".utf8)
        let lines = JSONLines.split(data, file: URL(fileURLWithPath: "/x.jsonl"))
        #expect(lines.map { String(decoding: $0.bytes, as: UTF8.self) } == ["{\"a\": 1}", "{\"b\":2}"])
        #expect(lines.map(\.lineNumber) == [1, 4])
    }
}
