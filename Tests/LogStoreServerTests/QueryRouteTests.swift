import Hummingbird
import HummingbirdTesting
import LogStore
@testable import LogStoreServer
import Testing

@Suite struct QueryRouteTests {
    /// 30 records, one per second from 2023-11-14T22:13:20Z: sources a/b alternating, every third an
    /// error with status 500, correlation "job-7" on the first five.
    static func seeded() throws -> TestServer {
        let server = try TestServer()
        let base = (nowNanoseconds / 10_000_000_000 - 6) * 10_000_000_000   // a minute ago, on a 10 s boundary
        var records: [LogRecord] = []
        for i in 0..<30 {
            let failed = i % 3 == 0
            let timestamp: Int64 = base + Int64(i) * 1_000_000_000
            let attributes = [Attribute("status", .int(failed ? 500 : 200)), Attribute("latency", .double(Double(i)))]
            records.append(LogRecord(timestamp: timestamp, level: failed ? .error : .info, source: i % 2 == 0 ? "a" : "b",
                                     correlationID: i < 5 ? "job-7" : nil, message: "message \(i)", attributes: attributes))
        }
        try server.state.store.append(records)
        try server.state.store.sync()
        return server
    }

    @Test func pagesWithACursorCoverEverythingOnce() async throws {
        try await Self.seeded().run { client in
            var seen: [String] = []
            var cursor: String?
            repeat {
                let uri = "/api/v1/query?limit=7" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await client.execute(uri: uri, method: .get) { try json($0) }
                seen += (page["records"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
                cursor = page["next_cursor"] as? String
            } while cursor != nil
            #expect(seen == (0..<30).map { "message \($0)" })
        }
    }

    @Test func filtersAndWhereAndNDJSON() async throws {
        try await Self.seeded().run { client in
            let response = try await client.execute(
                uri: "/api/v1/query?format=ndjson&source=a&where=attr.status%20%3E%3D%20500%20and%20message%20~%20%221%22&order=desc",
                method: .get)
            #expect(response.headers[.contentType] == "application/x-ndjson")
            let lines = response.text.split(separator: "\n")
            #expect(lines.count == 2)   // messages 18 and 12 are source a with status 500 and a "1"
            #expect(lines.first?.contains("\"message 18\"") == true)
            let bad = try await client.execute(uri: "/api/v1/query?where=level%20%3E%3E", method: .get)
            #expect(bad.status == .badRequest)
            let r1 = try await client.execute(uri: "/api/v1/query?since=yesterdayish", method: .get)
            #expect(r1.status == .badRequest)
        }
    }

    @Test func countHitsFacetsStatsAndTrace() async throws {
        try await Self.seeded().run { client in
            let count = try await client.execute(uri: "/api/v1/count?by=level", method: .get) { try json($0) }
            #expect(count["count"] as? Int == 30)
            #expect((count["by_level"] as? [String: Int])?["error"] == 10)

            let hits = try await client.execute(uri: "/api/v1/hits?step=10s&by=level", method: .get) { try json($0) }
            let buckets = try #require(hits["buckets"] as? [[String: Any]])
            #expect(buckets.compactMap { $0["count"] as? Int }.reduce(0, +) == 30)
            #expect(buckets.count == 3)   // the first record is on a 10 s boundary: seconds 0–9, 10–19, 20–29
            #expect(buckets.first?["timestamp_ns"] as? Int == Int((nowNanoseconds / 10_000_000_000 - 6) * 10_000_000_000))

            let facets = try await client.execute(uri: "/api/v1/facets?limit=2", method: .get) { try json($0) }
            let fields = try #require(facets["facets"] as? [String: [[String: Any]]])
            #expect(fields["source"]?.count == 2)
            #expect(fields["attr.status"]?.first?["value"] as? String == "200")
            #expect(fields["attr.status"]?.first?["count"] as? Int == 20)

            let stats = try await client.execute(uri: "/api/v1/stats?by=source&field=latency", method: .get) { try json($0) }
            let groups = try #require(stats["groups"] as? [[String: Any]])
            #expect(groups.count == 2)
            #expect(groups.compactMap { $0["count"] as? Int }.reduce(0, +) == 30)

            let trace = try await client.execute(uri: "/api/v1/trace/job-7", method: .get) { try json($0) }
            #expect(trace["steps"] as? Int == 5)
            #expect(trace["status"] as? String == "failed")
            let r2 = try await client.execute(uri: "/api/v1/trace/none", method: .get)
            #expect(r2.status == .notFound)
        }
    }

    @Test func healthAndMetrics() async throws {
        try await Self.seeded().run { client in
            let r3 = try await client.execute(uri: "/healthz", method: .get)
            #expect(r3.text == "ok\n")
            let r4 = try await client.execute(uri: "/readyz", method: .get)
            #expect(r4.status == .ok)
            _ = try await client.execute(uri: "/insert/jsonline", method: .post, body: ByteBuffer(string: "{\"ts\":\(nowSeconds),\"msg\":\"m\"}\n"))
            let metrics = try await client.execute(uri: "/metrics", method: .get).text
            #expect(metrics.contains("logstore_ingested_records_total{protocol=\"jsonline\"} 1"))
            #expect(metrics.contains("logstore_http_requests_total"))
            #expect(metrics.contains("logstore_store_segments"))
        }
    }

    @Test func aReadOnlyServerSeesWhatTheWriterAddsLater() async throws {
        let writer = try Self.seeded()
        defer { try? writer.state.store.close() }
        let reader = try TestServer(options: {
            $0.storePath = writer.directory
            $0.storeOptions.readOnly = true
        })
        try writer.state.store.append(LogRecord(timestamp: nowNanoseconds, level: .info, source: "late", message: "after the reader opened"))
        try writer.state.store.sync()
        try await reader.run { client in
            try await client.execute(uri: "/api/v1/count?source=late", method: .get) { response async throws in
                #expect(try json(response)["count"] as? Int == 1)
            }
            try await client.execute(uri: "/api/v1/query?source=late", method: .get) { response async throws in
                #expect(response.text.contains("after the reader opened"))
            }
        }
    }
}
