import Foundation
import Hummingbird
import HummingbirdTesting
import LogStore
@testable import LogStoreServer
import Testing

/// The aggregate answers the viewer draws: `hits?by=level` from block summaries, `stats?every=`.
@Suite struct AggregateRouteViewerTests {
    static let hour: Int64 = 3_600_000_000_000
    static let day: Int64 = 24 * hour
    /// Yesterday 01:00 UTC: 3,000 records two seconds apart stay inside one UTC day.
    static let base = (nowNanoseconds / day - 1) * day + hour

    static func level(_ i: Int) -> LogLevel { [.info, .warning, .error, .debug, .info, .info, .critical][i % 7] }

    /// 3,000 records in small blocks, flushed into a segment.
    static func flushedStore() throws -> TestServer {
        let server = try TestServer {
            $0.storeOptions.blockSize = 4 << 10
            $0.storeOptions.compactInBackground = false
        }
        let records = (0..<3000).map { i in
            LogRecord(timestamp: base + Int64(i) * 2_000_000_000, level: level(i), source: i % 3 == 0 ? "api" : "auth",
                      message: "request \(i) handled in \(i % 97) ms", attributes: [Attribute("latency", .int(Int64(i % 97)))])
        }
        try server.state.store.append(records)
        try server.state.store.flush()
        return server
    }

    /// Counts per level per 10-minute bucket, computed here from the records themselves.
    static func expectedBuckets() -> [Int64: [String: Int]] {
        var out: [Int64: [String: Int]] = [:]
        for i in 0..<3000 {
            let t = base + Int64(i) * 2_000_000_000
            let bucket = t - t % (10 * 60_000_000_000)
            out[bucket, default: [:]][level(i).name, default: 0] += 1
        }
        return out
    }

    static func buckets(_ answer: [String: Any]) -> [Int64: [String: Int]] {
        var out: [Int64: [String: Int]] = [:]
        for b in answer["buckets"] as? [[String: Any]] ?? [] {
            guard let t = b["timestamp_ns"] as? Int, let by = b["by"] as? [String: Int] else { continue }
            out[Int64(t)] = by
        }
        return out
    }

    @Test func levelHitsFromSummariesEqualTheRecordsAndTheScan() async throws {
        let range = "since=\(Self.base)&until=\(Self.base + 2 * Self.hour)&step=10m&by=level"
        try await Self.flushedStore().run { client in
            let summary = try await client.execute(uri: "/api/v1/hits?\(range)", method: .get)
            #expect(summary.status == .ok)
            #expect(Self.buckets(try json(summary)) == Self.expectedBuckets())
            // A residual condition (`not …`) makes the route read the records: the same answer.
            let scanned = try await client.execute(uri: "/api/v1/hits?\(range)&where=not%20source%20%3D%20nobody", method: .get)
            #expect(scanned.text == summary.text)
            // Pushed-down filters keep the summary path exact.
            let errors = try await client.execute(uri: "/api/v1/hits?\(range)&level=error", method: .get) { try json($0) }
            let expectedErrors = Self.expectedBuckets().mapValues { $0.filter { $0.key == "error" || $0.key == "critical" } }
            #expect(Self.buckets(errors) == expectedErrors)
        }
    }

    /// Blocks whose payload is damaged are still counted from their footer entries: the histogram of a
    /// range that holds them whole never decompresses them (the scan of the same range fails).
    @Test func levelHitsDoNotReadBlocksTheSummariesAnswer() async throws {
        let server = try Self.flushedStore()
        let segments = try FileManager.default.contentsOfDirectory(atPath: server.directory + "/segments").filter { $0.hasSuffix(".seg") }
        let path = server.directory + "/segments/" + (try #require(segments.first))
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        let size = Int(try handle.seekToEnd())
        for offset in stride(from: 1024, to: size / 2, by: 1024) {   // damage block payloads, not the footer at the end
            try handle.seek(toOffset: UInt64(offset))
            try handle.write(contentsOf: Data(repeating: 0xA5, count: 64))
        }
        try handle.close()
        let range = "since=\(Self.base)&until=\(Self.base + 4 * Self.hour)&step=1d"
        try await server.run { client in
            let hits = try await client.execute(uri: "/api/v1/hits?\(range)&by=level", method: .get)
            #expect(hits.status == .ok)
            let total = (try json(hits)["buckets"] as? [[String: Any]])?.compactMap { $0["count"] as? Int }.reduce(0, +)
            #expect(total == 3000)
            let scan = try await client.execute(uri: "/api/v1/hits?\(range)&by=source", method: .get)
            #expect(scan.status == .serviceUnavailable)
        }
    }

    /// `every=` adds a series per group; percentiles are nearest-rank, as `logstore stats` gives them.
    /// `facets?scan=N&order=desc` counts the newest N records only.
    @Test func statsEveryAndFacetsOfTheNewest() async throws {
        try await QueryRouteTests.seeded().run { client in
            // latency = i for record i, one per second from a 10 s boundary: buckets of 0…9, 10…19, 20…29.
            let stats = try await client.execute(uri: "/api/v1/stats?field=latency&every=10s", method: .get) { try json($0) }
            let group = try #require((stats["groups"] as? [[String: Any]])?.first)
            #expect(group["count"] as? Int == 30)
            #expect(group["p50"] as? Double == 14)   // rank ⌈0.5·30⌉ = 15th of 0…29
            #expect(group["p95"] as? Double == 28)   // rank ⌈28.5⌉ = 29th
            #expect(group["max"] as? Double == 29)
            let series = try #require(group["series"] as? [[String: Any]])
            #expect(series.count == 3)
            #expect(series.map { $0["count"] as? Int } == [10, 10, 10])
            #expect(series.map { $0["p50"] as? Double } == [4, 14, 24])   // rank 5 of ten values
            #expect(series.map { $0["p99"] as? Double } == [9, 19, 29])
            #expect(series.map { $0["errors"] as? Int } == [4, 3, 3])   // every third record, from record 0

            let bySource = try await client.execute(uri: "/api/v1/stats?by=source&field=latency&every=10s", method: .get) { try json($0) }
            let a = try #require((bySource["groups"] as? [[String: Any]])?.first { $0["source"] as? String == "a" })
            #expect((a["series"] as? [[String: Any]])?.map { $0["p50"] as? Double } == [4, 14, 24])   // 0,2,4,6,8 → rank 3

            // Facets of the newest ten records only (records 20…29): three errors, five of each source.
            let facets = try await client.execute(uri: "/api/v1/facets?scan=10&order=desc", method: .get) { try json($0) }
            #expect(facets["scanned"] as? Int == 10)
            #expect(facets["truncated"] as? Bool == true)
            let fields = try #require(facets["facets"] as? [String: [[String: Any]]])
            #expect(fields["level"]?.first { $0["value"] as? String == "error" }?["count"] as? Int == 3)
            #expect(fields["source"]?.compactMap { $0["count"] as? Int } == [5, 5])
            #expect(try await client.execute(uri: "/api/v1/facets?scan=0", method: .get).status == .badRequest)

            let bad = try await client.execute(uri: "/api/v1/stats?every=often", method: .get)
            #expect(bad.status == .badRequest)
        }
    }
}
