import Hummingbird
import LogStore
import LogStoreFilter
import LogStoreIngest

/// The filters every query route takes, as URL parameters (the CLI's flags): `since`, `until` (RFC 3339
/// or a duration back from now: 90s, 15m, 2h, 7d), `level` (minimum), `source` (repeatable),
/// `correlation`, `grep` with `ignore_case=1`, `attr` (repeatable: `status>=500`), `where` (the filter
/// language, docs/QUERY.md).
struct QueryParameters {
    /// A bad parameter: 400 with this message.
    struct Invalid: Error { let message: String }

    let parameters: Parameters

    init(_ request: Request) {
        parameters = request.uri.queryParameters
    }

    func string(_ name: String) -> String? {
        parameters[name[...]].map(String.init)
    }

    func all(_ name: String) -> [String] {
        parameters.getAll(name)
    }

    func int(_ name: String, default value: Int, range: ClosedRange<Int>) throws(Invalid) -> Int {
        guard let text = string(name) else { return value }
        guard let n = Int(text), range.contains(n) else {
            throw Invalid(message: "\(name): '\(text)' is not a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return n
    }

    /// The query and the residual filter of `where`.
    func plan(now: Int64) throws(Invalid) -> FilterPlan {
        var q = LogQuery()
        if let since = string("since") { q.since = try Self.time(since, now: now, name: "since") }
        if let until = string("until") { q.until = try Self.time(until, now: now, name: "until") }
        if let level = string("level") {
            guard let l = LogLevel(name: level) else {
                throw Invalid(message: "level: unknown level '\(level)'; use one of \(LogLevel.allCases.map(\.name).joined(separator: ", "))")
            }
            q.minimumLevel = l
        }
        q.sources = all("source")
        q.correlationID = string("correlation")
        q.messageContains = string("grep")
        q.caseInsensitive = ["1", "true", "yes"].contains(string("ignore_case") ?? "")
        q.attributes = try all("attr").map { (text) throws(Invalid) in try Self.attributeFilter(text) }
        guard let expression = string("where"), !expression.isEmpty else { return FilterPlan(query: q) }
        do throws(FilterSyntaxError) {
            return try FilterParser(now: now).parse(expression).plan(into: q)
        } catch {
            throw Invalid(message: "where: " + error.rendered(expression))
        }
    }

    static func time(_ text: String, now: Int64, name: String) throws(Invalid) -> Int64 {
        if let d = DurationParser.parse(text) { return now - d }
        if let t = TimestampParser.parseRFC3339(text) { return t }
        if let n = Int64(text) { return n }
        throw Invalid(message: "\(name): '\(text)' is neither an RFC 3339 time, nanoseconds since 1970, nor a duration (90s, 15m, 2h, 7d)")
    }

    /// `KEY=VALUE`, `KEY!=VALUE`, `KEY>N`, `KEY>=N`, `KEY<N`, `KEY<=N`.
    static func attributeFilter(_ text: String) throws(Invalid) -> AttributeFilter {
        if let filter = AttributeFilter(shorthand: text) { return filter }
        throw Invalid(message: "attr: '\(text)' is not KEY=VALUE, KEY!=VALUE or a comparison like status>=500")
    }
}
