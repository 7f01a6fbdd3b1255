import ArgumentParser
import LogStore
import LogStoreIngest
import LogStoreFilter

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Count, error rate and latency percentiles of matching records, per group and time bucket.",
        discussion: """
        For each group: records, errors (level error or worse), error rate and, with --field KEY, \
        p50/p95/p99/max of that numeric attribute (records without it are not in the percentiles). \
        --by groups by source, level or attr:KEY; --every buckets by time and, on a terminal, draws a \
        bar per bucket and a sparkline. Percentiles are nearest-rank over every value (memory grows \
        with the number of values).

        Examples:
          logstore stats --since 1h --by source --field latency_ms
          logstore stats --since 1d --every 1h --where 'source = "api"'
          logstore stats --by attr:region --field execution_time_ms --format csv
        """
    )

    @OptionGroup var location: StoreLocation
    @OptionGroup var filters: QueryFilters

    @Option(help: ArgumentHelp("Group by source, level or attr:KEY.", valueName: "GROUP"))
    var by: String?

    @Option(help: ArgumentHelp("Numeric attribute for percentiles, e.g. latency_ms.", valueName: "KEY"))
    var field: String?

    @Option(help: ArgumentHelp("Bucket by time: 1m, 15m, 1h, 1d, …", valueName: "DURATION"))
    var every: String?

    @Option(help: "Output format: text, json or csv.")
    var format: StatsFormat = .text

    func validate() throws {
        if let by, by != "source", by != "level", !(by.hasPrefix("attr:") && by.count > 5) {
            throw ValidationError("--by: '\(by)' is not source, level or attr:KEY")
        }
        if let every {
            guard let d = DurationParser.parse(every), d > 0 else { throw ValidationError("--every: '\(every)' is not a duration like 1m, 1h or 1d") }
        }
        if let field, field.isEmpty { throw ValidationError("--field needs an attribute name") }
    }

    func run() throws {
        let store = try location.openForReading()
        let plan = try filters.plan(now: store.options.clock())
        let bucket = every.flatMap(DurationParser.parse)
        var groups: [StatsKey: StatsGroup] = [:]
        var records = try FilteredRecords(store, plan)
        while let r = try records.next() {
            var key = StatsKey(bucket: nil, group: nil)
            if let bucket {
                // Floor division, so times before 1970 land in the right bucket.
                let q = r.timestamp / bucket
                key.bucket = (r.timestamp % bucket < 0 ? q - 1 : q) * bucket
            }
            key.group = group(of: r)
            groups[key, default: StatsGroup()].add(r, field: field)
        }
        let keys = groups.keys.sorted { a, b in
            if a.bucket != b.bucket { return (a.bucket ?? 0) < (b.bucket ?? 0) }
            if by == "level", let x = a.group.flatMap(LogLevel.init(name:)), let y = b.group.flatMap(LogLevel.init(name:)) { return x < y }
            let ca = groups[a]?.count ?? 0, cb = groups[b]?.count ?? 0
            return ca != cb ? ca > cb : (a.group ?? "") < (b.group ?? "")
        }
        let report = StatsReport(keys: keys, groups: groups, by: by, field: field, bucketed: bucket != nil)
        var out = Output()
        switch format {
        case .json: out.write(report.json())
        case .csv: out.write(report.csv())
        case .text: out.write(report.text(terminal: Terminal.isTTY(1), palette: Palette(enabled: Terminal.colors(1))))
        }
        out.flush()
    }

    private func group(of r: LogRecord) -> String? {
        guard let by else { return nil }
        switch by {
        case "source": return r.source
        case "level": return r.level.name
        default:
            let key = String(by.dropFirst(5))
            return r.attributes.first { $0.key == key }.map { $0.value.description } ?? "-"
        }
    }
}

enum StatsFormat: String, CaseIterable, ExpressibleByArgument {
    case text
    case json
    case csv
}

struct StatsKey: Hashable {
    var bucket: Int64?
    var group: String?
}

/// Counts and field values of one group.
struct StatsGroup {
    var count = 0
    var errors = 0
    var values: [Double] = []

    mutating func add(_ r: LogRecord, field: String?) {
        count += 1
        if r.level >= .error { errors += 1 }
        if let field, let a = r.attributes.first(where: { $0.key == field }), let v = a.value.numericValue, v.isFinite {
            values.append(v)
        }
    }

    var errorRate: Double { count > 0 ? Double(errors) / Double(count) : 0 }

    /// Nearest-rank percentiles p50, p95, p99 and the maximum; nil without values.
    func percentiles() -> (p50: Double, p95: Double, p99: Double, max: Double)? { NearestRank.summary(values) }
}
