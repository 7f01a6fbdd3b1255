import ArgumentParser
import LogStore
import Glibc

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Print matching records in chronological order.",
        discussion: """
        Examples:
          logstore query --since 15m --level warning
          logstore query --correlation 3f2a9c1e-7b7d-4c11-9f0e-2b1c4d5e6f70
          logstore query --source api-worker --grep timeout -i --limit 20 --reverse
          logstore query --attr status>=500 --format ndjson
          logstore query --where 'level >= warning and (source = "api" or attr.status >= 500)'
          logstore query --where 'message ~ "timeout" and not source in (cron, batch)' --limit 50
        """
    )

    @OptionGroup var location: StoreLocation
    @OptionGroup var filters: QueryFilters

    @Option(help: "At most N records.")
    var limit: Int?

    @Flag(help: "Newest first.")
    var reverse = false

    @Option(help: ArgumentHelp("Resume after this cursor (printed to stderr with --show-cursor).", valueName: "CURSOR"))
    var after: String?

    @Flag(help: "Print the cursor of the last record to stderr, to resume with --after.")
    var showCursor = false

    @Option(help: "Output format: text (one line per record), ndjson or json (the same as ndjson).")
    var format: RecordFormat = .text

    func validate() throws {
        if let limit, limit < 0 { throw ValidationError("--limit must not be negative") }
        if let after, QueryCursor(after) == nil { throw ValidationError("--after: '\(after)' is not a cursor (TIMESTAMP:SEQUENCE)") }
    }

    func run() throws {
        let store = try location.openForReading()
        let plan = try filters.plan(now: store.options.clock())
        var records = try FilteredRecords(store, plan, limit: limit, order: reverse ? .descending : .ascending,
                                          after: after.flatMap(QueryCursor.init))
        var out = Output()
        var last: LogRecord?
        while let r = try records.next() {
            out.write(format.line(r))
            last = r
        }
        out.flush()
        if showCursor, let last { writeStderr("cursor: \(QueryCursor(last))\n") }
    }
}

struct CountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "count",
        abstract: "Print the number of matching records.",
        discussion: """
        Examples:
          logstore count --since 1h --level error
          logstore count --by-level --since 1h
          logstore count --where 'attr.status >= 500 or level >= error' --format json
        """
    )

    @OptionGroup var location: StoreLocation
    @OptionGroup var filters: QueryFilters

    @Flag(help: "Print one line per level with its count.")
    var byLevel = false

    @Option(help: "Output format: text or json.")
    var format: SummaryFormat = .text

    func run() throws {
        let store = try location.openForReading()
        let plan = try filters.plan(now: store.options.clock())
        var counts: [LogLevel: Int] = [:]
        var total = 0
        if plan.residual == nil {
            if byLevel { counts = try store.countByLevel(plan.query) } else { total = try store.count(plan.query) }
        } else {
            // The residual filter needs each record.
            var records = try FilteredRecords(store, plan)
            while let r = try records.next() { counts[r.level, default: 0] += 1; total += 1 }
        }
        if byLevel {
            let present = LogLevel.allCases.filter { counts[$0] != nil }
            if format == .json {
                print("{" + present.map { "\"\($0.name)\":\(counts[$0] ?? 0)" }.joined(separator: ",") + "}")
            } else {
                for l in present { print("\(l.name.padded(9)) \(counts[l] ?? 0)") }
            }
        } else {
            print(format == .json ? "{\"count\":\(total)}" : "\(total)")
        }
    }
}
