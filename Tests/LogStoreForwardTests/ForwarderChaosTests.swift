import Foundation
import Testing
import LogStore
import LogStoreForward

/// The `logstore` binary built next to the tests (`swift build --build-tests` builds it).
enum LogStoreBinary {
    static let path: String? = BuiltExecutable.path("logstore")

    /// Starts `logstore ARGS` with its standard output and error in `log`.
    static func start(_ args: [String], log: String) throws -> Spawned {
        let executable = try #require(path, "the logstore binary is not built next to the tests")
        return try Spawned.start(executable, args, output: log)
    }
}

extension ClickHouseForwardTests {
    /// Forwarder processes SIGKILLed at random moments while a writer appends, and the ClickHouse
    /// server SIGKILLed and restarted under a running forwarder: at the end every record of the store
    /// is in the table exactly once (count = distinct (store_id, seq) = records in the store).
    @Test func sigkilledForwardersAndARestartedClickHouseLoseAndRepeatNothing() throws {
        let server = try ClickHouseTestServer()
        try server.query(ClickHouseSchema.createTable(Self.table))
        let dir = TempDir()
        let logs = TempDir("fwd-logs")
        let total = 40_000
        var written = 20_000
        try writeStore(dir.path, sampleRecords(written))
        let store = try LogStore.open(at: dir.path)
        let arguments = ["forward", "--store", dir.path, "--to", Self.target, "--store-id", "chaos", "--batch-records", "300",
                         "--timeout", "10"]
        var generator = SystemRandomNumberGenerator()
        for round in 0..<8 {
            // The writer keeps appending between kills (the store is the buffer).
            _ = try store.append(sampleRecords(2500, first: written))
            written += 2500
            let before = try server.counts(Self.table, storeID: "chaos").rows
            let forwarder = try LogStoreBinary.start(arguments, log: logs.path + "/round-\(round).log")
            if round == 4 {
                // ClickHouse dies under a running forwarder and comes back; the forwarder retries.
                try waitUntil(timeout: 60, "round \(round) forwards something") {
                    try server.counts(Self.table, storeID: "chaos").rows > before
                }
                server.kill()
                try server.start()
            }
            try waitUntil(timeout: 60, "round \(round) forwards something") {
                try server.counts(Self.table, storeID: "chaos").rows > before || !forwarder.isRunning
            }
            // A random moment: before, during or after an insert.
            Thread.sleep(forTimeInterval: Double.random(in: 0...0.3, using: &generator))
            forwarder.kill()
            let counts = try server.counts(Self.table, storeID: "chaos")
            #expect(counts.rows == counts.distinct, "round \(round): a record was inserted twice")
        }
        #expect(written == total)
        try store.close()
        let last = try LogStoreBinary.start(arguments + ["--once"], log: logs.path + "/final.log")
        let status = last.wait()
        let log = (try? String(contentsOfFile: logs.path + "/final.log", encoding: .utf8)) ?? ""
        #expect(status == 0, "forward --once failed: \(log)")
        let counts = try server.counts(Self.table, storeID: "chaos")
        #expect(counts.rows == total && counts.distinct == total)
        let range = try server.query("SELECT min(seq), max(seq) FROM \(Self.table) WHERE store_id = 'chaos' FORMAT TabSeparated")
        #expect(range == "1\t\(total)\n")
    }

    @Test func statusShowsTheHighWaterMarkAndTheLag() throws {
        let server = try ClickHouseTestServer()
        _ = server
        let dir = TempDir()
        let logs = TempDir("fwd-logs")
        try writeStore(dir.path, sampleRecords(1500))
        let arguments = ["forward", "--store", dir.path, "--to", Self.target, "--store-id", "status"]
        let once = try LogStoreBinary.start(arguments + ["--once", "--quiet"], log: logs.path + "/once.log")
        #expect(once.wait() == 0)
        let store = try LogStore.open(at: dir.path)
        _ = try store.append(sampleRecords(200, first: 1500))
        try store.close()
        let status = try LogStoreBinary.start(arguments + ["--status", "--format", "json"], log: logs.path + "/status.log")
        let exit = status.wait()
        let output = try String(contentsOfFile: logs.path + "/status.log", encoding: .utf8)
        #expect(exit == 0)
        #expect(output.hasPrefix(#"{"store_id":"status","store_latest_seq":1700,"high_water_mark":1500,"lag_records":200,"lag_seconds":"#))
        // The next record to send is record 1500 of sampleRecords: the last midnight - 500 s + 150 s.
        let fields = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        let lagSeconds = try #require(fields?["lag_seconds"] as? Double)
        let day = 86_400.0
        let expected = Date().timeIntervalSince1970 - ((Date().timeIntervalSince1970 / day).rounded(.down) * day - 350)
        #expect(abs(lagSeconds - expected) < 30, "lag_seconds \(lagSeconds), expected about \(expected)")
    }
}
