import ArgumentParser
import LogStore
#if canImport(Glibc)
import Glibc
#endif

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

    @Option(help: "Output format: text (one line per record) or ndjson.")
    var format: RecordFormat = .text

    func validate() throws {
        if let limit, limit < 0 { throw ValidationError("--limit must not be negative") }
        if let after, QueryCursor(after) == nil { throw ValidationError("--after: '\(after)' is not a cursor (TIMESTAMP:SEQUENCE)") }
    }

    func run() throws {
        let store = try location.openForReading()
        var q = try filters.makeQuery(now: store.options.clock())
        q.limit = limit
        q.order = reverse ? .descending : .ascending
        q.after = after.flatMap(QueryCursor.init)
        let it = try store.query(q)
        var out = Output()
        var last: LogRecord?
        while let r = try it.next() {
            out.write(format == .text ? RecordPrinter.text(r) : RecordPrinter.ndjson(r))
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
        """
    )

    @OptionGroup var location: StoreLocation
    @OptionGroup var filters: QueryFilters

    @Flag(help: "Print one line per level with its count.")
    var byLevel = false

    func run() throws {
        let store = try location.openForReading()
        let q = try filters.makeQuery(now: store.options.clock())
        if byLevel {
            let counts = try store.countByLevel(q)
            for l in LogLevel.allCases where counts[l] != nil { print("\(l.name.padded(9)) \(counts[l] ?? 0)") }
        } else {
            print(try store.count(q))
        }
    }
}
