import Foundation

// ServeBench: records/s ingested over HTTP by `logstore serve` (OTLP protobuf, OTLP JSON, NDJSON) with
// 1, 4 and 16 concurrent clients sending batches of 1,000, side by side in one run with ClickHouse's
// HTTP interface inserting the same records as JSONEachRow into a MergeTree table, and one-shot
// `logstore ingest` of the same NDJSON. docs/BENCHMARKS.md, "Issue 12".
//
//   swift build -c release --product logstore
//   swift run -c release --package-path Benchmarks ServeBench --logstore .build/release/logstore

struct Settings {
    var logstore = ".build/release/logstore"
    var records = 200_000
    var clients = [1, 4, 16]
    var batch = 1000
    var durability = "batch"
    var clickhouse = FileManager.default.isExecutableFile(atPath: ServerUnderTest.clickhouseBinary)
    var workdir = NSTemporaryDirectory() + "servebench-\(getpid())"
    var only: Set<String> = ["throughput", "query", "tail"]
    var probeRecords = 1_000_000
    var probeAccessLog = false
    var formats: Set<String> = ["protobuf", "json", "ndjson", "clickhouse"]

    static let usage = """
    ServeBench [--logstore PATH] [--records N] [--clients 1,4,16] [--batch N] [--durability sync|batch|none] [--no-clickhouse] [--workdir DIR]
               [--only throughput,query,tail] [--probe-records N] [--formats protobuf,json,ndjson,clickhouse]
               [--probe-access-log]
    """

    init(_ args: [String]) throws {
        var i = 0
        func value() throws -> String {
            i += 1
            guard i < args.count else { throw HTTPConnection.Failure(description: "\(args[i - 1]) needs a value\n" + Self.usage) }
            return args[i]
        }
        while i < args.count {
            switch args[i] {
            case "--logstore": logstore = try value()
            case "--records": records = Int(try value()) ?? records
            case "--clients": clients = try value().split(separator: ",").compactMap { Int($0) }
            case "--batch": batch = Int(try value()) ?? batch
            case "--durability": durability = try value()
            case "--no-clickhouse": clickhouse = false
            case "--workdir": workdir = try value()
            case "--only": only = Set(try value().split(separator: ",").map(String.init))
            case "--probe-records": probeRecords = Int(try value()) ?? probeRecords
            case "--probe-access-log": probeAccessLog = true
            case "--formats": formats = Set(try value().split(separator: ",").map(String.init))
            default: throw HTTPConnection.Failure(description: "unknown option \(args[i])\n" + Self.usage)
            }
            i += 1
        }
    }
}

func say(_ s: String) { FileHandle.standardError.write(Data(("[servebench] " + s + "\n").utf8)) }

let settings: Settings
do { settings = try Settings(Array(CommandLine.arguments.dropFirst())) } catch { print(error); exit(2) }
try FileManager.default.createDirectory(atPath: settings.workdir, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: settings.workdir) }

let now = Int64(Date().timeIntervalSince1970 * 1e9)
let records = Payloads.records(count: settings.records, now: now, seed: 42)
let slices = stride(from: 0, to: records.count, by: settings.batch).map { records[$0..<min($0 + settings.batch, records.count)] }
let formats: [(name: String, key: String, path: String, type: String, batches: [[UInt8]])] = [
    ("OTLP protobuf", "protobuf", "/v1/logs", "application/x-protobuf", slices.map(Payloads.otlpProtobuf)),
    ("OTLP JSON", "json", "/v1/logs", "application/json", slices.map(Payloads.otlpJSON)),
    ("NDJSON", "ndjson", "/insert/jsonline", "application/x-ndjson", slices.map(Payloads.ndjson)),
]
let chBatches = slices.map(Payloads.jsonEachRow)
let ndjsonBytes = formats[2].batches.reduce(0) { $0 + $1.count }
say("\(records.count) records, \(slices.count) batches of \(settings.batch); NDJSON \(ndjsonBytes / records.count) bytes per record")

struct Row { var target: String; var format: String; var clients: Int; var result: Load.Result; var peakMiB: Double; var cpuSeconds: Double }
var rows: [Row] = []
var run = 0

for clients in settings.only.contains("throughput") ? settings.clients : [] {
    for format in formats where settings.formats.contains(format.key) {
        run += 1
        let server = try ServerUnderTest(logstore: settings.logstore, directory: settings.workdir + "/store-\(run)", durability: settings.durability)
        let cpuBefore = server.cpuSeconds
        let result = Load.run(port: server.port, path: format.path, contentType: format.type, batches: format.batches, clients: clients)
        let peak = server.peakRSSMiB
        let cpu = server.cpuSeconds - cpuBefore
        // Every acknowledged record must be there: the server's own count after the run.
        let counted = try HTTPConnection(port: server.port).get("/api/v1/count")
        let stored = Int(String(decoding: counted.body, as: UTF8.self).split(whereSeparator: { !$0.isNumber }).first ?? "") ?? -1
        if stored != records.count - result.failures * settings.batch {
            say("PROBLEM: logstore \(format.name) ×\(clients): \(stored) records stored, \(records.count - result.failures * settings.batch) acknowledged")
        }
        server.stop()
        try? FileManager.default.removeItem(atPath: settings.workdir + "/store-\(run)")
        rows.append(Row(target: "logstore serve (\(settings.durability))", format: format.name, clients: clients, result: result, peakMiB: peak, cpuSeconds: cpu))
        say("logstore \(format.name) ×\(clients): \(Int(Double(records.count) / result.seconds)) records/s, failures \(result.failures) \(result.firstFailure ?? "")")
    }
    if settings.clickhouse && settings.formats.contains("clickhouse") {
        let ch = try ServerUnderTest(clickhouseIn: settings.workdir + "/clickhouse-\(clients)", httpPort: 18123, tcpPort: 19000)
        let create = "CREATE TABLE logs (ts UInt64, level String, source String, correlation_id String, message String, status Int64, latency_ms Float64, method String, path String) ENGINE = MergeTree() ORDER BY (source, ts)"
        let setup = try HTTPConnection(port: ch.port).post("/", contentType: "text/plain", body: Array(create.utf8))
        if setup.status != 200 { say("clickhouse CREATE TABLE: \(setup.status) \(String(decoding: setup.body, as: UTF8.self))") }
        let cpuBefore = ch.cpuSeconds
        let result = Load.run(port: ch.port, path: "/?query=INSERT%20INTO%20logs%20FORMAT%20JSONEachRow", contentType: "application/x-ndjson",
                              batches: chBatches, clients: clients)
        let peak = ch.peakRSSMiB
        let cpu = ch.cpuSeconds - cpuBefore
        ch.stop()
        rows.append(Row(target: "ClickHouse 18.16 HTTP", format: "JSONEachRow", clients: clients, result: result, peakMiB: peak, cpuSeconds: cpu))
        say("clickhouse ×\(clients): \(Int(Double(records.count) / result.seconds)) records/s, failures \(result.failures) \(result.firstFailure ?? "")")
    }
}

// One-shot `logstore ingest` of the same NDJSON.
let ndjsonPath = settings.workdir + "/all.ndjson"
FileManager.default.createFile(atPath: ndjsonPath, contents: Data(formats[2].batches.flatMap { $0 }))
let ingest = Process()
ingest.executableURL = URL(fileURLWithPath: settings.logstore)
ingest.arguments = ["ingest", "--store", settings.workdir + "/oneshot", "--durability", settings.durability, ndjsonPath]
ingest.standardOutput = FileHandle.nullDevice
ingest.standardError = FileHandle.nullDevice
let t0 = Date()
try ingest.run()
ingest.waitUntilExit()
let oneShotRate = Double(records.count) / Date().timeIntervalSince(t0)

// Latency probes (issue 12, Must 8): a correlation lookup over HTTP on a store of --probe-records
// records, and send/commit → SSE event on a live tail at 20,000 records/s.
var probeLines: [String] = []
if settings.only.contains("query") {
    let path = settings.workdir + "/probe.ndjson"
    FileManager.default.createFile(atPath: path, contents: nil)
    let file = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    var ids: [String] = []
    var written = 0
    var chunkSeed: UInt64 = 1000
    while written < settings.probeRecords {
        let chunk = Payloads.records(count: min(100_000, settings.probeRecords - written), now: now - 3_600_000_000_000, seed: chunkSeed)
        chunkSeed += 1
        for (i, r) in chunk.enumerated() where i % 8 == 0 { ids.append(Payloads.hex(r.traceID)) }
        file.write(Data(Payloads.ndjson(chunk[...])))
        written += chunk.count
    }
    try file.close()
    let build = Process()
    build.executableURL = URL(fileURLWithPath: settings.logstore)
    build.arguments = ["ingest", "--store", settings.workdir + "/probe", "--format", "ndjson", path]
    build.standardOutput = FileHandle.nullDevice
    build.standardError = FileHandle.nullDevice
    try build.run()
    build.waitUntilExit()
    let server = try ServerUnderTest(logstore: settings.logstore, directory: settings.workdir + "/probe", durability: settings.durability,
                                     accessLog: settings.probeAccessLog)
    defer { server.stop() }
    let (lookups, floor) = try Probes.correlation(port: server.port, ids: ids, lookups: 2000, warmup: 200, withFloor: settings.probeAccessLog)
    say("correlation over HTTP, \(settings.probeRecords) records: \(lookups.line)")
    probeLines.append("| correlation lookup `GET /api/v1/trace/{id}` (8 records), \(settings.probeRecords) records | \(lookups.line); \(lookups.note) |")
    if let round = floor {
        say("GET /healthz after each lookup, same connection: \(round.line)")
        probeLines.append("| `GET /healthz` after each lookup, same connection (the HTTP round trip alone) | \(round.line) |")
        // The server's own time per lookup (its access log, the last 2,000 lookups): what of the tail is spent
        // inside the handler, and what between the socket and the handler or waiting for a CPU.
        let inside = Probes.Summary(samples: Array(server.serverMilliseconds(pathPrefix: "/api/v1/trace/").suffix(2000)), note: "")
        say("correlation, server's own time (access log): \(inside.line)")
        probeLines.append("| correlation lookup, the server's own time (access log, 0.1 ms steps) | \(inside.line) |")
    }
}
if settings.only.contains("tail") {
    let server = try ServerUnderTest(logstore: settings.logstore, directory: settings.workdir + "/tail", durability: settings.durability)
    defer { server.stop() }
    let result = try Probes.tail(port: server.port, perBatch: 100, intervalMs: 5, seconds: 5, now: now)
    say("tail: send → event \(result.sendToEvent.line); answer → event \(result.ackToEvent.line)")
    probeLines.append("| live tail at 20,000 records/s (100 per 5 ms): send → SSE event | \(result.sendToEvent.line); \(result.sendToEvent.note) |")
    probeLines.append("| live tail: 2xx answer (durable) → SSE event | \(result.ackToEvent.line); \(result.ackToEvent.note) |")
    probeLines.append("| live tail: send → 2xx answer | \(result.ack.line); \(result.ack.note) |")
}

print("| target | format | clients | records/s | ack p50 ms | ack p99 ms | failed requests | server peak RSS MiB | server CPU µs/record |")
print("|---|---|---|---|---|---|---|---|---|")
for row in rows {
    let rate = Double(records.count - row.result.failures * settings.batch) / row.result.seconds
    print("| \(row.target) | \(row.format) | \(row.clients) | \(Int(rate)) | \(String(format: "%.1f", row.result.percentile(0.5))) | \(String(format: "%.1f", row.result.percentile(0.99))) | \(row.result.failures) | \(Int(row.peakMiB)) | \(String(format: "%.2f", row.cpuSeconds * 1e6 / Double(records.count))) |")
}
print("| logstore ingest (one shot, \(settings.durability)) | NDJSON file | 1 | \(Int(oneShotRate)) | | | exit \(ingest.terminationStatus) | | |")
if !probeLines.isEmpty {
    print("")
    print("| probe (logstore serve, \(settings.durability)) | latency |")
    print("|---|---|")
    probeLines.forEach { print($0) }
}
