import Foundation
import LemaCore
import Testing

@Suite struct AtomicFileTests {
    @Test func writesReplacesAndLeavesNoTemporaryFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lema-atomic-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("sub/out.bin")
        try AtomicFile.write(Data("first".utf8), to: file)
        try AtomicFile.write(Data("second, longer".utf8), to: file)
        #expect(try Data(contentsOf: file) == Data("second, longer".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: file.deletingLastPathComponent().path) == ["out.bin"])
        try AtomicFile.write(Data(), to: file)
        #expect(try Data(contentsOf: file).isEmpty)
    }

    @Test func failureNamesThePathAndOperation() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lema-atomic-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let blocker = dir.appendingPathComponent("plain-file")
        try AtomicFile.write(Data("x".utf8), to: blocker)
        // A directory cannot be made where a file stands.
        #expect {
            try AtomicFile.write(Data("x".utf8), to: blocker.appendingPathComponent("inner/out"))
        } throws: { error in
            "\(error)".hasPrefix("cannot create directory \(blocker.path)/inner")
        }
    }
}
