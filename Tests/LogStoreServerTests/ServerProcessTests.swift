import Foundation
import LogStore
import Testing
import Glibc

/// The real binary as a process: every endpoint over a socket, shutdown on SIGTERM, and SIGKILL while
/// clients send with `sync` durability.
@Suite(.serialized) struct ServerProcessTests {
    static let otlpJSON = #"{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"proc"}}]},"scopeLogs":[{"logRecords":[{"timeUnixNano":"\#(nowNanoseconds)","severityNumber":9,"body":{"stringValue":"via otlp"},"traceId":"5b8efff798038103d269b633813fc60c"}]}]}]}"#

    @Test func everyEndpointOverTheRealBinaryThenSIGTERMExitsZero() throws {
        let server = try ServerProcess()
        defer { server.removeFiles() }
        let port = server.port
        func get(_ path: String) throws -> RawHTTP.Response { try RawHTTP.request(port: port, "GET", path) }

        #expect(try get("/healthz").status == 200)
        #expect(try get("/readyz").status == 200)
        let otlp = try RawHTTP.request(port: port, "POST", "/v1/logs", headers: ["Content-Type": "application/json"],
                                       body: Array(Self.otlpJSON.utf8))
        #expect(otlp.status == 200)
        let lines = try RawHTTP.request(port: port, "POST", "/insert/jsonline",
                                        body: Array("{\"ts\":\(nowSeconds),\"source\":\"proc\",\"msg\":\"via ndjson\",\"correlation_id\":\"5b8efff798038103d269b633813fc60c\"}\n".utf8))
        #expect(lines.status == 200)
        let loki = try RawHTTP.request(port: port, "POST", "/loki/api/v1/push", headers: ["Content-Type": "application/json"],
                                       body: Array(#"{"streams":[{"stream":{"service_name":"proc"},"values":[["\#(nowNanoseconds)","via loki"]]}]}"#.utf8))
        #expect(loki.status == 204)

        let query = try get("/api/v1/query?source=proc")
        #expect(query.status == 200)
        #expect(query.text.contains("via otlp") && query.text.contains("via ndjson") && query.text.contains("via loki"))
        #expect(try get("/api/v1/count?source=proc").text.contains("\"count\":3"))
        #expect(try get("/api/v1/hits?step=1h").text.contains("\"count\":3"))
        #expect(try get("/api/v1/facets").text.contains("\"proc\""))
        #expect(try get("/api/v1/stats?by=source").text.contains("\"count\":3"))
        let trace = try get("/api/v1/trace/5b8efff798038103d269b633813fc60c")
        #expect(trace.status == 200 && trace.text.contains("\"steps\":2"))
        #expect(try get("/metrics").text.contains("logstore_ingested_records_total"))
        #expect(server.stderr.contains("POST /v1/logs 200"))   // the access log

        #expect(server.terminate() == 0)
        var options = StoreOptions()
        options.readOnly = true
        let store = try LogStore.open(at: server.directory, options: options)
        defer { try? store.close() }
        #expect(try store.count(LogQuery(sources: ["proc"])) == 3)
    }

    /// Hostile bodies against the real binary (bodies arrive in many socket reads here): a gzip bomb
    /// is cut at the limit, a truncated upload and a garbage request line do not hurt; it keeps serving.
    @Test func hostileBodiesOverTheSocketLeaveTheServerServing() throws {
        let server = try ServerProcess(["--max-body-mib", "1", "--no-access-log"])
        defer { server.removeFiles() }
        let bomb = gzip([UInt8](repeating: 0, count: 256 << 20))   // 256 MiB of zeros, about 250 KiB compressed
        let bombed = try RawHTTP.request(port: server.port, "POST", "/v1/logs",
                                         headers: ["Content-Type": "application/x-protobuf", "Content-Encoding": "gzip"], body: bomb)
        #expect(bombed.status == 413)
        let oversized = try RawHTTP.request(port: server.port, "POST", "/insert/jsonline",
                                            body: [UInt8](repeating: UInt8(ascii: "x"), count: (1 << 20) + 10))
        #expect(oversized.status == 413)
        // An upload that promises 100,000 bytes and stops after 10.
        let cut = try RawHTTP.Connection(port: server.port)
        try cut.send(Array("POST /insert/jsonline HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n0123456789".utf8))
        // Not HTTP at all.
        let garbage = try RawHTTP.Connection(port: server.port)
        try garbage.send(Array("\u{01}\u{02} nonsense\r\n\r\n".utf8))
        _ = try? garbage.receive()
        let line = "{\"ts\":\(nowSeconds),\"source\":\"hostile\",\"msg\":\"still here\"}\n"
        #expect(try RawHTTP.request(port: server.port, "POST", "/insert/jsonline", body: Array(line.utf8)).status == 200)
        #expect(try RawHTTP.request(port: server.port, "GET", "/api/v1/count?source=hostile").text.contains("\"count\":1"))
        _ = cut
        #expect(server.terminate() == 0)
    }

    /// Clients send NDJSON batches concurrently with `--durability sync`; the server is killed with
    /// SIGKILL mid-stream. Every batch answered 2xx must be in the store afterwards.
    @Test func sigkillLosesNothingThatWasAcknowledged() throws {
        let server = try ServerProcess(["--durability", "sync", "--no-access-log"])
        defer { server.removeFiles() }
        let port = server.port
        let acknowledged = AckedBatches()
        let enoughAcks = DispatchSemaphore(value: 0)
        let clients = 4
        let group = DispatchGroup()
        for client in 0..<clients {
            DispatchQueue.global().async(group: group) {
                for batch in 0..<100_000 {
                    let body = (0..<50).map { i in "{\"ts\":\(nowSeconds),\"source\":\"kill\",\"msg\":\"c\(client)-b\(batch)-r\(i)\"}\n" }.joined()
                    guard let response = try? RawHTTP.request(port: port, "POST", "/insert/jsonline", body: Array(body.utf8)) else { return }
                    guard response.status == 200 else { return }
                    if acknowledged.add("c\(client)-b\(batch)") == 40 { enoughAcks.signal() }
                }
            }
        }
        #expect(enoughAcks.wait(timeout: .now() + 120) == .success, "40 batches were not acknowledged in 120 s")
        server.kill()
        #expect(group.wait(timeout: .now() + 60) == .success)

        let store = try LogStore.open(at: server.directory)
        defer { try? store.close() }
        let stored = Set(try store.records(LogQuery(sources: ["kill"])).map(\.message))
        let batches = acknowledged.all
        #expect(batches.count >= 40)
        for batch in batches {
            for i in 0..<50 where !stored.contains("\(batch)-r\(i)") {
                Issue.record("acknowledged record \(batch)-r\(i) is missing after SIGKILL")
            }
        }
    }
}

/// The batches answered 200, shared by the client threads.
final class AckedBatches: @unchecked Sendable {
    private let lock = NSLock()
    private var batches: [String] = []

    func add(_ batch: String) -> Int {
        lock.lock(); defer { lock.unlock() }
        batches.append(batch)
        return batches.count
    }

    var all: [String] {
        lock.lock(); defer { lock.unlock() }
        return batches
    }
}
