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
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "lema", targets: ["lema"]),
        .executable(name: "lema-bench", targets: ["lema-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // System libraries (Debian: libsqlite3-dev, libyaml-dev, libopenblas-dev).
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),

        // Shared value types with no I/O policy: seeded RNG, JSON values, atomic files.
        .target(name: "LemaCore", swiftSettings: optimised),

        // Numeric core: ops with forward + backward, BLAS-backed GEMM. Knows nothing of the orchestrator.
        .target(name: "Kernels", dependencies: ["COpenBLAS"],
                swiftSettings: [.unsafeFlags(["-Ounchecked", "-target-cpu", "haswell"])]),
        // Tiny GPT: config, tokenizer, model, AdamW, sampler, safetensors checkpoints.
        .target(name: "TinyGPT", dependencies: [
            "Kernels", "LemaCore", .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: numeric),
        // Math word problems: generator, loaders, answers, steps, oracle corrector, record formats. Pure.
        .target(name: "Math", dependencies: ["LemaCore"], swiftSettings: optimised),

        // The contract between the engine and stage kinds.
        .target(name: "StageAPI", dependencies: ["LemaCore"]),
        // Spec (YAML) → Graph → Store (SQLite) → Scheduler (Dispatch). Knows nothing of math or models.
        .target(name: "Engine", dependencies: [
            "CSQLite", "CYAML", "StageAPI", "LemaCore",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Stage kinds: command, map, noop, and the LeMa stages.
        .target(name: "Stages", dependencies: ["StageAPI", "LemaCore", "Math", "TinyGPT"]),
        // The one place that turns errors into messages and exit codes.
        .target(name: "LemaCLI", dependencies: [
            "Engine", "Stages", "Math", "StageAPI", "LemaCore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "lema", dependencies: ["LemaCLI", "Kernels"]),
        .executableTarget(name: "lema-bench", dependencies: [
            "Engine", "Stages", "Kernels", "TinyGPT", "LemaCore", "COpenBLAS",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: optimised),

        .testTarget(name: "LemaCoreTests", dependencies: ["LemaCore"]),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "LemaCore"], swiftSettings: optimised),
        .testTarget(name: "TinyGPTTests", dependencies: ["TinyGPT", "Kernels", "LemaCore"], swiftSettings: optimised),
        .testTarget(name: "MathTests", dependencies: ["Math", "LemaCore"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "StageAPI", "LemaCore"]),
        .testTarget(name: "StagesTests", dependencies: ["Stages", "StageAPI", "Math", "TinyGPT", "LemaCore"]),
        .testTarget(name: "CLITests", dependencies: ["LemaCLI", "Engine", "LemaCore"]),
    ],
    swiftLanguageModes: [.v6]
)
