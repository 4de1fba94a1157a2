// swift-tools-version:6.0
import PackageDescription

// Numeric code is compiled optimised even in debug builds: the kernels run tens of times slower at -Onone,
// which would make the default (debug) test command slow. Root-package unsafe flags are allowed by SwiftPM.
let optimised: [SwiftSetting] = [.unsafeFlags(["-O"])]
// The numeric modules also target AVX2 + FMA (Haswell, 2013 and later; every machine this project runs on): Swift
// otherwise emits baseline SSE2, and the elementwise kernels (GELU, softmax, layer norm, AdamW) ran at a third of
// the speed. OpenBLAS is told the same kernel family (see Kernels/BLASCore.swift).
let numeric: [SwiftSetting] = [.unsafeFlags(["-O", "-target-cpu", "haswell"])]

let package = Package(
    name: "lema",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "lema", targets: ["lema"]),
        .executable(name: "lema-bench", targets: ["lema-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        // System libraries (Debian: libsqlite3-dev, libyaml-dev, libopenblas-dev).
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),

        // CPU hints written in C: the spin-wait hint (x86 PAUSE) for Kernels' helper threads, cache prefetches for
        // the AVX-512 GEMM, and buffers on transparent huge pages (madvise) for activations and caches.
        .target(name: "CPUHints"),

        // Shared value types with no I/O policy: seeded RNG, JSON values, atomic files.
        .target(name: "LemaCore", swiftSettings: optimised),

        // e^x, Φ, φ and the decode-attention loops, generic over the lane width and @inlinable: compiled by each
        // module below for its instruction set (same bits on every width).
        .target(name: "LaneMath", swiftSettings: optimised),
        // GEMM (and GELU) for AVX-512 CPUs. Compiled for that instruction set, so only called after a CPU check
        // (Kernels' GEMM).
        .target(name: "KernelsAVX512", dependencies: ["CPUHints", "LaneMath"],
                swiftSettings: [.unsafeFlags(["-Ounchecked", "-target-cpu", "skylake-avx512"])]),
        // Numeric core: ops with forward + backward, GEMM (own AVX-512 kernel, else OpenBLAS). Knows nothing of the
        // orchestrator.
        .target(name: "Kernels", dependencies: ["COpenBLAS", "CPUHints", "KernelsAVX512", "LaneMath"],
                swiftSettings: [.unsafeFlags(["-Ounchecked", "-target-cpu", "haswell"])]),
        // Tiny GPT: config, tokenizer, model, AdamW, sampler, safetensors checkpoints.
        .target(name: "TinyGPT", dependencies: [
            "Kernels", "LemaCore", .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: numeric),
        // Math word problems: generator, loaders, answers, steps, oracle corrector, record formats. Pure.
        .target(name: "Math", dependencies: ["LemaCore"], swiftSettings: optimised),

        // Slurm through its commands (sbatch, squeue, scancel, sacct, scontrol; never libslurm): submission, one
        // squeue call per poll, final states from sacct or the job-completion log. Foundation only.
        .target(name: "Slurm", dependencies: ["LemaCore"]),

        // The contract between the engine and stage kinds.
        .target(name: "StageAPI", dependencies: ["LemaCore"]),
        // Spec (YAML) → Graph → Store (SQLite) → Scheduler (Dispatch). Knows nothing of math or models. Nodes carry
        // their executor and Slurm resources (operational data, never fingerprinted).
        .target(name: "Engine", dependencies: [
            "CSQLite", "CYAML", "StageAPI", "LemaCore", "Slurm",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // JSON bodies of the OpenAI-compatible HTTP API, shared by the client and the server. Foundation only.
        .target(name: "OpenAIWire"),
        // Model backend for OpenAI-compatible endpoints: rate limits, retries, request cache (through StageAPI).
        .target(name: "Endpoint", dependencies: [
            "OpenAIWire", "StageAPI", "LemaCore",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // `lema serve`: an in-process checkpoint behind the same OpenAI-compatible API.
        // The life of one Hummingbird server (start, bound port, graceful stop): `lema serve` and `lema ui`.
        .target(name: "HTTPServing", dependencies: [
            "LemaCore", .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        .target(name: "Serve", dependencies: [
            "OpenAIWire", "TinyGPT", "LemaCore", "HTTPServing",
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        // `lema ui`: a read-only live view of a run in the browser (Hummingbird; page and script embedded).
        .target(name: "RunView", dependencies: [
            "Engine", "Stages", "StageAPI", "Math", "LemaCore", "HTTPServing",
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        // Headless Chromium over WebDriver (plain HTTP to chromedriver): `lema ui`'s browser tests and benchmark.
        .target(name: "BrowserDriver", dependencies: [
            "LemaCore", .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        // Stage kinds: command, map, noop, and the LeMa stages.
        .target(name: "Stages", dependencies: ["StageAPI", "LemaCore", "Math", "TinyGPT", "Endpoint", "OpenAIWire"]),
        // The one place that turns errors into messages and exit codes.
        .target(name: "LemaCLI", dependencies: [
            "Engine", "Stages", "Math", "StageAPI", "LemaCore", "Serve", "RunView", "TinyGPT", "Slurm",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "lema", dependencies: ["LemaCLI", "Kernels"]),
        .executableTarget(name: "lema-bench", dependencies: [
            "Engine", "Stages", "RunView", "BrowserDriver", "Kernels", "KernelsAVX512", "TinyGPT", "LemaCore", "COpenBLAS",
            "Slurm",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ], swiftSettings: optimised),

        .testTarget(name: "LemaCoreTests", dependencies: ["LemaCore"]),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "KernelsAVX512", "LaneMath", "LemaCore"],
                    swiftSettings: optimised),
        .testTarget(name: "TinyGPTTests", dependencies: ["TinyGPT", "Kernels", "LemaCore"], swiftSettings: optimised),
        .testTarget(name: "MathTests", dependencies: ["Math", "LemaCore"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "StageAPI", "LemaCore", "LemaTestSupport"]),
        // Parsers against recorded command output, and (when scripts/slurm-cluster.sh has a cluster up) real jobs.
        .testTarget(name: "SlurmTests", dependencies: ["Slurm", "LemaCore", "LemaTestSupport"]),
        .testTarget(name: "StagesTests", dependencies: ["Stages", "StageAPI", "Math", "TinyGPT", "LemaCore"]),
        // Helpers shared by test targets: start the built `lema`, scratch directories, file trees.
        .target(name: "LemaTestSupport", dependencies: ["Engine", "LemaCore", "Slurm"], path: "Tests/LemaTestSupport"),
        .testTarget(name: "CLITests", dependencies: ["LemaCLI", "Engine", "LemaCore", "LemaTestSupport", "Slurm"]),
        // `lema ui`: the API (shapes, escaping, live updates) and, when Chromium is installed, the page in a browser.
        .testTarget(name: "RunViewTests", dependencies: [
            "RunView", "BrowserDriver", "Engine", "Stages", "StageAPI", "Math", "LemaCore", "LemaTestSupport",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        .testTarget(name: "EndpointTests", dependencies: [
            "Endpoint", "Serve", "OpenAIWire", "Stages", "Engine", "LemaCLI", "TinyGPT", "StageAPI", "LemaCore",
            "LemaTestSupport",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
