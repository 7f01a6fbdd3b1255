import ArgumentParser
import LogStore
import LogStoreIngest
import LogStoreFilter

/// The filters shared by `query`, `count`, `stats`, `tail` and `export`.
struct QueryFilters: ParsableArguments {
    @Option(help: ArgumentHelp("Only records at or after T: RFC 3339 (2026-11-22T10:00:00Z) or a duration back from now (90s, 15m, 2h, 7d).", valueName: "T"))
    var since: String?

    @Option(help: ArgumentHelp("Only records before T (exclusive); same forms as --since.", valueName: "T"))
    var until: String?

    @Option(help: ArgumentHelp("Only records at level L and above (trace, debug, info, notice, warning, error, critical).", valueName: "L"))
    var level: String?

    @Option(help: ArgumentHelp("Only records from this source; repeat for several.", valueName: "S"))
    var source: [String] = []

    @Option(help: ArgumentHelp("Only the records of this correlation ID.", valueName: "ID"))
    var correlation: String?

    @Option(help: ArgumentHelp("Only records whose message contains TEXT.", valueName: "TEXT"))
    var grep: String?

    @Flag(name: [.customShort("i"), .long], help: "Make --grep ignore case.")
    var ignoreCase = false

    @Option(name: .customLong("attr"), help: ArgumentHelp("Attribute condition KEY=VALUE, KEY!=VALUE, KEY>N, KEY>=N, KEY<N, KEY<=N; repeat for several.", valueName: "COND"))
    var attributes: [String] = []

    @Option(name: .customLong("where"), help: ArgumentHelp("A filter expression, e.g. 'level >= warning and attr.status >= 500 and message ~ \"timeout\"' (docs/QUERY.md).", valueName: "EXPR"))
    var whereExpression: String?

    /// Reports a --where syntax error before anything is opened (exit status 2).
    func validate() throws {
        guard let whereExpression else { return }
        do throws(FilterSyntaxError) { _ = try FilterParser(now: 0).parse(whereExpression) }
        catch { throw ValidationError(error.rendered(whereExpression)) }
    }

    /// The query with every flag and the pushed-down part of --where, plus the residual filter the
    /// caller applies to each record; a parse error is a usage error with a caret under its column.
    func plan(now: Int64) throws -> FilterPlan {
        let base = try makeQuery(now: now)
        guard let whereExpression else { return FilterPlan(query: base, residual: nil, pushed: []) }
        do throws(FilterSyntaxError) {
            return try FilterParser(now: now).parse(whereExpression).plan(into: base)
        } catch {
            throw CLIFailure.usage("logstore: " + error.rendered(whereExpression))
        }
    }

    /// Builds the query from the flags (not --where), or throws a usage error naming the bad value.
    func makeQuery(now: Int64) throws -> LogQuery {
        var q = LogQuery()
        if let since { q.since = try Self.time(since, now: now, option: "--since") }
        if let until { q.until = try Self.time(until, now: now, option: "--until") }
        if let level {
            guard let l = LogLevel(name: level) else {
                throw CLIFailure.usage("logstore: --level: unknown level '\(level)'; use one of \(LogLevel.allCases.map(\.name).joined(separator: ", "))")
            }
            q.minimumLevel = l
        }
        q.sources = source
        q.correlationID = correlation
        q.messageContains = grep
        q.caseInsensitive = ignoreCase
        q.attributes = try attributes.map(Self.attributeFilter)
        return q
    }

    static func time(_ text: String, now: Int64, option: String) throws -> Int64 {
        if let d = DurationParser.parse(text) { return now - d }
        if let t = TimestampParser.parseRFC3339(text) { return t }
        throw CLIFailure.usage("logstore: \(option): '\(text)' is neither an RFC 3339 time (2026-11-22T10:00:00Z) nor a duration (90s, 15m, 2h, 7d)")
    }

    static func attributeFilter(_ text: String) throws -> AttributeFilter {
        if let filter = AttributeFilter(shorthand: text) { return filter }
        throw CLIFailure.usage("logstore: --attr: '\(text)' is not KEY=VALUE, KEY!=VALUE or a comparison like KEY>=500")
    }
}

extension String {
    func range(of needle: String) -> Range<String.Index>? {
        guard !needle.isEmpty else { return nil }
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(needle) { return i..<index(i, offsetBy: needle.count) }
            i = index(after: i)
        }
        return nil
    }
}
