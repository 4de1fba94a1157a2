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

    @Test func failureNamesThePathAndOperation() {
        let file = URL(fileURLWithPath: "/proc/lema-cannot-write-here/x")
        #expect {
            try AtomicFile.write(Data("x".utf8), to: file)
        } throws: { error in
            "\(error)".contains("/proc/lema-cannot-write-here")
        }
    }
}
