import Foundation

/// One line of the results table.
struct Metric: Codable, Sendable {
    var contender: String
    var workload: String
    var name: String
    var unit: String
    var median: Double?
    var min: Double?
    var max: Double?
    var samples: Int
    var target: String?
    /// "PASS", "FAIL" or nil when the metric has no target.
    var status: String?
    var note: String?

    init(contender: String, workload: String, name: String, unit: String, _ s: Samples,
         target: String? = nil, passes: ((Double) -> Bool)? = nil, note: String? = nil) {
        self.contender = contender
        self.workload = workload
        self.name = name
        self.unit = unit
        self.median = s.isEmpty ? nil : s.median
        self.min = s.isEmpty ? nil : s.min
        self.max = s.isEmpty ? nil : s.max
        self.samples = s.count
        self.target = target
        if let passes { status = s.isEmpty ? "n/a" : (passes(s.median) ? "PASS" : "FAIL") }
        self.note = note
    }

    static func unavailable(contender: String, workload: String, name: String, unit: String,
                            target: String?, reason: String) -> Metric {
        var m = Metric(contender: contender, workload: workload, name: name, unit: unit, Samples(), target: target,
                       passes: target == nil ? nil : { _ in false }, note: reason)
        m.status = target == nil ? nil : "n/a"
        return m
    }
}

struct SlowLookup: Codable, Sendable {
    var id: String
    var ms: Double
    var records: Int
    var spanSeconds: Double
}

struct PhaseMemory: Codable, Sendable {
    var phase: String
    var peakRSSBytes: Int
    /// Peak minus the RSS at the start of the phase (what the phase itself added).
    var growthBytes: Int
}

struct DatasetFacts: Codable, Sendable {
    var records: Int
    var ndjsonBytes: Int
    var bytesPerRecord: Double
    var spanHours: Double
    var lateRecords: Int
    var distinctCorrelationIDs: Int
    var recordsWithoutCorrelation: Int
    var sources: Int
    var levels: [String: Int]
    var substringToken: String
    var substringMatches: Int
    var generationSeconds: Double
    var ndjsonPath: String
    /// `request` or `workflow` (absent in reports written before the workflow shape existed).
    var shape: String?
}

struct RunConfig: Codable, Sendable {
    var records: Int
    var reps: Int
    var seed: UInt64
    var smoke: Bool
    var workdir: String
    var logstoreBinary: String?
    var command: String
}

struct Report: Codable, Sendable {
    var tool = "LogBench"
    var machine: MachineFacts
    var config: RunConfig
    var dataset: DatasetFacts
    var metrics: [Metric] = []
    var peakRSS: [PhaseMemory] = []
    var checks: [String] = []
    var problems: [String] = []
    var storeBreakdownBytes: [String: Int64] = [:]
    /// The slowest correlation-ID lookups with the time span their records cover (late records widen it).
    var slowestCorrelationLookups: [SlowLookup] = []
    /// LogStore beside SQLite and DuckDB, with ratios (see `SideBySide`).
    var sideBySide: [SideBySideRow] = []
    /// How each peer was configured.
    var fairness: [String] = []
    /// The limits of the machine and LogStore's fractions of them (see `MachineLimits`).
    var limits: LimitsSummary?
    /// Real log files ingested as text lines, beside lz4 -1 and zstd -3 (see `Corpora`).
    var corpora: CorporaSummary?
    /// `--pipeline`: direct appends, the Ingestor and the swift-log handler (see `PipelineBench`).
    var pipeline: PipelineSummary?
    /// `--tail`: `logstore ingest --follow` of a growing file (see `TailBench`).
    var tail: TailSummary?

    func json() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(self)
    }

    /// The aligned text table.
    func text() -> String {
        var lines: [String] = []
        lines.append("LogBench — LogStore benchmark")
        lines.append("machine : \(machine.cpuModel), \(machine.cores) cores, \(machine.memoryMiB) MiB RAM, \(machine.kernel)")
        lines.append("date    : \(machine.date) (load at start: \(machine.hostLoadAtStart))")
        if dataset.records == 0 {
            lines.append("dataset : none (--only corpora)")
        } else {
            lines.append("dataset : \(Fmt.grouped(Double(dataset.records))) \(dataset.shape ?? "request") records, \(Fmt.bytes(dataset.ndjsonBytes)) NDJSON "
                         + "(\(String(format: "%.1f", dataset.bytesPerRecord)) B/record), \(String(format: "%.1f", dataset.spanHours)) h span, "
                         + "\(Fmt.grouped(Double(dataset.lateRecords))) late, \(Fmt.grouped(Double(dataset.distinctCorrelationIDs))) correlation IDs, "
                         + "\(dataset.sources) sources")
        }
        lines.append("run     : reps=\(config.reps) seed=\(config.seed)\(config.smoke ? " (smoke)" : "")  medians of reps, [min … max]")
        lines.append("")
        let header = ["workload", "metric", "median", "min … max", "unit", "target", "status"]
        var rows: [[String]] = []
        for var m in metrics {
            if m.contender != "logstore" { m.workload = "\(m.contender): \(m.workload)" }
            let range: String
            if let lo = m.min, let hi = m.max, m.samples > 1 { range = Fmt.number(lo) + " … " + Fmt.number(hi) } else { range = "" }
            rows.append([m.workload, m.name, m.median.map(Fmt.number) ?? "—", range, m.unit, m.target ?? "", m.status ?? ""])
        }
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = Swift.max(widths[i], c.count) } }
        let rightAligned: Set<Int> = [2, 3]
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                let pad = String(repeating: " ", count: widths[i] - c.count)
                return rightAligned.contains(i) ? pad + c : c + pad
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        if !metrics.isEmpty {
            lines.append(line(header))
            lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        }
        var lastWorkload = ""
        for (r, m) in zip(rows, metrics) {
            var cells = r
            if m.contender + m.workload == lastWorkload { cells[0] = "" }
            lastWorkload = m.contender + m.workload
            lines.append(line(cells))
        }
        let notes = metrics.compactMap { m in
            m.note.map { "  - \(m.contender == "logstore" ? "" : m.contender + ": ")\(m.workload) / \(m.name): \($0)" }
        }
        if !notes.isEmpty {
            lines.append("")
            lines.append("notes:")
            lines.append(contentsOf: notes)
        }
        if !peakRSS.isEmpty {
            lines.append("")
            lines.append("peak RSS per phase (VmHWM reset before each phase; includes the in-memory dataset and memory")
            lines.append("the allocator kept from earlier phases; + is the growth during the phase):")
            lines.append("  " + peakRSS.map { "\($0.phase) \(Fmt.bytes($0.peakRSSBytes)) (+\(Fmt.bytes(max($0.growthBytes, 0))))" }
                            .joined(separator: ", "))
        }
        if !slowestCorrelationLookups.isEmpty {
            lines.append("slowest correlation lookups: " + slowestCorrelationLookups.prefix(5).map {
                String(format: "%.2f ms (%d records over %.0f s)", $0.ms, $0.records, $0.spanSeconds)
            }.joined(separator: ", "))
        }
        if !checks.isEmpty {
            lines.append("checks: " + checks.joined(separator: "; "))
        }
        if !sideBySide.isEmpty {
            lines.append("")
            lines.append(SideBySide.text(sideBySide))
        }
        if let limits {
            lines.append("")
            lines.append(MachineLimits.text(limits))
        }
        if let corpora {
            lines.append("")
            lines.append(Corpora.text(corpora))
        }
        if let pipeline {
            lines.append("")
            lines.append(PipelineBench.text(pipeline))
        }
        if let tail {
            lines.append("")
            lines.append(TailBench.text(tail))
        }
        if !fairness.isEmpty {
            lines.append("")
            lines.append("peer configuration (fairness):")
            lines.append(contentsOf: fairness.map { "  - " + $0 })
        }
        if !problems.isEmpty {
            lines.append("PROBLEMS:")
            lines.append(contentsOf: problems.map { "  ! " + $0 })
        }
        return lines.joined(separator: "\n")
    }
}

enum Fmt {
    static func grouped(_ v: Double) -> String {
        let n = Int(v.rounded())
        let s = String(abs(n))
        var out = ""
        for (i, c) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    static func number(_ v: Double) -> String {
        if v.isNaN { return "—" }
        let a = abs(v)
        if a >= 10_000 { return grouped(v) }
        if a >= 100 { return String(format: "%.1f", v) }
        if a >= 1 { return String(format: "%.2f", v) }
        if a >= 0.01 { return String(format: "%.3f", v) }
        if a == 0 { return "0" }
        return String(format: "%.4f", v)
    }

    static func bytes(_ n: Int) -> String {
        let d = Double(n)
        if d >= 1_073_741_824 { return String(format: "%.2f GiB", d / Double(1 << 30)) }
        if d >= 1_048_576 { return String(format: "%.1f MiB", d / Double(1 << 20)) }
        if d >= 1024 { return String(format: "%.1f KiB", d / Double(1 << 10)) }
        return "\(n) B"
    }
}
