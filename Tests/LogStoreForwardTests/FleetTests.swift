import Foundation
import Testing
import LogStore
import LogStoreForward

/// The scale-out path (issue 15; docs/FORWARDING.md, "A fleet"), for real on loopback: two
/// clickhouse-server processes as two shards behind a `Distributed` table, three collectors (three stores
/// fed by a writer, each with its own `logstore forward` process sending to one shard's local table), with
/// forwarders and one shard SIGKILLed and restarted at random moments. At the end the Distributed table
/// holds every record of every store exactly once, and fleet-wide queries equal the same queries over the
/// union of the stores.
extension ClickHouseForwardTests {
    /// The cluster both shards know, written into their configuration.
    static let fleetCluster = """
      <remote_servers><fleet>
        <shard><replica><host>127.0.0.1</host><port>39000</port></replica></shard>
        <shard><replica><host>127.0.0.1</host><port>39001</port></replica></shard>
      </fleet></remote_servers>
    """

    /// One collector: its store (open for writing in this process), its id, its shard and its forwarder.
    final class Collector {
        let index: Int
        let id: String
        let directory = TempDir("fleet-store")
        let store: LogStore
        let shard: Int
        var forwarder: Spawned?
        var written = 0

        init(index: Int, shard: Int) throws {
            self.index = index
            self.id = "collector-\(index)"
            self.shard = shard
            store = try LogStore.open(at: directory.path)
        }

        /// `count` more records: four sources, one error in eleven, and correlation IDs `job-N` that every
        /// collector shares (record `i` of each collector belongs to job `i / 50`), so one job's records are
        /// spread over all three stores and both shards. Timestamps never collide across collectors.
        func write(_ count: Int, base: Int64) throws {
            let records = (written..<(written + count)).map { (i: Int) -> LogRecord in
                LogRecord(timestamp: base + Int64(i) * 3_000_000 + Int64(index), level: i % 11 == 0 ? .error : .info,
                          source: "svc-\(i % 4)", correlationID: "job-\(i / 50)", message: "\(id) step \(i)",
                          attributes: [Attribute("step", .int(Int64(i)))])
            }
            var start = 0
            while start < records.count {
                _ = try store.append(records[start..<min(records.count, start + 500)])
                start += 500
            }
            written += count
        }
    }

    @Test func aFleetOfThreeCollectorsOnTwoShardsHoldsEveryRecordOnceThroughChaos() throws {
        let shards = [
            try ClickHouseTestServer(httpPort: 38123, tcpPort: 39000, extraConfig: Self.fleetCluster),
            try ClickHouseTestServer(httpPort: 38124, tcpPort: 39001, extraConfig: Self.fleetCluster),
        ]
        for shard in shards {
            try shard.query(ClickHouseSchema.createTable("default.logs_local"))
            try shard.query("CREATE TABLE IF NOT EXISTS default.logs_all AS default.logs_local ENGINE = Distributed(fleet, default, logs_local, rand())")
        }
        let collectors = [try Collector(index: 0, shard: 0), try Collector(index: 1, shard: 1), try Collector(index: 2, shard: 0)]
        let logs = TempDir("fleet-logs")
        let base = Int64(Date().timeIntervalSince1970 * 1e9) - 2 * 3_600_000_000_000
        func arguments(_ c: Collector) -> [String] {
            ["forward", "--store", c.directory.path, "--to", "clickhouse://127.0.0.1:\(shards[c.shard].httpPort)/default.logs_local",
             "--store-id", c.id, "--batch-records", "400", "--timeout", "10"]
        }
        func localRows() throws -> Int {
            try shards.reduce(0) { sum, shard in
                sum + (Int(try shard.query("SELECT count() FROM default.logs_local FORMAT TabSeparated")
                    .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0)
            }
        }
        defer { for c in collectors { c.forwarder?.kill() } }
        var generator = SystemRandomNumberGenerator()
        var launches = 0
        for round in 0..<6 {
            for c in collectors { try c.write(1500, base: base) }
            for c in collectors where !(c.forwarder?.isRunning ?? false) {
                c.forwarder = try LogStoreBinary.start(arguments(c), log: logs.path + "/\(c.id)-\(launches).log")
                launches += 1
            }
            let before = try localRows()
            try waitUntil(timeout: 60, "round \(round) forwards something") { try localRows() > before }
            // Random moments: a forwarder killed before, during or after an insert; on rounds 2 and 4 the
            // second shard too, under its running forwarder, restarted after a random pause.
            Thread.sleep(forTimeInterval: Double.random(in: 0...0.4, using: &generator))
            let victim = collectors[Int.random(in: 0..<collectors.count, using: &generator)]
            victim.forwarder?.kill()
            victim.forwarder = nil
            if round == 2 || round == 4 {
                shards[1].kill()
                Thread.sleep(forTimeInterval: Double.random(in: 0...0.5, using: &generator))
                try shards[1].start()
            }
            for (n, shard) in shards.enumerated() {
                let answer = try shard.query("SELECT count(), uniqExact(store_id, seq) FROM default.logs_local FORMAT TabSeparated")
                let fields = answer.split(whereSeparator: { $0 == "\t" || $0 == "\n" })
                #expect(fields.count == 2 && fields[0] == fields[1], "round \(round), shard \(n): a record was inserted twice (\(answer))")
            }
        }
        // Catch up: every forwarder stopped, the writers done, then `--once` per collector.
        for c in collectors { c.forwarder?.kill(); c.forwarder = nil; try c.store.close() }
        for c in collectors {
            let log = logs.path + "/\(c.id)-final.log"
            let status = try LogStoreBinary.start(arguments(c) + ["--once", "--quiet"], log: log).wait()
            #expect(status == 0, "\(c.id): forward --once failed: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        }

        // Exactly once, fleet-wide, through the Distributed table.
        let total = collectors.reduce(0) { $0 + $1.written }
        #expect(total == 3 * 6 * 1500)
        #expect(try shards[0].query("SELECT count(), uniqExact(store_id, seq) FROM default.logs_all FORMAT TabSeparated") == "\(total)\t\(total)\n")
        let perStore = collectors.map { "\($0.id)\t\($0.written)\t1\t\($0.written)" }.joined(separator: "\n") + "\n"
        #expect(try shards[1].query("SELECT store_id, count(), min(seq), max(seq) FROM default.logs_all GROUP BY store_id ORDER BY store_id FORMAT TabSeparated") == perStore)

        // Fleet-wide queries equal the same queries over the union of the stores.
        let stores = try collectors.map { c -> LogStore in
            var options = StoreOptions()
            options.readOnly = true
            return try LogStore.open(at: c.directory.path, options: options)
        }
        defer { for store in stores { try? store.close() } }
        var bySource: [String: Int] = [:]
        for store in stores {
            for s in 0..<4 { bySource["svc-\(s)", default: 0] += try store.count(LogQuery(sources: ["svc-\(s)"])) }
        }
        let expectedBySource = bySource.keys.sorted().map { "\($0)\t\(bySource[$0] ?? 0)" }.joined(separator: "\n") + "\n"
        #expect(try shards[0].query("SELECT source, count() FROM default.logs_all GROUP BY source ORDER BY source FORMAT TabSeparated") == expectedBySource)

        for job in ["job-0", "job-77", "job-179"] {
            var union: [(timestamp: Int64, line: String)] = []
            for (c, store) in zip(collectors, stores) {
                for r in try store.records(LogQuery(correlationID: job)) {
                    union.append((r.timestamp, "\(c.id)\t\(r.sequence)\t\(r.level.name)\t\(r.message)"))
                }
            }
            #expect(Set(union.map { $0.line.split(separator: "\t")[0] }).count == 3, "\(job) is spread over the three collectors")
            let expected = union.sorted { $0.timestamp < $1.timestamp }.map(\.line).joined(separator: "\n") + "\n"
            let fleet = try shards[1].query("SELECT store_id, seq, level, message FROM default.logs_all WHERE correlation_id = '\(job)' ORDER BY timestamp_ns FORMAT TabSeparated")
            #expect(fleet == expected, "\(job): the fleet's records differ from the union of the stores")
        }
    }
}
