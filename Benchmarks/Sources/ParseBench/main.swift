// ParseBench (issue 17): each line format's parser throughput (MB/s) against the plain-text parser on the same
// bytes, through LineRecordStream in 2 MiB chunks into WAL rows (as `logstore ingest` parses), beside the same
// format through LogRecords encoded with RowCodec (the record API), median of --reps runs; an in-process ingest
// of --ingest-mb of access log into a store; and optionally `logstore ingest --format access` and
// `--format text` of the same generated access log through a release binary, alternating.
//
//   swift run -c release --package-path Benchmarks ParseBench [--mb 32] [--reps 5] [--formats access,cri]
//       [--logstore .build/release/logstore --ingest-mb 64]
import Glibc
import LogStore
import LogStoreIngest
import LogStoreFormat

var megabytes = 32
var reps = 5
var logstorePath: String?
var ingestMB = 64
var only: Set<String> = []
var args = CommandLine.arguments.dropFirst()
while let a = args.popFirst() {
    switch a {
    case "--mb": megabytes = Int(args.popFirst() ?? "") ?? megabytes
    case "--reps": reps = Int(args.popFirst() ?? "") ?? reps
    case "--logstore": logstorePath = args.popFirst()
    case "--ingest-mb": ingestMB = Int(args.popFirst() ?? "") ?? ingestMB
    case "--formats": only = Set((args.popFirst() ?? "").split(separator: ",").map(String.init))
    default:
        print("usage: ParseBench [--mb N] [--reps N] [--formats access,syslog,…] [--logstore PATH [--ingest-mb N]]")
        exit(2)
    }
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

/// How a benchmark run takes the records: as row bytes straight from the stream (what `logstore ingest`
/// stores), or as `LogRecord`s encoded with `RowCodec` afterwards (what the record API and the tailer give).
enum Output { case rows, records }

/// Seconds to parse `bytes` in `format` into WAL rows, and the records made.
func parse(_ bytes: [UInt8], _ format: LineFormat, options: LineParserOptions, output: Output = .rows) -> (Double, Int) {
    var count = 0
    let d = ContinuousClock().measure {
        var stream = LineRecordStream(format: format, options: options)
        var records: [LogRecord] = []
        var errors: [LineError] = []
        var rows = ByteWriter(capacity: 4 << 20)
        func encode() {
            for r in records { RowCodec.encode(r, into: &rows) }
            count += records.count
            records.removeAll(keepingCapacity: true)
            rows.removeAll()
        }
        let chunk = 2 << 20
        bytes.withUnsafeBytes { all in
            var at = 0
            while at < all.count {
                let end = min(at + chunk, all.count)
                let piece = UnsafeRawBufferPointer(rebasing: all[at..<end])
                switch output {
                case .rows:
                    count += stream.feed(piece, appendingRowsTo: &rows, errors: &errors)
                    rows.removeAll()
                case .records:
                    stream.feed(piece, into: &records, errors: &errors)
                    encode()
                }
                at = end
            }
        }
        switch output {
        case .rows: count += stream.finish(appendingRowsTo: &rows, errors: &errors)
        case .records:
            stream.finish(into: &records, errors: &errors)
            encode()
        }
    }
    return (seconds(d), count)
}

/// Seconds to parse `bytes` in `format` and append the records to a fresh store (durability none), one
/// thread: parse a 2 MiB chunk, append its records, repeat.
func ingest(_ bytes: [UInt8], _ format: LineFormat, options: LineParserOptions, at path: String) throws -> Double {
    let store = try LogStore.open(at: path, options: StoreOptions(durability: .none))
    var failure: Error?
    let d = ContinuousClock().measure {
        var stream = LineRecordStream(format: format, options: options)
        var records: [LogRecord] = []
        var errors: [LineError] = []
        let chunk = 2 << 20
        bytes.withUnsafeBytes { all in
            var at = 0
            while at < all.count, failure == nil {
                let end = min(at + chunk, all.count)
                stream.feed(UnsafeRawBufferPointer(rebasing: all[at..<end]), into: &records, errors: &errors)
                do { try store.append(records) } catch { failure = error }
                records.removeAll(keepingCapacity: true)
                at = end
            }
        }
        stream.finish(into: &records, errors: &errors)
        do { try store.append(records); try store.close() } catch { failure = error }
    }
    if let failure { throw failure }
    return seconds(d)
}

func median(_ v: [Double]) -> Double { let s = v.sorted(); return s[s.count / 2] }

var options = LineParserOptions()
options.source = "bench"
options.pattern = try LinePattern(#"^(?<timestamp>\S+ \S+) (?<level>\w+) \[(?<thread>[^\]]+)\] took=(?<took>\d+) (?<message>.*)$"#,
                                  timestampLayout: "%F %T")
options.path = "/var/log/containers/web-1_shop_nginx-" + String(repeating: "ab", count: 32) + ".log"

print("ParseBench: \(megabytes) MB per format, median of \(reps) runs, LineRecordStream → WAL rows, 2 MiB chunks")
print("format | MB/s format | MB/s text, same bytes | ratio | records/s (format) | MB/s format via LogRecord + RowCodec")
print("---|---|---|---|---|---")
for format in [LineFormat.access, .errorLog, .syslog, .docker, .cri, .pattern, .auto] where only.isEmpty || only.contains(format.rawValue) {
    let generated: LineFormat = format == .auto ? .access : format
    let bytes = Inputs.make(generated, bytes: megabytes << 20)
    var formatTimes: [Double] = [], textTimes: [Double] = [], recordTimes: [Double] = []
    var records = 0
    for _ in 0..<reps {
        let (t, n) = parse(bytes, format, options: options)
        formatTimes.append(t)
        records = n
        textTimes.append(parse(bytes, .text, options: options).0)
        recordTimes.append(parse(bytes, format, options: options, output: .records).0)
    }
    let mb = Double(bytes.count) / 1e6
    let f = mb / median(formatTimes), t = mb / median(textTimes)
    let name = format == .auto ? "auto(access)" : format.rawValue
    print("\(name) | \(Int(f.rounded())) | \(Int(t.rounded())) | \(String(Int((f / t * 100).rounded())))% | \(Int((Double(records) / median(formatTimes)).rounded())) | \(Int((mb / median(recordTimes)).rounded()))")
}

do {
    let bytes = Inputs.make(.access, bytes: ingestMB << 20)
    var times: [Double] = []
    for rep in 0..<reps {
        let path = "/tmp/parsebench-store-\(getpid())-\(rep)"
        times.append(try ingest(bytes, .access, options: options, at: path))
        _ = system("rm -rf \(path)")
    }
    let mb = Double(bytes.count) / 1e6
    print("\nin-process ingest (LineRecordStream .access → LogStore.append, one thread, durability none) of \(Int(mb)) MB: "
          + "times \(times.map { ($0 * 100).rounded() / 100 }) s; median \(Int((mb / median(times)).rounded())) MB/s")
}

if let logstorePath {
    let dir = "/tmp/parsebench-\(getpid())"
    mkdir(dir, 0o755)
    let file = dir + "/access.log"
    let bytes = Inputs.make(.access, bytes: ingestMB << 20)
    let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    print("\nlogstore ingest of a \(bytes.count / 1_000_000) MB generated access log (\(file)), \(reps) runs of each format, alternating, a fresh store each:")
    var times: [String: [Double]] = [:]
    for rep in 0..<reps {
        for format in ["access", "text"] {
            let store = dir + "/store-\(format)-\(rep)"
            let command = "\(logstorePath) ingest --store \(store) --durability none --format \(format) --quiet \(file)"
            let d = ContinuousClock().measure { _ = system(command) }
            times[format, default: []].append(seconds(d))
            _ = system("rm -rf \(store)")
        }
    }
    let mb = Double(bytes.count) / 1e6
    for format in ["access", "text"] {
        let t = times[format] ?? []
        print("  --format \(format): times \(t.map { (($0 * 100).rounded() / 100) }) s; median \(Int((mb / median(t)).rounded())) MB/s")
    }
    print("  (target: access ≥ 100 MB/s)")
    _ = system("rm -rf \(dir)")
}
