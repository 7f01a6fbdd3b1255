import Foundation
import Testing
import LogStore
@testable import LogStoreForward

/// Forwarding into a real clickhouse-server (docs/FORWARDING.md). One server at a time on the test
/// ports, so the suite is serialized.
@Suite(.serialized, .enabled(if: ClickHouseTestServer.unavailableReason == nil,
                             "clickhouse-server is not installed (scripts/ensure-clickhouse.sh installs it); skipping"))
struct ClickHouseForwardTests {
    static let table = "default.logs"
    static let target = "clickhouse://127.0.0.1:\(ClickHouseTestServer.httpPort)/default.logs"

    func configuration(_ store: String, storeID: String = "store-a") -> ForwardConfiguration {
        var configuration = ForwardConfiguration(storeDirectory: store, storeID: storeID)
        configuration.maxBatchRecords = 700
        configuration.batchLinger = .milliseconds(50)
        configuration.initialBackoff = .milliseconds(50)
        configuration.maxBackoff = .milliseconds(500)
        configuration.requestTimeout = .seconds(20)
        configuration.startupSettle = .milliseconds(200)
        configuration.stopWhenCaughtUp = true
        return configuration
    }

    @Test func everyRecordArrivesOnceWithItsFieldsAndASecondRunSendsNothing() async throws {
        let server = try ClickHouseTestServer()
        let dir = TempDir()
        let records = sampleRecords(10_000)
        try writeStore(dir.path, records)
        let forwarder = try ClickHouseForwarder(target: try ClickHouseTarget(url: Self.target), configuration: configuration(dir.path))
        try await forwarder.run()
        #expect(forwarder.progress.sentRecords == 10_000)
        #expect(forwarder.progress.highWaterMark == 10_000)
        let counts = try server.counts(Self.table, storeID: "store-a")
        #expect(counts.rows == 10_000 && counts.distinct == 10_000)
        // The batches were cut at the UTC day boundary: two partitions.
        let partitions = try server.query("SELECT uniqExact(_partition_id) FROM \(Self.table) FORMAT TabSeparated")
        #expect(partitions == "2\n")
        // Fields round-trip, quotes, tabs and non-ASCII text included.
        let row = try server.query("""
            SELECT seq, timestamp_ns, level, source, correlation_id, message, attr.key, attr.value FROM \(Self.table) \
            WHERE seq = 11 FORMAT TabSeparated
            """)
        let r = records[10]
        #expect(row == "11\t\(r.timestamp)\tinfo\tsvc-1\treq-2\trecord 10 with \"quotes\", a tab\\tand ünïcode\t['i','ok']\t['10','true']\n")
        let again = try ClickHouseForwarder(target: try ClickHouseTarget(url: Self.target), configuration: configuration(dir.path))
        try await again.run()
        #expect(again.progress.sentRecords == 0)
        #expect(try server.counts(Self.table, storeID: "store-a").rows == 10_000)
    }

    /// FORWARDING.md 4: a start waits `startupSettle` for an insert a killed predecessor may have on its
    /// way, unless the table did not exist (no insert can have been sent to it).
    @Test func aFirstStartIntoAMissingTableSkipsTheSettleAndARestartWaitsForIt() async throws {
        let server = try ClickHouseTestServer()
        let dir = TempDir()
        try writeStore(dir.path, sampleRecords(1000))
        let clock = ContinuousClock()
        var first = configuration(dir.path)
        first.startupSettle = .seconds(60)
        let firstStart = clock.now
        let forwarder = try ClickHouseForwarder(target: try ClickHouseTarget(url: Self.target), configuration: first)
        try await forwarder.run()
        #expect(clock.now - firstStart < .seconds(60), "the first start into a missing table waited for the settle")
        #expect(forwarder.progress.sentRecords == 1000)
        var restart = configuration(dir.path)
        restart.startupSettle = .seconds(2)
        let restartStart = clock.now
        let again = try ClickHouseForwarder(target: try ClickHouseTarget(url: Self.target), configuration: restart)
        try await again.run()
        #expect(clock.now - restartStart >= .seconds(2), "a start beside an existing table must wait for the settle")
        #expect(again.progress.sentRecords == 0)
        #expect(try server.counts(Self.table, storeID: "store-a").rows == 1000)
    }

    @Test func aPermanentRejectionStopsWithTheReasonAndCountsNothingAsSent() async throws {
        let server = try ClickHouseTestServer()
        // A table whose `level` column cannot take the level names: every insert is a type error.
        try server.query("""
            CREATE TABLE \(Self.table) (store_id String, seq UInt64, timestamp_ns Int64, level UInt8, source String, \
            correlation_id String, message String, attr Nested(key String, value String)) ENGINE = MergeTree ORDER BY (store_id, seq)
            """)
        let dir = TempDir()
        try writeStore(dir.path, sampleRecords(1000))
        let forwarder = try ClickHouseForwarder(target: try ClickHouseTarget(url: Self.target), configuration: configuration(dir.path))
        await #expect {
            try await forwarder.run()
        } throws: { error in
            guard let error = error as? ForwardError else { return false }
            return error.kind == .rejected && error.message.contains("ClickHouse rejected the insert")
        }
        #expect(forwarder.progress.sentRecords == 0)
        #expect(forwarder.progress.highWaterMark == 0)
        #expect(try server.counts(Self.table, storeID: "store-a").rows == 0)
    }

    @Test func anOutageIsRetriedWhileTheStoreGrowsAndCatchUpSendsEverythingOnce() async throws {
        let server = try ClickHouseTestServer()
        let dir = TempDir()
        try writeStore(dir.path, sampleRecords(3000))
        var followConfiguration = configuration(dir.path)
        followConfiguration.stopWhenCaughtUp = false
        let forwarder = try ClickHouseForwarder(target: try ClickHouseTarget(url: Self.target), configuration: followConfiguration)
        let running = Task { try await forwarder.run() }
        try await waitUntil(timeout: 60, "the first 3,000 records are forwarded") { forwarder.progress.highWaterMark == 3000 }
        server.kill()
        // The store keeps ingesting during the outage; the forwarder retries.
        let store = try LogStore.open(at: dir.path)
        _ = try store.append(sampleRecords(2000, first: 3000))
        try await waitUntil(timeout: 60, "the forwarder retries against the stopped server") { forwarder.progress.retries >= 2 }
        #expect(forwarder.progress.highWaterMark == 3000)
        try server.start()
        _ = try store.append(sampleRecords(1000, first: 5000))
        try await waitUntil(timeout: 60, "the forwarder catches up after the outage") { forwarder.progress.highWaterMark == 6000 }
        running.cancel()
        try await running.value
        try store.close()
        let counts = try server.counts(Self.table, storeID: "store-a")
        #expect(counts.rows == 6000 && counts.distinct == 6000)
    }
}

extension ClickHouseForwardTests {
    /// Records retention removed before they were forwarded are counted, never silent
    /// (docs/FORWARDING.md 7): the forwarder sees the gap in sequence numbers.
    @Test func recordsExpiredBeforeForwardingAreCountedAsMissing() async throws {
        let server = try ClickHouseTestServer()
        let dir = TempDir()
        let now = Int64(Date().timeIntervalSince1970 * 1e9)
        let old = (0..<1000).map { LogRecord(timestamp: now - 3 * 3_600_000_000_000 + Int64($0) * 1_000_000, level: .info, source: "old", message: "o\($0)") }
        let recent = (0..<1000).map { LogRecord(timestamp: now - 600_000_000_000 + Int64($0) * 1_000_000, level: .info, source: "new", message: "n\($0)") }
        try writeStore(dir.path, old + recent)
        var options = StoreOptions()
        options.retention = .seconds(3_600)
        options.compactInBackground = false
        let store = try LogStore.open(at: dir.path, options: options)
        #expect(try store.expire().recordsRemoved == 1000)
        try store.close()
        let forwarder = try ClickHouseForwarder(target: try ClickHouseTarget(url: Self.target), configuration: configuration(dir.path, storeID: "expired"))
        try await forwarder.run()
        #expect(forwarder.progress.sentRecords == 1000)
        #expect(forwarder.progress.missingRecords == 1000)
        #expect(try server.counts(Self.table, storeID: "expired").rows == 1000)
    }
}
