import Foundation
import Testing
import LogStore


/// A real `clickhouse-server` (Debian's package, installed by scripts/ensure-clickhouse.sh) on
/// loopback with its own data folder and the test ports 38123 (HTTP) and 39000 (native).
final class ClickHouseTestServer {
    static let binary = ["/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server"]
        .first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/sbin/clickhouse-server"
    static let httpPort = 38123
    static let tcpPort = 39000
    /// Why the tests that need ClickHouse cannot run here, or nil.
    static var unavailableReason: String? {
        FileManager.default.isExecutableFile(atPath: binary) ? nil
            : "clickhouse-server is not installed (scripts/ensure-clickhouse.sh installs Debian's package); skipping"
    }

    let directory = TempDir("clickhouse")
    private var process: Spawned?
    /// This server's HTTP and native ports.
    let httpPort: Int
    let tcpPort: Int

    var url: String { "http://127.0.0.1:\(httpPort)/" }

    /// A server on `httpPort`/`tcpPort` (the test ports by default); `extraConfig` is added inside
    /// `<yandex>` (the fleet test's `remote_servers`).
    init(httpPort: Int = ClickHouseTestServer.httpPort, tcpPort: Int = ClickHouseTestServer.tcpPort,
         extraConfig: String = "") throws {
        self.httpPort = httpPort
        self.tcpPort = tcpPort
        let dir = directory.path
        let config = """
        <yandex>
          <logger><level>warning</level><log>\(dir)/log.txt</log><errorlog>\(dir)/err.txt</errorlog></logger>
          <http_port>\(httpPort)</http_port><tcp_port>\(tcpPort)</tcp_port><listen_host>127.0.0.1</listen_host>
          <path>\(dir)/data/</path><tmp_path>\(dir)/tmp/</tmp_path>
          <users_config>/etc/clickhouse-server/users.xml</users_config>
          <default_profile>default</default_profile><default_database>default</default_database>
          <mark_cache_size>5368709</mark_cache_size>
        \(extraConfig)
        </yandex>
        """
        try config.write(toFile: dir + "/config.xml", atomically: true, encoding: .utf8)
        try start()
    }

    deinit { kill() }

    /// Starts the server and waits (up to 60 s) until it answers /ping.
    func start() throws {
        if (try? get("ping")) != nil {
            throw TestFailure("port \(httpPort) is in use by another server; stop it (the forwarding tests use 38123–38124 and 39000–39001)")
        }
        process = try Spawned.start(Self.binary, ["--config-file=\(directory.path)/config.xml"])
        try waitUntil(timeout: 60, "clickhouse-server answers /ping") { (try? self.get("ping")) == "Ok.\n" }
    }

    /// SIGKILLs the server and waits for it to be gone.
    func kill() {
        process?.kill()
        process = nil
    }

    /// Runs `sql` and returns the answer; throws with ClickHouse's message on an error status.
    @discardableResult
    func query(_ sql: String) throws -> String {
        let result = try curl(["-sS", "-w", "\n%{http_code}", "--data-binary", "@-", url], input: sql)
        let lines = result.split(separator: "\n", omittingEmptySubsequences: false)
        let status = lines.last.map(String.init) ?? ""
        let body = lines.dropLast().joined(separator: "\n")
        guard status == "200" else { throw TestFailure("ClickHouse answered \(status): \(body)") }
        return body
    }

    /// (count(), uniqExact(store_id, seq)) of `table` for `storeID`.
    func counts(_ table: String, storeID: String) throws -> (rows: Int, distinct: Int) {
        let answer = try query("SELECT count(), uniqExact(store_id, seq) FROM \(table) WHERE store_id = '\(storeID)' FORMAT TabSeparated")
        let fields = answer.split(whereSeparator: { $0 == "\t" || $0 == "\n" }).compactMap { Int($0) }
        guard fields.count == 2 else { throw TestFailure("unexpected answer: \(answer)") }
        return (fields[0], fields[1])
    }

    private func get(_ path: String) throws -> String {
        try curl(["-sS", "--max-time", "2", url + path], input: nil)
    }

    private func curl(_ args: [String], input: String?) throws -> String {
        let scratch = TempDir("curl")
        let inputPath = scratch.path + "/in", outputPath = scratch.path + "/out"
        try (input ?? "").write(toFile: inputPath, atomically: false, encoding: .utf8)
        let status = try Spawned.start("/usr/bin/curl", args, output: outputPath, input: inputPath).wait()
        guard status == 0 else { throw TestFailure("curl failed with status \(status)") }
        return (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` every 50 ms until it holds; throws after `timeout` seconds naming `what`.
/// The same, from async code: suspends between checks instead of blocking a thread of the shared
/// pool (on 2 cores, tests blocking both pool threads starved the forwarder they waited for).
///
/// The condition is checked once more when the deadline has passed: a task that the pool did not run
/// for longer than the timeout (the full suite's synchronous tests holding both pool threads) must not
/// fail for a condition that held long ago. CI failed so: `logstore serve` had printed its port within
/// a second, the waiting test ran again only after 60 s and gave up without looking.
func waitUntil(timeout: Double, _ what: String, _ condition: () throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(timeout)
    while ContinuousClock.now < deadline {
        if try condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    if try condition() { return }
    throw TestFailure("timed out after \(timeout) s waiting until \(what)")
}

func waitUntil(timeout: Double, _ what: String, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return }
        Thread.sleep(forTimeInterval: 0.05)
    }
    if try condition() { return }
    throw TestFailure("timed out after \(timeout) s waiting until \(what)")
}

/// `count` records starting at `first`, 0.1 s apart from 500 s before the last UTC midnight, so they
/// span two days (batches are cut at the boundary) and are within the store's retention.
func sampleRecords(_ count: Int, first: Int = 0) -> [LogRecord] {
    let day: Int64 = 86_400_000_000_000
    let midnight = Int64(Date().timeIntervalSince1970 * 1e9) / day * day
    return (first..<(first + count)).map { (i: Int) -> LogRecord in
        let timestamp: Int64 = midnight - 500_000_000_000 + Int64(i) * 100_000_000
        let level: LogLevel = i % 7 == 0 ? .error : .info
        let correlationID: String? = i % 5 == 0 ? "req-\(i / 5)" : nil
        let attributes: [Attribute] = [Attribute("i", .int(Int64(i))), Attribute("ok", .bool(i % 2 == 0))]
        return LogRecord(timestamp: timestamp, level: level, source: "svc-\(i % 3)", correlationID: correlationID,
                         message: "record \(i) with \"quotes\", a tab\tand ünïcode", attributes: attributes)
    }
}

/// Writes `records` to a new store at `directory` in appends of `per`, then closes it.
func writeStore(_ directory: String, _ records: [LogRecord], per: Int = 1000) throws {
    let store = try LogStore.open(at: directory)
    var index = 0
    while index < records.count {
        _ = try store.append(records[index..<min(records.count, index + per)])
        index += per
    }
    try store.close()
}
