import ArgumentParser
import LogStore
import LogStoreFilter
#if canImport(Glibc)
import Glibc
#endif

struct TailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Print the last N matching records; with -f, keep printing new ones.",
        discussion: """
        -f follows the store: new matching records are printed as they become durable, until Ctrl-C \
        (exit status 0). The store's live subscriptions (LogStore.subscribe) exist only inside the \
        writing process, so this separate process polls instead: every --interval it re-opens the \
        store read-only and reads the records after the last one seen (LogQuery.after). A record \
        that arrives later with an older timestamp than one already seen is therefore not shown.

        Examples:
          logstore tail -n 50 --level warning
          logstore tail -f --where 'source = "api" and attr.status >= 500'
          logstore tail -f --format ndjson | jq .message
        """
    )

    @OptionGroup var location: StoreLocation
    @OptionGroup var filters: QueryFilters

    @Option(name: .customShort("n"), help: "How many of the latest matching records to print first.")
    var count = 10

    @Flag(name: .customShort("f"), help: "Follow: keep printing new matching records until interrupted.")
    var follow = false

    @Option(help: ArgumentHelp("With -f: how often to look for new records, in milliseconds.", valueName: "MS"))
    var interval = 500

    @Option(help: "Output format: text, ndjson or json (the same as ndjson).")
    var format: RecordFormat = .text

    func validate() throws {
        if count < 0 { throw ValidationError("-n must not be negative") }
        if interval < 10 { throw ValidationError("--interval must be at least 10 ms") }
    }

    func run() throws {
        let store = try location.openForReading()
        let plan = try filters.plan(now: store.options.clock())
        var latest: [LogRecord] = []
        var records = try FilteredRecords(store, plan, limit: count, order: .descending)
        while let r = try records.next() { latest.append(r) }
        // Where following resumes: after the newest record in the store when it matched nothing.
        var cursor = latest.first.map(QueryCursor.init)
        if cursor == nil { cursor = try store.query(LogQuery(limit: 1, order: .descending)).next().map(QueryCursor.init) }
        try store.close()
        var out = Output()
        for r in latest.reversed() { out.write(format.line(r)) }
        out.flush()
        guard follow else { return }
        // Ctrl-C ends a follow cleanly: output is flushed after every poll, so nothing is lost.
        signal(SIGINT) { _ in _exit(0) }
        signal(SIGTERM) { _ in _exit(0) }
        // A parent may have started this process with the signals blocked; unblock them.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        sigprocmask(SIG_UNBLOCK, &set, nil)
        while true {
            usleep(useconds_t(interval) * 1000)
            let reader = try location.openForReading()
            var fresh = try FilteredRecords(reader, plan, after: cursor)
            while let r = try fresh.next() {
                out.write(format.line(r))
                cursor = QueryCursor(r)
            }
            // Records the filter skipped still move the cursor, so they are not read again.
            if let newest = try reader.query(LogQuery(limit: 1, order: .descending)).next().map(QueryCursor.init),
               cursor.map({ $0 < newest }) ?? true {
                cursor = newest
            }
            try reader.close()
            out.flush()
        }
    }
}
