import Foundation

/// One figure with LogStore's value beside each peer's, and LogStore ÷ peer.
struct SideBySideRow: Codable, Sendable {
    var figure: String
    var unit: String
    /// "higher" or "lower": which direction is better.
    var better: String
    var logstore: Double?
    var sqlite: Double?
    var duckdb: Double?
    /// Where each value comes from (`workload / metric` of the main table, or a peak-RSS phase).
    var logstoreSource: String?
    var sqliteSource: String?
    var duckdbSource: String?
    /// logstore / sqlite and logstore / duckdb.
    var ratioToSQLite: Double?
    var ratioToDuckDB: Double?
}

enum SideBySide {
    /// A value in the report: a metric median (workload, name, unit) or a peak-RSS phase in MiB.
    enum Ref {
        case metric(String, String, String)
        case rssGrowth(String)
        case rssPeak(String)
    }

    struct Spec {
        var figure: String
        var unit: String
        var higherIsBetter: Bool
        var logstore: Ref?
        var sqlite: Ref?
        var duckdb: Ref?
    }

    static let specs: [Spec] = {
        let ls = "ingest library .batch ×1000", tput = "throughput incl. close"
        let sq100 = "ingest SQLite WAL NORMAL, tx of 100", sq10k = "ingest SQLite WAL NORMAL, tx of 10,000"
        let sqF100 = "ingest SQLite WAL FULL, tx of 100", sqF10k = "ingest SQLite WAL FULL, tx of 10,000"
        let cli = "ingest CLI (logstore ingest)"
        let ddA = DuckDBRun.arrowWorkload, ddJ = DuckDBRun.jsonWorkload
        let sub = "count messageContains \"\(DatasetGenerator.substringToken)\""
        return [
            Spec(figure: "ingest, batch durability (LS .batch ×1000 / SQ NORMAL tx 100 / DD Arrow tx 10k)", unit: "records/s", higherIsBetter: true,
                 logstore: .metric(ls, tput, "records/s"), sqlite: .metric(sq100, tput, "records/s"), duckdb: .metric(ddA, tput, "records/s")),
            Spec(figure: "ingest, batch durability (LS .batch ×1000 / SQ NORMAL tx 10k)", unit: "records/s", higherIsBetter: true,
                 logstore: .metric(ls, tput, "records/s"), sqlite: .metric(sq10k, tput, "records/s")),
            Spec(figure: "ingest, durable commits (LS .sync ×1000 / SQ FULL tx 100)", unit: "records/s", higherIsBetter: true,
                 logstore: .metric("ingest library .sync", "1 writer, batches of 1,000", "records/s"), sqlite: .metric(sqF100, tput, "records/s")),
            Spec(figure: "ingest, durable commits (LS .sync ×1000 / SQ FULL tx 10k)", unit: "records/s", higherIsBetter: true,
                 logstore: .metric("ingest library .sync", "1 writer, batches of 1,000", "records/s"), sqlite: .metric(sqF10k, tput, "records/s")),
            Spec(figure: "ingest of the NDJSON file (LS `logstore ingest` / SQ NORMAL tx 100 / DD read_json)", unit: "MB/s", higherIsBetter: true,
                 logstore: .metric(cli, "throughput (wall clock)", "MB/s"), sqlite: .metric(sq100, tput, "MB/s"), duckdb: .metric(ddJ, tput, "MB/s")),
            Spec(figure: "bytes on disk per record, after close", unit: "B", higherIsBetter: false,
                 logstore: .metric("storage after close", "bytes on disk per record", "B"),
                 sqlite: .metric("storage after close", "bytes on disk per record", "B"),
                 duckdb: .metric("storage after close", "bytes on disk per record", "B")),
            Spec(figure: "open a closed store (writer)", unit: "ms", higherIsBetter: false,
                 logstore: .metric("reopen closed store", "open (writer)", "ms"), sqlite: .metric("reopen closed store", "open (writer)", "ms"),
                 duckdb: .metric("reopen closed store", "open (writer)", "ms")),
            Spec(figure: "open a closed store (read-only)", unit: "ms", higherIsBetter: false,
                 logstore: .metric("reopen closed store", "open (read-only)", "ms"), sqlite: .metric("reopen closed store", "open (read-only)", "ms"),
                 duckdb: .metric("reopen closed store", "open (read-only)", "ms")),
            Spec(figure: "first open after SIGKILL (recovery)", unit: "ms", higherIsBetter: false,
                 logstore: .metric("recovery after SIGKILL", "first open after the kill", "ms"),
                 sqlite: .metric("recovery after SIGKILL", "first open after the kill", "ms"),
                 duckdb: .metric("recovery after SIGKILL", "first open after the kill", "ms")),
            Spec(figure: "correlation-ID lookup p50", unit: "ms", higherIsBetter: false,
                 logstore: .metric("correlation-ID lookup", "p50", "ms"), sqlite: .metric("correlation-ID lookup", "p50", "ms"),
                 duckdb: .metric("correlation-ID lookup", "p50", "ms")),
            Spec(figure: "correlation-ID lookup p99", unit: "ms", higherIsBetter: false,
                 logstore: .metric("correlation-ID lookup", "p99", "ms"), sqlite: .metric("correlation-ID lookup", "p99", "ms"),
                 duckdb: .metric("correlation-ID lookup", "p99", "ms")),
            Spec(figure: "1-minute range, collect full rows (median)", unit: "ms", higherIsBetter: false,
                 logstore: .metric("1-minute range (collect)", "median", "ms"), sqlite: .metric("1-minute range (collect)", "median", "ms"),
                 duckdb: .metric("1-minute range (collect)", "median", "ms")),
            Spec(figure: "count by level, last hour (median)", unit: "ms", higherIsBetter: false,
                 logstore: .metric("countByLevel, last hour", "median", "ms"), sqlite: .metric("countByLevel, last hour", "median", "ms"),
                 duckdb: .metric("countByLevel, last hour", "median", "ms")),
            Spec(figure: "substring count over all messages (median)", unit: "ms", higherIsBetter: false,
                 logstore: .metric(sub, "median", "ms"), sqlite: .metric(sub, "median", "ms"), duckdb: .metric(sub, "median", "ms")),
            Spec(figure: "RSS growth, library ingest (LS .batch / SQ tx 100 / DD Arrow child peak)", unit: "MiB", higherIsBetter: false,
                 logstore: .rssGrowth("ingest .batch"), sqlite: .rssGrowth("sqlite " + sq100),
                 duckdb: .rssPeak("duckdb arrow ingest (child process)")),
            Spec(figure: "peak RSS, process ingesting the NDJSON file (LS CLI / DD read_json)", unit: "MiB", higherIsBetter: false,
                 logstore: .rssPeak("logstore ingest (child process)"), duckdb: .rssPeak("duckdb read_json ingest (child process)")),
        ]
    }()

    static func build(_ report: Report) -> [SideBySideRow] {
        func value(_ contender: String, _ ref: Ref?) -> (Double, String)? {
            switch ref {
            case nil: return nil
            case .metric(let w, let n, let u):
                guard let m = report.metrics.first(where: { $0.contender == contender && $0.workload == w && $0.name == n && $0.unit == u }),
                      let v = m.median, v.isFinite else { return nil }
                return (v, "\(w) / \(n)")
            case .rssGrowth(let phase):
                guard let p = report.peakRSS.first(where: { $0.phase == phase }) else { return nil }
                return (Double(max(p.growthBytes, 0)) / 1_048_576, "peak RSS growth during \(phase)")
            case .rssPeak(let phase):
                guard let p = report.peakRSS.first(where: { $0.phase == phase }), p.peakRSSBytes > 0 else { return nil }
                return (Double(p.peakRSSBytes) / 1_048_576, "peak RSS of \(phase)")
            }
        }
        return specs.compactMap { s in
            let l = value("logstore", s.logstore), q = value("sqlite", s.sqlite), d = value("duckdb", s.duckdb)
            guard q != nil || d != nil else { return nil }
            func ratio(_ peer: (Double, String)?) -> Double? {
                guard let l, let peer, peer.0 != 0 else { return nil }
                return l.0 / peer.0
            }
            return SideBySideRow(figure: s.figure, unit: s.unit, better: s.higherIsBetter ? "higher" : "lower",
                                 logstore: l?.0, sqlite: q?.0, duckdb: d?.0,
                                 logstoreSource: l?.1, sqliteSource: q?.1, duckdbSource: d?.1,
                                 ratioToSQLite: ratio(q), ratioToDuckDB: ratio(d))
        }
    }

    static func ratioText(_ r: Double?) -> String {
        guard let r, r.isFinite else { return "" }
        if r >= 100 { return String(format: "%.0f×", r) }
        if r >= 10 { return String(format: "%.1f×", r) }
        if r >= 0.1 { return String(format: "%.2f×", r) }
        return String(format: "%.2g×", r)
    }

    /// The side-by-side table (Markdown, so it pastes into docs/BENCHMARKS.md as is).
    static func text(_ rows: [SideBySideRow]) -> String {
        var lines = ["side by side (medians; LS/SQ and LS/DD = LogStore ÷ peer; ↑ higher is better, ↓ lower is better):", ""]
        lines.append("| figure | unit | LogStore | SQLite | DuckDB | LS/SQ | LS/DD |")
        lines.append("|---|---|---:|---:|---:|---:|---:|")
        for r in rows {
            let cells = [r.figure, r.unit + (r.better == "higher" ? " ↑" : " ↓"),
                         r.logstore.map(Fmt.number) ?? "—", r.sqlite.map(Fmt.number) ?? "—", r.duckdb.map(Fmt.number) ?? "—",
                         ratioText(r.ratioToSQLite), ratioText(r.ratioToDuckDB)]
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }
}
