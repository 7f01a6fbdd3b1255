// swift-tools-version: 6.0
// The benchmark harness lives in its own package so the root package's `swift build` / `swift test`
// never compile it, nor GRDB (the SQLite contender). DuckDB runs through Python: see setup.sh.
//
//   swift build -c release --package-path Benchmarks
//   swift run -c release --package-path Benchmarks LogBench --help
import Foundation
import PackageDescription

// The root package's identity is the name of its directory, which differs between checkouts
// (`main` here, any clone folder name in CI), so compute it instead of hard-coding it.
let rootDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let rootName = rootDir.lastPathComponent

let package = Package(
    name: "LogStoreBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        // SQLite contender (links the system libsqlite3; needs libsqlite3-dev, see setup.sh).
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // The swift-log handler figures (`--pipeline`) call `Logger` directly; the root package pins the same.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
    ],
    targets: [
        .executableTarget(
            name: "LogBench",
            dependencies: [
                .product(name: "LogStore", package: rootName),
                .product(name: "LogStoreFormat", package: rootName),
                .product(name: "LogStorePipeline", package: rootName),
                .product(name: "LogStoreLogging", package: rootName),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // `logstore serve` over HTTP against ClickHouse's HTTP interface (docs/BENCHMARKS.md, "Issue 12");
        // talks to the processes it starts over sockets only, so it depends on nothing.
        .executableTarget(name: "ServeBench"),
        // Each line format's parser against the text parser, and `logstore ingest` of an access log
        // (docs/BENCHMARKS.md, "Issue 17").
        .executableTarget(name: "ParseBench", dependencies: [
            .product(name: "LogStore", package: rootName),
            .product(name: "LogStoreFormat", package: rootName),
            .product(name: "LogStoreIngest", package: rootName),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
