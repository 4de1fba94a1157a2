// swift-tools-version:6.0
import PackageDescription

// libFuzzer harness for the spec front end (YAML → node tree → spec → graph). Not part of the main build: run it
// with `make fuzz-spec` (scripts/fuzz-spec.sh), which builds this package with `-sanitize=fuzzer,address`.
// The engine's own sources are reached through symbolic links in Sources/ (SwiftPM only builds targets inside
// the package directory), so the harness always fuzzes the code in this checkout.
let package = Package(
    name: "lema-fuzz-spec",
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3"),
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1"),
        .target(name: "LemaCore"),
        .target(name: "StageAPI", dependencies: ["LemaCore"]),
        .target(name: "Engine", dependencies: [
            "CSQLite", "CYAML", "StageAPI", "LemaCore", .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // main.swift hands over to libFuzzer's driver (LLVMFuzzerRunDriver) with FuzzSpec.swift's test function.
        .executableTarget(name: "FuzzSpec", dependencies: ["Engine", "StageAPI", "LemaCore"]),
    ],
    swiftLanguageModes: [.v6]
)
