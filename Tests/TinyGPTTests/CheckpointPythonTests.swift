import Foundation
import Testing
@testable import TinyGPT

/// Finds a Python interpreter with `safetensors` and `numpy`: `$LEMA_PYTHON` first, then `python3` on the PATH.
enum PythonSafetensors {
    static let interpreter: String? = {
        var candidates: [String] = []
        if let configured = ProcessInfo.processInfo.environment["LEMA_PYTHON"], !configured.isEmpty {
            candidates.append(configured)
        }
        candidates.append("python3")
        return candidates.first { (try? run($0, ["-c", "import safetensors.numpy, numpy"]))?.status == 0 }
    }()

    static let skipReason: Comment = """
        no Python with safetensors+numpy: set LEMA_PYTHON to one that has them, e.g. \
        python3 -m venv ~/venv-st && ~/venv-st/bin/pip install safetensors numpy && export LEMA_PYTHON=~/venv-st/bin/python
        """

    /// Runs the interpreter (a path, or a name looked up on the PATH) with arguments.
    static func run(_ python: String, _ arguments: [String]) throws -> (status: Int32, stdout: Data, stderr: String) {
        let process = Process()
        if python.contains("/") {
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [python] + arguments
        }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, stdout, String(decoding: stderr, as: UTF8.self))
    }

    /// What Python sees in a file: each tensor's numpy dtype, shape and element bit patterns, plus the metadata.
    struct Dump: Decodable {
        struct Tensor: Decodable {
            let dtype: String
            let shape: [Int]
            let bits: [UInt64]
        }

        let tensors: [String: Tensor]
        let metadata: [String: String]?
    }

    static let dumpScript = """
        import sys, json, numpy as np
        from safetensors import safe_open
        from safetensors.numpy import load_file
        path = sys.argv[1]
        tensors = load_file(path)
        with safe_open(path, framework="numpy") as f:
            metadata = f.metadata()
        out = {}
        for name, t in tensors.items():
            width = {4: np.uint32, 8: np.uint64}[t.dtype.itemsize]
            out[name] = {"dtype": t.dtype.str, "shape": list(t.shape), "bits": [int(x) for x in t.reshape(-1).view(width)]}
        print(json.dumps({"tensors": out, "metadata": metadata}))
        """

    static func dump(_ url: URL, python: String) throws -> Dump {
        let result = try run(python, ["-c", dumpScript, url.path])
        guard result.status == 0 else { throw PythonFailure(message: result.stderr) }
        return try JSONDecoder().decode(Dump.self, from: result.stdout)
    }

    struct PythonFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { "python failed: \(message)" }
    }

    /// Element bit patterns as Python's dump reports them.
    static func bits(_ values: TensorValues) -> [UInt64] {
        switch values {
        case .f32(let v): v.map { UInt64($0.bitPattern) }
        case .i32(let v): v.map { UInt64(UInt32(bitPattern: $0)) }
        case .i64(let v): v.map { UInt64(bitPattern: $0) }
        case .u64(let v): v
        }
    }

    static func numpyDType(_ dtype: TensorDType) -> String {
        switch dtype {
        case .f32: "<f4"
        case .i32: "<i4"
        case .i64: "<i8"
        case .u64: "<u8"
        }
    }
}

@Suite("Python safetensors interop", .enabled(if: PythonSafetensors.interpreter != nil, PythonSafetensors.skipReason))
struct CheckpointPythonTests {
    @Test("a training checkpoint and a weights file load in Python with equal tensors and metadata")
    func pythonReadsOurFiles() throws {
        let python = try #require(PythonSafetensors.interpreter)
        let checkpoint = try CheckpointFixtures.trainingCheckpoint()
        let dir = try CheckpointFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let full = dir.appendingPathComponent("full.safetensors")
        let weights = dir.appendingPathComponent("weights.safetensors")
        try checkpoint.write(to: full)
        try checkpoint.writeWeights(to: weights)

        for url in [full, weights] {
            let swiftSide = try SafeTensorsFile.read(from: url)
            let pythonSide = try PythonSafetensors.dump(url, python: python)
            #expect(Set(pythonSide.tensors.keys) == Set(swiftSide.tensors.map(\.name)))
            for tensor in swiftSide.tensors {
                let seen = try #require(pythonSide.tensors[tensor.name])
                #expect(seen.dtype == "<f4")
                #expect(seen.shape == tensor.shape)
                #expect(seen.bits == PythonSafetensors.bits(tensor.values), "\(tensor.name)")
            }
            #expect(pythonSide.metadata == swiftSide.metadata)
        }
    }

    @Test("every dtype, scalars, empty tensors and special floats survive the trip to Python")
    func pythonReadsEveryDType() throws {
        let python = try #require(PythonSafetensors.interpreter)
        let tensors = [
            NamedTensor(name: "f", shape: [2, 3], floats: [-0.0, .infinity, .nan, .leastNonzeroMagnitude, 0.1, -7]),
            NamedTensor(name: "scalar", shape: [], floats: [2.5]),
            NamedTensor(name: "empty", shape: [0], floats: []),
            NamedTensor(name: "i32", shape: [2], values: .i32([.min, .max])),
            NamedTensor(name: "i64", shape: [2], values: .i64([.min, -1])),
            NamedTensor(name: "u64", shape: [1], values: .u64([.max])),
        ]
        let dir = try CheckpointFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("dtypes.safetensors")
        try SafeTensorsFile.write(tensors: tensors, metadata: ["k": "ünï"], to: url)
        let dump = try PythonSafetensors.dump(url, python: python)
        for tensor in tensors {
            let seen = try #require(dump.tensors[tensor.name])
            #expect(seen.dtype == PythonSafetensors.numpyDType(tensor.dtype))
            #expect(seen.shape == tensor.shape)
            #expect(seen.bits == PythonSafetensors.bits(tensor.values), "\(tensor.name)")
        }
        #expect(dump.metadata?["k"] == "ünï")
    }

    @Test("a file written by Python's safetensors reads back in Swift")
    func swiftReadsPythonFiles() throws {
        let python = try #require(PythonSafetensors.interpreter)
        let dir = try CheckpointFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("from-python.safetensors")
        let script = """
            import sys, numpy as np
            from safetensors.numpy import save_file
            save_file({"a": np.arange(6, dtype=np.float32).reshape(2, 3) / 4, "b": np.array([-2, 3], dtype=np.int64)},
                      sys.argv[1], metadata={"origin": "python"})
            """
        let result = try PythonSafetensors.run(python, ["-c", script, url.path])
        #expect(result.status == 0, "\(result.stderr)")
        let file = try SafeTensorsFile.read(from: url)
        #expect(file["a"] == NamedTensor(name: "a", shape: [2, 3], floats: [0, 0.25, 0.5, 0.75, 1, 1.25]))
        #expect(file["b"] == NamedTensor(name: "b", shape: [2], values: .i64([-2, 3])))
        #expect(file.metadata == ["origin": "python"])
    }
}
