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

    /// What a writer killed mid-write leaves (`.NAME.tmp-PID`) is removed; finished files, other dot files and this
    /// process's own temporary files stay.
    @Test func leftoversOfKilledWritersAreRemoved() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lema-atomic-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let names = ["samples.jsonl", ".samples.jsonl.tmp-12345", ".model.safetensors.tmp-7", ".keep",
                     ".notes.tmp-", ".odd.tmp-12a", ".mine.tmp-\(getpid())", "plain.tmp-99"]
        for name in names { try AtomicFile.write(Data(name.utf8), to: dir.appendingPathComponent(name)) }
        #expect(AtomicFile.removeLeftovers(in: dir) == 2)
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path))
        #expect(left == Set(names).subtracting([".samples.jsonl.tmp-12345", ".model.safetensors.tmp-7"]))
        #expect(AtomicFile.removeLeftovers(in: dir.appendingPathComponent("missing")) == 0)
    }
}
