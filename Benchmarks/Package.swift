// swift-tools-version: 6.0
// The benchmark harness lives in its own package so the root package's `swift build` / `swift test`
// never compile it (nor, later, GRDB or other comparison contenders).
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
    ],
    targets: [
        .executableTarget(
            name: "LogBench",
            dependencies: [
                .product(name: "LogStore", package: rootName),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
