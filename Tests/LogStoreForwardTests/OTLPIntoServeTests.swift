import Foundation
import Testing
import LogStore
import LogStoreForward

/// OTLP export into a real `logstore serve` (both ends the built binary, on loopback): exactly once,
/// through the idempotency keys `STORE-ID/SEQ` the receiving store deduplicates (docs/FORWARDING.md 8).
// Synchronous on purpose: these tests time SIGKILLs against a running exporter and wait for a server's
// port. An async test shares the 2 threads of the cooperative pool with the suite's blocking tests and
// was not run for minutes in the full suite (its waits timed out, its kills all came after the export
// had finished); a synchronous one holds its thread and is never starved.
@Suite(.serialized)
struct OTLPIntoServeTests {
    /// `count` records from `first`, timestamps within the last hour (inside any retention and skew).
    static func records(_ count: Int, first: Int = 0) -> [LogRecord] {
        let start = Int64(Date().timeIntervalSince1970 * 1e9) - 3_600_000_000_000
        return (first..<(first + count)).map { (i: Int) -> LogRecord in
            let timestamp: Int64 = start + Int64(i) * 50_000_000
            let level: LogLevel = i % 7 == 0 ? .error : .info
            let correlationID: String? = i % 5 == 0 ? "req-\(i / 5)" : nil
            return LogRecord(timestamp: timestamp, level: level, source: "svc-\(i % 3)", correlationID: correlationID,
                             message: "record \(i) ünïcode", attributes: [Attribute("i", .int(Int64(i)))])
        }
    }

    /// Forwarder processes SIGKILLed at random moments while the store grows between them, then the
    /// position removed (the crash point "acknowledged, position not saved" for every batch at once):
    /// the receiving store holds every record exactly once (count = distinct keys = records sent).
    @Test func sigkilledExportersIntoLogstoreServeStoreEveryRecordOnce() throws {
        let source = TempDir("otlp-source"), receiving = TempDir("otlp-receiver"), logs = TempDir("otlp-logs")
        var written = 10_000   // then 8 rounds of 6,000 more
        try writeStore(source.path, Self.records(written))
        let (serve, port) = try Self.startServe(store: receiving.path + "/store", log: logs.path + "/serve.log")
        defer { if serve.isRunning { serve.kill() } }
        let target = "otlp+http://127.0.0.1:\(port)"
        let arguments = ["forward", "--store", source.path, "--to", target, "--store-id", "chaos", "--batch-records", "250"]
        var generator = SystemRandomNumberGenerator()
        var killedMidway = 0
        for round in 0..<8 {
            let store = try LogStore.open(at: source.path)
            _ = try store.append(Self.records(6000, first: written))
            written += 6000
            try store.close()
            let before = try Self.count(port: port, scratch: logs.path)
            let forwarder = try LogStoreBinary.start(arguments, log: logs.path + "/round-\(round).log")
            try waitUntil(timeout: 60, "round \(round) exports something") {
                try Self.count(port: port, scratch: logs.path) > before || !forwarder.isRunning
            }
            // Even rounds: the moment the first batch is seen, in the middle of the export (24 batches of
            // 250). Odd rounds: a random moment, before, during or after an export or a position save. The
            // delay is the crash point chosen, not a wait for something to happen.
            if round % 2 == 1 { pace(.milliseconds(Int.random(in: 0...300, using: &generator))) }
            forwarder.kill()
            // Counted after the kill: it died before sending everything (a request still in flight at the
            // kill may land later, which only makes this count smaller).
            if try Self.count(port: port, scratch: logs.path) < written { killedMidway += 1 }
        }
        let last = try LogStoreBinary.start(arguments + ["--once"], log: logs.path + "/final.log")
        #expect(last.wait() == 0, "forward --once: \((try? String(contentsOfFile: logs.path + "/final.log", encoding: .utf8)) ?? "")")
        #expect(try Self.count(port: port, scratch: logs.path) == written)
        #expect(killedMidway > 0, "no forwarder was killed before it had caught up")

        // Every batch acknowledged but its position lost: the next start sends everything again, and the
        // receiving store drops all of it as duplicates.
        let store = try LogStore.open(at: source.path)
        _ = try store.append([LogRecord](), checkpoints: [Checkpoint(name: ForwardPosition.checkpointName(sink: target + "/v1/logs"), value: [])])
        try store.close()
        let again = try LogStoreBinary.start(arguments + ["--once"], log: logs.path + "/again.log")
        #expect(again.wait() == 0)
        let againLog = (try? String(contentsOfFile: logs.path + "/again.log", encoding: .utf8)) ?? ""
        #expect(againLog.contains("exported 0 records") && againLog.contains("\(written) rejected by the receiver"), "\(againLog)")
        #expect(try Self.count(port: port, scratch: logs.path) == written)

        kill(serve.pid, SIGTERM)
        #expect(serve.wait() == 0)
        let received = try LogStore.open(at: receiving.path + "/store")
        defer { try? received.close() }
        var keys: [String] = []
        let iterator = try received.query(LogQuery())
        while let record = try iterator.next() {
            if case .string(let key)? = record.attributes.first(where: { $0.key == "logstore.idempotency_key" })?.value { keys.append(key) }
        }
        #expect(keys.count == written)
        #expect(Set(keys) == Set((1...written).map { "chaos/\($0)" }))
    }

    /// `logstore serve --forward-to otlp+http://…`: records posted to one server reach another exactly
    /// once; `/metrics` shows `forward_sent_total` for the OTLP sink; after SIGTERM `logstore inspect`
    /// shows the position.
    @Test func serveForwardsOverOTLPIntoAnotherServe() throws {
        let a = TempDir("otlp-serve-a"), b = TempDir("otlp-serve-b"), logs = TempDir("otlp-serve-logs")
        let (receiver, receiverPort) = try Self.startServe(store: b.path + "/store", log: logs.path + "/b.log")
        defer { if receiver.isRunning { receiver.kill() } }
        let sink = "otlp+http://127.0.0.1:\(receiverPort)/v1/logs"
        let (sender, senderPort) = try Self.startServe(store: a.path + "/store", log: logs.path + "/a.log",
                                                             extra: ["--forward-to", "otlp+http://127.0.0.1:\(receiverPort)", "--forward-store-id", "a"])
        defer { if sender.isRunning { sender.kill() } }
        let now = Int64(Date().timeIntervalSince1970 * 1e9)
        let body = (0..<3000).map { i in
            #"{"timestamp":\#(now - 60_000_000_000 + Int64(i) * 1_000_000),"level":"warning","source":"web","message":"m\#(i)"}"#
        }.joined(separator: "\n") + "\n"
        let posted = try curl(["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--data-binary", "@-",
                               "http://127.0.0.1:\(senderPort)/insert/jsonline"], input: body, scratch: logs.path)
        #expect(posted == "200")
        try waitUntil(timeout: 60, "the receiver has 3,000 records") { try Self.count(port: receiverPort, scratch: logs.path) >= 3000 }
        try waitUntil(timeout: 30, "the sender's metrics show 3,000 sent") {
            try curl(["-sS", "http://127.0.0.1:\(senderPort)/metrics"], input: nil, scratch: logs.path)
                .contains(#"forward_sent_total{sink="\#(sink)"} 3000"#)
        }
        let metrics = try curl(["-sS", "http://127.0.0.1:\(senderPort)/metrics"], input: nil, scratch: logs.path)
        #expect(metrics.contains(#"forward_lag_records{sink="\#(sink)"} 0"#), "metrics: \(metrics)")
        kill(sender.pid, SIGTERM)
        #expect(sender.wait() == 0)
        #expect(try Self.count(port: receiverPort, scratch: logs.path) == 3000)
        let inspectLog = logs.path + "/inspect.log"
        #expect(try LogStoreBinary.start(["inspect", "--store", a.path + "/store", "--format", "json"], log: inspectLog).wait() == 0)
        let inspected = (try? String(contentsOfFile: inspectLog, encoding: .utf8)) ?? ""
        #expect(inspected.contains(#""forward":{"sink":"\#(sink)","high_water_mark":3000,"lag_records":0}"#), "inspect: \(inspected)")
        // --status reads the same position from the stopped store.
        let statusLog = logs.path + "/status.log"
        #expect(try LogStoreBinary.start(["forward", "--store", a.path + "/store", "--to", "otlp+http://127.0.0.1:\(receiverPort)",
                                          "--store-id", "a", "--status", "--format", "json"], log: statusLog).wait() == 0)
        let status = (try? String(contentsOfFile: statusLog, encoding: .utf8)) ?? ""
        #expect(status.hasPrefix(#"{"store_id":"a","store_latest_seq":3000,"high_water_mark":3000,"lag_records":0"#), "status: \(status)")
        kill(receiver.pid, SIGTERM)
        #expect(receiver.wait() == 0)
    }

    /// Starts `logstore serve` on a free loopback port; returns it and the port it reports.
    static func startServe(store: String, log: String, extra: [String] = []) throws -> (Spawned, Int) {
        let serve = try LogStoreBinary.start(["serve", "--store", store, "--listen", "127.0.0.1:0", "--no-access-log"] + extra, log: log)
        var port = 0
        // The caller's `defer` that kills it does not exist yet: kill it here if it never says its port.
        var started = false
        defer { if !started, serve.isRunning { serve.kill() } }
        var exited = false
        do {
            try waitUntil(timeout: 60, "logstore serve says its port") {
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                // A server that exited will never say it: fail at once with what it printed.
                if !serve.isRunning, !text.contains("listening on port ") {
                    exited = true
                    throw TestFailure("logstore serve exited before listening; its output:\n\(text)")
                }
                guard let line = text.split(separator: "\n").first(where: { $0.contains("listening on port ") }),
                      let value = Int(line.split(separator: " ").last ?? "") else { return false }
                port = value
                return true
            }
        } catch where !exited {
            // Still running but silent: say what it printed and where every thread of it stands.
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw TestFailure("\(error); its output so far:\n\(text)\nits threads:\n\(threadStacks(of: serve.pid, scratch: (log as NSString).deletingLastPathComponent))")
        }
        started = true
        return (serve, port)
    }

    /// The receiving server's record count (`GET /api/v1/count`).
    static func count(port: Int, scratch: String) throws -> Int {
        let answer = try curl(["-sS", "http://127.0.0.1:\(port)/api/v1/count"], input: nil, scratch: scratch)
        guard let object = try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any], let count = object["count"] as? Int else {
            throw TestFailure("unexpected count answer: \(answer)")
        }
        return count
    }
}

/// `curl ARGS` with `input` on standard input; its standard output.
private func curl(_ arguments: [String], input: String?, scratch: String) throws -> String {
    let name = UUID().uuidString
    let inputPath = scratch + "/\(name).in", outputPath = scratch + "/\(name).out"
    try (input ?? "").write(toFile: inputPath, atomically: false, encoding: .utf8)
    defer {
        try? FileManager.default.removeItem(atPath: inputPath)
        try? FileManager.default.removeItem(atPath: outputPath)
    }
    let status = try Spawned.start("/usr/bin/curl", arguments, output: outputPath, input: inputPath).wait()
    guard status == 0 else { throw TestFailure("curl \(arguments) failed with status \(status)") }
    return (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
}

/// Every thread's backtrace of the running process `pid` (`gdb -batch`), or why there is none; for the failure
/// message of a process that hangs.
private func threadStacks(of pid: pid_t, scratch: String) -> String {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/gdb") else { return "(no /usr/bin/gdb to show them)" }
    let output = scratch + "/gdb-\(pid).txt"
    let status = try? Spawned.start("/usr/bin/gdb", ["-p", "\(pid)", "-batch", "-ex", "thread apply all bt 25"], output: output).wait()
    let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    return "gdb exit \(status.map(String.init) ?? "not started"):\n" + text.split(separator: "\n").filter { $0.hasPrefix("#") || $0.hasPrefix("Thread") }.joined(separator: "\n")
}
