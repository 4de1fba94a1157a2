import Foundation
import LemaCore
import Testing

@Suite struct JSONLinesTests {
    static let file = URL(fileURLWithPath: "/x.jsonl")

    @Test func stageRecordsSkipBlankLinesKeepingBytesAndLineNumbers() {
        let data = Data("{\"a\": 1}\r\n\n  \n{\"b\":2}".utf8)
        let lines = JSONLines.split(data, file: Self.file)
        #expect(lines.map { String(decoding: $0.bytes, as: UTF8.self) } == ["{\"a\": 1}", "{\"b\":2}"])
        #expect(lines.map(\.lineNumber) == [1, 4])
    }

    /// User data keeps a blank line between records (so the reader can name it) but not the blank tail.
    @Test func userDataKeepsInnerBlankLinesButNotTheTail() {
        let data = Data("{\"a\":1}\n\n{\"b\":2}\r\n\n \n".utf8)
        let lines = JSONLines.split(data, file: Self.file, blankLines: .keep)
        #expect(lines.map(\.lineNumber) == [1, 2, 3])
        #expect(lines.map(\.isBlank) == [false, true, false])
        #expect(JSONLines.split(Data(), file: Self.file, blankLines: .keep).isEmpty)
    }

    @Test(arguments: [
        ("", "blank line (each line must hold one JSON object)"),
        ("oops", "not valid JSON: oops"),
        ("[1, 2]", "expected a JSON object, found an array"),
        ("\"s\"", "expected a JSON object, found a string"),
        (String(repeating: "x", count: 80), "not valid JSON: " + String(repeating: "x", count: 57) + "..."),
    ])
    func lineProblemsNameWhatIsWrong(text: String, message: String) {
        let line = JSONLine(bytes: Data(text.utf8), lineNumber: 7, file: Self.file)
        #expect(throws: DataFileError.self) { try line.object() }
        do {
            _ = try line.object()
        } catch {
            #expect(error.description == "/x.jsonl:7: " + message)
        }
    }

    @Test func unreadableFileIsNamed() {
        do {
            _ = try JSONLines.read(URL(fileURLWithPath: "/nonexistent/lema/none.jsonl"))
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("/nonexistent/lema/none.jsonl: cannot read the file"))
        }
    }
}
