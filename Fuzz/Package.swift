// swift-tools-version: 6.0
// libFuzzer harnesses for the LogStore decoders, in their own package so the root package's
// `swift build` / `swift test` never compile them. See docs/FUZZING.md.
//
//   Fuzz/run.sh                       # every target, 30 s each, with -sanitize=fuzzer,address
//   Fuzz/run.sh FuzzWAL 120           # one target, 120 s
//   swift build --package-path Fuzz   # plain build: each Fuzz* binary replays the files given as arguments
import Foundation
import PackageDescription

// The root package's identity is the name of its directory, which differs between checkouts
// (`main` here, any clone folder name in CI), so compute it instead of hard-coding it.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let logStore: Target.Dependency = .product(name: "LogStore", package: root)
// The byte encodings (segments, blocks, WAL frames, rows) the decoders are fuzzed through.
let format: Target.Dependency = .product(name: "LogStoreFormat", package: root)
let ingest: Target.Dependency = .product(name: "LogStoreIngest", package: root)
let filter: Target.Dependency = .product(name: "LogStoreFilter", package: root)
let protocols: Target.Dependency = .product(name: "LogStoreProtocols", package: root)

let package = Package(
    name: "LogStoreFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
    ],
    targets: [
        // `fuzz_run_driver`: calls libFuzzer's LLVMFuzzerRunDriver when it is linked (weak symbol), else returns -1.
        .target(name: "CFuzzSupport"),
        // Shared driver (libFuzzer or plain replay), invariant checks, checksum fix-ups.
        .target(name: "FuzzKit", dependencies: ["CFuzzSupport", logStore, format]),
        .executableTarget(name: "FuzzBlock", dependencies: ["FuzzKit", "CFuzzSupport", logStore, format]),
        .executableTarget(name: "FuzzSegment", dependencies: ["FuzzKit", "CFuzzSupport", logStore, format]),
        .executableTarget(name: "FuzzWAL", dependencies: ["FuzzKit", "CFuzzSupport", logStore, format]),
        // The store manifest (FORMAT.md 11): entries, summaries, correlation filters.
        .executableTarget(name: "FuzzManifest", dependencies: ["FuzzKit", "CFuzzSupport", logStore, format]),
        .executableTarget(name: "FuzzNDJSON", dependencies: ["FuzzKit", "CFuzzSupport", logStore, format, ingest]),
        .executableTarget(name: "FuzzLogfmt", dependencies: ["FuzzKit", "CFuzzSupport", logStore, format, ingest]),
        .executableTarget(name: "FuzzText", dependencies: ["FuzzKit", "CFuzzSupport", logStore, format, ingest]),
        // The line formats of issue 17: access, error-log, syslog, docker, cri, pattern, auto (first byte picks).
        .executableTarget(name: "FuzzFormats", dependencies: ["FuzzKit", "CFuzzSupport", logStore, format, ingest]),
        .executableTarget(name: "FuzzFilter", dependencies: ["FuzzKit", "CFuzzSupport", logStore, format, filter]),
        // The server's decoders: OTLP protobuf and JSON (with both mappings), Loki push, NDJSON bodies.
        .executableTarget(name: "FuzzOTLP", dependencies: ["FuzzKit", "CFuzzSupport", logStore, format, protocols]),
        // Writes the seed corpora under corpus/ with the engine's own encoders.
        .executableTarget(name: "MakeSeeds", dependencies: [logStore, format, ingest]),
    ],
    swiftLanguageModes: [.v6]
)
