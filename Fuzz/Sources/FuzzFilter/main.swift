// Fuzz target: bytes → `--where` expression (FilterParser, docs/QUERY.md). Checks that a parse error's
// column lies within the text (or one past its end), that an accepted expression's canonical text parses
// back to an equal expression, and that the push-down split (LogQuery part + residual) accepts exactly
// the records the whole expression accepts, on a fixed set of records.
import CFuzzSupport
import FuzzKit
import LogStore
import LogStoreFilter
import LogStoreFormat

let now: Int64 = 1_800_000_000_000_000_000

let records: [LogRecord] = (0..<24).map { i in
    let level = LogLevel(rawValue: UInt8(i % 7)) ?? .info
    let attributes: [Attribute] = i % 5 == 0 ? [] : [Attribute("status", .int(Int64(200 + i * 13))), Attribute("s", .string("v\(i % 3)")),
                                                   Attribute("ms", .double(Double(i) * 1.5)), Attribute("ok", .bool(i % 2 == 0))]
    return LogRecord(timestamp: now - Int64(i) * 60_000_000_000, level: level, source: ["api", "cron", "a b"][i % 3],
                     correlationID: i % 4 == 0 ? nil : "id-\(i % 3)", message: "msg \(i) timeout \(i % 2)",
                     attributes: attributes, sequence: UInt64(i + 1))
}

/// The engine's meaning of a LogQuery, record by record (the fields the planner sets).
func engineMatches(_ q: LogQuery, _ r: LogRecord) -> Bool {
    if let s = q.since, r.timestamp < s { return false }
    if let u = q.until, r.timestamp >= u { return false }
    if let l = q.levels, !l.contains(r.level) { return false }
    if !q.sources.isEmpty && !q.sources.contains(r.source) { return false }
    if let id = q.correlationID, !id.isEmpty, r.correlationID != id { return false }
    if let m = q.messageContains, !m.isEmpty, !Array(r.message.utf8).containsSubsequence(Array(m.utf8)) { return false }
    for f in q.attributes {
        guard let a = r.attributes.first(where: { $0.key == f.key }), f.matches(a.value) else { return false }
    }
    return true
}

extension Array where Element == UInt8 {
    func containsSubsequence(_ n: [UInt8]) -> Bool {
        guard !n.isEmpty else { return true }
        guard count >= n.count else { return false }
        for i in 0...(count - n.count) where self[i..<(i + n.count)].elementsEqual(n) { return true }
        return false
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: inputBuffer(data, size), as: UTF8.self)
    let parser = FilterParser(now: now)
    let expression: FilterExpression
    do throws(FilterSyntaxError) { expression = try parser.parse(text) } catch {
        // Columns count Unicode scalars (the lexer works on scalars).
        let scalars = text.unicodeScalars.count
        require(error.column >= 1 && error.column <= scalars + 1, "error column \(error.column) outside 1...\(scalars + 1): \(error)")
        require(!error.message.isEmpty, "empty error message")
        _ = error.rendered(text)
        return 0
    }
    let canonical = expression.description
    do throws(FilterSyntaxError) {
        let again = try parser.parse(canonical)
        require(again == expression, "canonical text \(canonical) parses to a different expression")
    } catch {
        require(false, "canonical text \(canonical) does not parse: \(error)")
    }
    let plan = expression.plan(into: LogQuery())
    for r in records {
        require(expression.matches(r) == (engineMatches(plan.query, r) && plan.matches(r)),
                "push-down changes the result for record \(r.sequence) of \(canonical)")
    }
    return 0
}

fuzzMain { fuzzOne($0, $1) }
