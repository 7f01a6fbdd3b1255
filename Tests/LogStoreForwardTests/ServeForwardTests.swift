import Foundation
import Testing
import LogStore

extension ClickHouseForwardTests {
    /// `logstore serve --forward-to`: records posted to the server reach ClickHouse exactly once from the
    /// server's own process; `/metrics` shows `forward_sent_total` and a lag of 0; after SIGTERM the store
    /// holds the forwarder's position, which `logstore inspect` shows with its lag.
    @Test func serveForwardsWhatItStoresAndShowsPositionAndMetrics() throws {
        let server = try ClickHouseTestServer()
        let dir = TempDir("serve-forward")
        let logs = TempDir("serve-forward-logs")
        let serveLog = logs.path + "/serve.log"
        let serve = try LogStoreBinary.start(["serve", "--store", dir.path + "/store", "--listen", "127.0.0.1:0", "--no-access-log",
                                              "--forward-to", Self.target, "--forward-store-id", "served"], log: serveLog)
        defer { if serve.isRunning { serve.kill() } }
        var port = 0
        try waitUntil(timeout: 60, "logstore serve says its port") {
            let text = (try? String(contentsOfFile: serveLog, encoding: .utf8)) ?? ""
            guard let line = text.split(separator: "\n").first(where: { $0.contains("listening on port ") }),
                  let value = Int(line.split(separator: " ").last ?? "") else { return false }
            port = value
            return true
        }
        let base = "http://127.0.0.1:\(port)"
        let now = Int64(Date().timeIntervalSince1970 * 1e9)
        let body = (0..<3000).map { i in
            #"{"timestamp":\#(now - 60_000_000_000 + Int64(i) * 1_000_000),"level":"info","source":"web","message":"m\#(i)"}"#
        }.joined(separator: "\n") + "\n"
        let posted = try curl(["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--data-binary", "@-", base + "/insert/jsonline"],
                              input: body, scratch: logs.path)
        #expect(posted == "200")
        try waitUntil(timeout: 60, "the server forwarded 3,000 records") { try server.counts(Self.table, storeID: "served").rows >= 3000 }
        let metrics = try curl(["-sS", base + "/metrics"], input: nil, scratch: logs.path)
        let sink = "clickhouse://127.0.0.1:\(ClickHouseTestServer.httpPort)/default.logs"
        #expect(metrics.contains(#"forward_sent_total{sink="\#(sink)"} 3000"#), "metrics: \(metrics)")
        #expect(metrics.contains(#"forward_lag_records{sink="\#(sink)"} 0"#), "metrics: \(metrics)")

        Glibc.kill(serve.pid, SIGTERM)
        #expect(serve.wait() == 0, "serve exits 0 on SIGTERM: \((try? String(contentsOfFile: serveLog, encoding: .utf8)) ?? "")")
        let counts = try server.counts(Self.table, storeID: "served")
        #expect(counts.rows == 3000 && counts.distinct == 3000)

        // The position the forwarder saved in the store, with the lag behind the store's newest record.
        let store = try LogStore.open(at: dir.path + "/store")
        _ = try store.append([LogRecord(timestamp: now, level: .info, source: "web", message: "after")])
        try store.close()
        let inspectLog = logs.path + "/inspect.log"
        #expect(try LogStoreBinary.start(["inspect", "--store", dir.path + "/store", "--format", "json"], log: inspectLog).wait() == 0)
        let inspected = (try? String(contentsOfFile: inspectLog, encoding: .utf8)) ?? ""
        #expect(inspected.contains(#""forward":{"sink":"\#(sink)","high_water_mark":3000,"lag_records":1}"#), "inspect: \(inspected)")
        let textLog = logs.path + "/inspect.txt"
        #expect(try LogStoreBinary.start(["inspect", "--store", dir.path + "/store"], log: textLog).wait() == 0)
        let text = (try? String(contentsOfFile: textLog, encoding: .utf8)) ?? ""
        #expect(text.contains("forwarders") && text.contains(sink), "inspect: \(text)")
    }

    /// `curl ARGS` with `input` on standard input; its standard output.
    private func curl(_ arguments: [String], input: String?, scratch: String) throws -> String {
        let name = UUID().uuidString
        let inputPath = scratch + "/\(name).in", outputPath = scratch + "/\(name).out"
        try (input ?? "").write(toFile: inputPath, atomically: false, encoding: .utf8)
        let status = try Spawned.start("/usr/bin/curl", arguments, output: outputPath, input: inputPath).wait()
        guard status == 0 else { throw TestFailure("curl \(arguments) failed with status \(status)") }
        return (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }
}
