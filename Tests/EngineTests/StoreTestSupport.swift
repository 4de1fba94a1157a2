import Foundation
import LemaCore
@testable import Engine

/// Fixtures of the Store tests (in a namespace: EngineTests is shared with other suites).
enum StoreFixtures {
    /// A fresh directory under the system temp dir, removed after `body`.
    static func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("lema-store-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try body(directory)
    }

    /// A store file inside `directory` (in a subdirectory that does not exist yet, to check it is created).
    static func storeURL(_ directory: URL) -> URL {
        directory.appendingPathComponent("runs/demo/state.sqlite")
    }

    /// A 64-hex-character fake fingerprint made of one repeated character.
    static func fingerprint(_ c: Character) -> String { String(repeating: c, count: 64) }

    /// A small graph drawn as:
    ///
    ///     data(a) ──► train(b, lr=0.1) ──► eval(c)
    ///
    /// with one variant `default`; `lr` changes node b's params (the fingerprints are fakes).
    static func sampleGraph(lr: Double = 0.1, trainID: String = StoreFixtures.fingerprint("b"),
                            evalID: String = StoreFixtures.fingerprint("c")) -> Graph {
        let location = SourceLocation(file: "spec.yaml", line: 1, column: 1)
        let a = GraphNode(id: fingerprint("a"), stage: "data", kind: "noop", kindVersion: 1, params: ["n": .int(3)],
                          inputs: [:], retries: 0, timeout: nil, threads: 1, variants: ["default"], location: location)
        let b = GraphNode(id: trainID, stage: "train", kind: "map", kindVersion: 2,
                          params: ["lr": .double(lr), "data": .string("data")],
                          inputs: ["data": [InputEdge(parameter: "data", nodeID: a.id, stage: "data", artifact: nil)]],
                          retries: 1, timeout: nil, threads: 1, variants: ["default"], location: location)
        let c = GraphNode(id: evalID, stage: "eval", kind: "noop", kindVersion: 1, params: ["model": .string("train.model")],
                          inputs: ["model": [InputEdge(parameter: "model", nodeID: b.id, stage: "train", artifact: "model")]],
                          retries: 0, timeout: nil, threads: 1, variants: ["default"], location: location)
        let variant = GraphVariant(name: "default", params: ["lr": .double(lr)],
                                   stageNodes: ["data": a.id, "train": b.id, "eval": c.id])
        return Graph(pipelineName: "demo", seed: 7, specDirectory: URL(fileURLWithPath: "/tmp"),
                     nodes: [a, b, c], variants: [variant])
    }

    /// Starts `executable args…` and returns the running process.
    static func spawn(_ executable: String, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        try process.run()
        return process
    }

    /// Kills a spawned process with SIGKILL (SIGTERM may be ignored: the test runner's children can inherit an
    /// ignored SIGTERM) and reaps it.
    static func stop(_ process: Process) {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// The pid of a process that has exited and been reaped (so no live process has it, barring reuse).
    static func deadPID() throws -> Int32 {
        let process = try spawn("/bin/sh", ["-c", "exit 0"])
        process.waitUntilExit()
        return process.processIdentifier
    }

    /// Polls `condition` every 10 ms until it holds or `seconds` pass; returns whether it held.
    static func eventually(within seconds: Double = 5, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return try condition()
    }

    /// Bytes of a short string, for payloads.
    static func bytes(_ text: String) -> Data { Data(text.utf8) }
}
