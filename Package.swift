// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "LogStore",
    // Linux only: the engine uses inotify, flock and Glibc directly (README, "Linux only"). No Apple platform
    // is declared; building elsewhere stops at Sources/LogStore/Support/LinuxOnly.swift with that sentence.
    products: [
        .library(name: "LogStore", targets: ["LogStore"]),
        // The byte encodings of docs/FORMAT.md, for tools, decoders and fuzzers; `import LogStore` brings
        // only the record model (LogRecord, LogLevel, Attribute, AttributeValue, Checkpoint, IdempotencyKey).
        .library(name: "LogStoreFormat", targets: ["LogStoreFormat"]),
        .library(name: "LogStoreIngest", targets: ["LogStoreIngest"]),
        .library(name: "LogStoreTail", targets: ["LogStoreTail"]),
        .library(name: "LogStoreFilter", targets: ["LogStoreFilter"]),
        .library(name: "LogStorePipeline", targets: ["LogStorePipeline"]),
        .library(name: "LogStoreLogging", targets: ["LogStoreLogging"]),
        .library(name: "LogStoreProtocols", targets: ["LogStoreProtocols"]),
        .library(name: "LogStoreServer", targets: ["LogStoreServer"]),
        .library(name: "LogStoreForward", targets: ["LogStoreForward"]),
        .executable(name: "logstore", targets: ["logstore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.0"),
        // The server (LogStoreProtocols, LogStoreServer) only; the engine, pipeline and logging never see these.
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-async-algorithms", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // Documentation only (`scripts/docs.sh`: swift package generate-documentation): a command plugin,
        // never linked into a product.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
    ],
    targets: [
        // liblz4 from Debian's liblz4-dev, found through pkg-config.
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        // CRC32C with SSE4.2 and a software fallback.
        .target(name: "CCRC32C"),
        // Glibc functions that need _GNU_SOURCE.
        .target(name: "CLogStoreSystem"),
        // Pure bytes: the record model and every on-disk encoding of docs/FORMAT.md. No files, clocks or locks.
        .target(name: "LogStoreFormat", dependencies: ["CLZ4", "CCRC32C"]),
        // The engine: WAL, head, segments, index, queries, retention.
        .target(name: "LogStore", dependencies: ["LogStoreFormat", "CLogStoreSystem"]),
        // Input parsing for collectors: NDJSON, logfmt and plain text.
        .target(name: "LogStoreIngest", dependencies: ["LogStore", "LogStoreFormat"]),
        // The file tailer: follows files through rotation, storing each batch with its position (checkpoint).
        .target(name: "LogStoreTail", dependencies: ["LogStore", "LogStoreIngest", "CZlib"]),
        // The `--where` filter language (docs/QUERY.md): parser, evaluation, push-down into LogQuery.
        .target(name: "LogStoreFilter", dependencies: ["LogStore", "LogStoreIngest"]),
        // The Ingestor: batching, bounded buffering with backpressure, retries; counters via swift-metrics.
        .target(name: "LogStorePipeline", dependencies: [
            "LogStore", .product(name: "Metrics", package: "swift-metrics"),
        ]),
        // A swift-log backend writing through the Ingestor; trace IDs from swift-distributed-tracing.
        .target(name: "LogStoreLogging", dependencies: [
            "LogStorePipeline",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Instrumentation", package: "swift-distributed-tracing"),
        ]),
        // zlib from Debian's zlib1g-dev, for gzip request bodies.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Pure protocol decoders (OTLP protobuf and JSON, NDJSON lines, Loki push): bytes in, records or a
        // typed error naming the place out. No I/O; fuzzed.
        .target(name: "LogStoreProtocols", dependencies: [
            "LogStoreFormat", "LogStore", "LogStoreIngest", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ]),
        // `logstore serve`: LogStore over HTTP (Hummingbird 2).
        .target(name: "LogStoreServer", dependencies: [
            "LogStore", "LogStoreFormat", "LogStoreProtocols", "LogStoreFilter", "LogStoreIngest", "LogStoreForward", "CZlib",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
        ], resources: [.embedInCode("Viewer/Assets")]),
        // Forwarding a store's records to other systems exactly once (docs/FORWARDING.md); one folder per sink.
        // The engine does not depend on it.
        .target(name: "LogStoreForward", dependencies: [
            "LogStore", "LogStoreProtocols", "CZlib", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Metrics", package: "swift-metrics"),
        ]),
        // The `logstore` command-line tool.
        .executableTarget(name: "logstore", dependencies: [
            "LogStore", "LogStoreFormat", "LogStoreIngest", "LogStoreTail", "LogStoreFilter", "LogStoreServer", "LogStoreForward",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // The swift-log set-up of README.md run for real (LoggingSystem.bootstrap is once per process).
        .executableTarget(name: "LogStoreLoggingExample", dependencies: [
            "LogStore", "LogStorePipeline", "LogStoreLogging", .product(name: "Logging", package: "swift-log"),
        ], path: "Examples/LoggingBootstrap"),
        // What every test target shares: temporary directories, the seeded generator, finding built executables.
        .target(name: "LogStoreTestSupport", path: "Tests/LogStoreTestSupport"),
        .testTarget(name: "LogStoreFormatTests", dependencies: ["LogStoreTestSupport", "LogStoreFormat"]),
        .testTarget(name: "LogStoreTests", dependencies: ["LogStoreTestSupport", "LogStore", "LogStoreFormat"]),
        .testTarget(name: "LogStoreIngestTests", dependencies: ["LogStoreTestSupport", "LogStoreIngest", "LogStoreFormat"]),
        .testTarget(name: "LogStoreTailTests", dependencies: ["LogStoreTestSupport", "LogStoreTail", "LogStoreIngest", "LogStore", "LogStoreFormat"]),
        .testTarget(name: "LogStoreFilterTests", dependencies: ["LogStoreTestSupport", "LogStoreFilter"]),
        .testTarget(name: "LogStoreCLITests", dependencies: ["LogStoreTestSupport", "LogStore"]),
        .testTarget(name: "LogStorePipelineTests", dependencies: [
            "LogStoreTestSupport", "LogStorePipeline", .product(name: "Metrics", package: "swift-metrics"),
        ]),
        // Every Swift example of README.md and the doc comments, compiled (scripts/check-examples.py).
        .testTarget(name: "LogStoreExampleTests", dependencies: [
            "LogStoreTestSupport", "LogStore", "LogStoreIngest", "LogStoreTail", "LogStorePipeline", "LogStoreLogging", "LogStoreForward",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "LogStoreProtocolsTests", dependencies: [
            "LogStoreTestSupport", "LogStoreProtocols", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ]),
        .testTarget(name: "LogStoreServerTests", dependencies: [
            "LogStoreTestSupport", "LogStoreServer", "LogStoreProtocols", "LogStore", "CZlib",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ]),
        .testTarget(name: "LogStoreForwardTests", dependencies: [
            "LogStoreTestSupport", "LogStoreForward", "LogStore", "LogStoreProtocols", "CZlib",
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        .testTarget(name: "LogStoreLoggingTests", dependencies: [
            "LogStoreTestSupport", "LogStoreLogging",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Instrumentation", package: "swift-distributed-tracing"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
