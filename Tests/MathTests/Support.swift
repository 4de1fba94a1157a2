import Foundation
import Testing
import LemaCore
@testable import Math

/// The shared real data (`/work/shared/data`), found next to the repository (`#filePath` → ../../../shared/data)
/// or through `LEMA_SHARED_DATA`. Tests that need it are disabled with a message when it is absent.
enum SharedData {
    static let gsm8kName = "gsm8k_test.jsonl"

    static var directory: URL? {
        if let env = ProcessInfo.processInfo.environment["LEMA_SHARED_DATA"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent().resolvingSymlinksInPath()
        return here.appendingPathComponent("../../../shared/data").standardized
    }

    static var gsm8k: URL? {
        guard let dir = directory else { return nil }
        let url = dir.appendingPathComponent(gsm8kName)
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    static var available: Bool { gsm8k != nil }
    static let skipMessage: Comment = "shared GSM8K data not found (set LEMA_SHARED_DATA to the directory holding gsm8k_test.jsonl)"
}

/// Generated problems shared by several tests (generation is deterministic, so building them once is safe).
enum Fixtures {
    static func config(count: Int, seed: UInt64 = 7, minSteps: Int = 1, maxSteps: Int = 3) -> GeneratorConfig {
        var c = GeneratorConfig()
        c.count = count
        c.seed = seed
        c.minSteps = minSteps
        c.maxSteps = maxSteps
        return c
    }

    /// 2,000 problems with 1–5 steps.
    static let wide: [Problem] = (try? ProblemGenerator(config: config(count: 2000, seed: 11, maxSteps: 5)).generate()) ?? []

    /// 1,000 default-difficulty problems.
    static let standard: [Problem] = (try? ProblemGenerator(config: config(count: 1000)).generate()) ?? []

    /// A temporary file with `text`, removed by the caller.
    static func temporaryFile(_ name: String, _ text: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lema-math-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }
}
