#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import LogStore
import LogStoreFormat

/// Reads an OTLP/JSON body in one pass and writes each log record straight into a row (docs/FORMAT.md,
/// 3.4), with no JSON tree, OTLP message or `LogRecord` in between: the rows and rejections equal those
/// of ``OTLPJSONReader`` followed by ``OTLPRowMapper`` (and so of the documented mapping).
///
/// It takes the common shapes fast — scalar `AnyValue`s, hex ids, integers as digits — and hands any
/// other value of a record to ``OTLPJSONReader``'s functions on a small tree of just that value, so
/// quirks and error messages stay the same. Resources and scopes (once per scope) are read that way too.
/// Anything wrong with the body itself (syntax, UTF-8, structure above the records) throws
/// ``JSONFastPathDeclined``: the caller then reads the whole body the general way, which names the error.
struct OTLPJSONRowReader {
    let options: OTLPMappingOptions
    let receiveTime: Int64
    var result = DecodedRows()
    /// Rejections found while mapping (timestamp range, correlation ID length); they follow the JSON ones.
    private var mappingRejected: [ProtocolDecodeError] = []
    /// The rows written so far; they go into ``result`` at the end.
    private var rows: OTLPRowBytes
    /// The encoded attributes of the record being read.
    private var attributes = OTLPRowBytes(capacity: 4096)
    /// The encoded scope and resource attributes every row of the current scope ends with.
    private var shared = ByteWriter(capacity: 1024)

    /// - Parameter capacity: the bytes to reserve for the rows (about the body's size).
    init(options: OTLPMappingOptions, receiveTime: Int64, capacity: Int = 0) {
        self.options = options
        self.receiveTime = receiveTime
        rows = OTLPRowBytes(capacity: capacity)
    }

    /// Reads the whole body; throws ``JSONFastPathDeclined`` when the general reader must take it.
    mutating func read(_ body: UnsafeBufferPointer<UInt8>) throws(JSONFastPathDeclined) -> DecodedRows {
        var c = JSONCursor(body)
        c.skipWhitespace()
        guard c.current == UInt8(ascii: "{") else { throw JSONFastPathDeclined() }
        var resourceLogsDone = false, camelSeen = false, snakeSeen = false
        var snake: Int?
        try c.object(depth: 1) { (c, key) throws(JSONFastPathDeclined) in
            // The first member of a name counts, and a null one is absent (JSONValue.member).
            if key.equals("resourceLogs"), !camelSeen {
                camelSeen = true
                if try c.null() { return }
                try resourceLogsArray(&c)
                resourceLogsDone = true
            } else if key.equals("resource_logs"), !snakeSeen {
                snakeSeen = true
                if try c.null() { return }
                snake = c.pos
                try c.skipValue(depth: 2)
            } else {
                try c.skipValue(depth: 2)
            }
        }
        c.skipWhitespace()
        guard c.pos == body.count else { throw JSONFastPathDeclined() }
        if !resourceLogsDone, let start = snake {
            var again = JSONCursor(body)
            again.pos = start
            try resourceLogsArray(&again)
        }
        result.rejected += mappingRejected
        rows.move(into: &result.rows)
        return result
    }

    private mutating func resourceLogsArray(_ c: inout JSONCursor) throws(JSONFastPathDeclined) {
        var r = 0
        try c.array(depth: 2) { (c) throws(JSONFastPathDeclined) in
            try resourceLogs(&c, r)
            r += 1
        }
    }

    /// One `ResourceLogs`: its resource first (read as a tree), then its scopes; scopes written before
    /// the resource in the body are read again once the resource is known.
    private mutating func resourceLogs(_ c: inout JSONCursor, _ r: Int) throws(JSONFastPathDeclined) {
        guard c.current == UInt8(ascii: "{") else { throw JSONFastPathDeclined() }
        var resource: OTLPRecordMapper.ResourceContext?
        var scopesDone = false
        var deferred: (camel: Int?, snake: Int?) = (nil, nil)
        var seen: (resource: Bool, camel: Bool, snake: Bool) = (false, false, false)
        try c.object(depth: 3) { (c, key) throws(JSONFastPathDeclined) in
            if key.equals("resource"), !seen.resource {
                seen.resource = true
                if try c.null() { return }
                let json = try c.tree(depth: 4)
                var value = OTLPResource()
                do throws(ProtocolDecodeError) {
                    value.attributes = try OTLPJSONReader.keyValues(json.member("attributes"), "resourceLogs[\(r)].resource.attributes")
                } catch { throw JSONFastPathDeclined() }
                resource = OTLPRecordMapper.ResourceContext(value)
            } else if key.equals("scopeLogs"), !seen.camel {
                seen.camel = true
                if try c.null() { return }
                if let known = resource ?? (seen.resource ? OTLPRecordMapper.ResourceContext(nil) : nil) {
                    try scopeLogsArray(&c, r, known)
                    scopesDone = true
                } else {
                    deferred.camel = c.pos
                    try c.skipValue(depth: 4)
                }
            } else if key.equals("scope_logs"), !seen.snake {
                seen.snake = true
                if try c.null() { return }
                deferred.snake = c.pos
                try c.skipValue(depth: 4)
            } else {
                try c.skipValue(depth: 4)
            }
        }
        guard !scopesDone, let start = deferred.camel ?? deferred.snake else { return }
        var again = JSONCursor(c.bytes)
        again.pos = start
        try scopeLogsArray(&again, r, resource ?? OTLPRecordMapper.ResourceContext(nil))
    }

    private mutating func scopeLogsArray(_ c: inout JSONCursor, _ r: Int, _ resource: OTLPRecordMapper.ResourceContext) throws(JSONFastPathDeclined) {
        var s = 0
        try c.array(depth: 4) { (c) throws(JSONFastPathDeclined) in
            try scopeLogs(&c, r, s, resource)
            s += 1
        }
    }

    /// One `ScopeLogs`: its scope first (read as a tree), then its records, as with ``resourceLogs(_:_:)``.
    private mutating func scopeLogs(_ c: inout JSONCursor, _ r: Int, _ s: Int,
                                    _ resource: OTLPRecordMapper.ResourceContext) throws(JSONFastPathDeclined) {
        guard c.current == UInt8(ascii: "{") else { throw JSONFastPathDeclined() }
        var scope: OTLPRecordMapper.ScopeContext?
        var recordsDone = false
        var deferred: (camel: Int?, snake: Int?) = (nil, nil)
        var seen: (scope: Bool, camel: Bool, snake: Bool) = (false, false, false)
        try c.object(depth: 5) { (c, key) throws(JSONFastPathDeclined) in
            if key.equals("scope"), !seen.scope {
                seen.scope = true
                if try c.null() { return }
                let json = try c.tree(depth: 6)
                let place = "resourceLogs[\(r)].scopeLogs[\(s)].scope"
                var value = OTLPScope()
                do throws(ProtocolDecodeError) {
                    value.name = try OTLPJSONReader.string(json.member("name"), "\(place).name")
                    value.version = try OTLPJSONReader.string(json.member("version"), "\(place).version")
                    value.attributes = try OTLPJSONReader.keyValues(json.member("attributes"), "\(place).attributes")
                } catch { throw JSONFastPathDeclined() }
                scope = OTLPRecordMapper.ScopeContext(value)
            } else if key.equals("logRecords"), !seen.camel {
                seen.camel = true
                if try c.null() { return }
                if let known = scope ?? (seen.scope ? OTLPRecordMapper.ScopeContext(nil) : nil) {
                    try logRecordsArray(&c, r, s, resource, known)
                    recordsDone = true
                } else {
                    deferred.camel = c.pos
                    try c.skipValue(depth: 6)
                }
            } else if key.equals("log_records"), !seen.snake {
                seen.snake = true
                if try c.null() { return }
                deferred.snake = c.pos
                try c.skipValue(depth: 6)
            } else {
                try c.skipValue(depth: 6)
            }
        }
        guard !recordsDone, let start = deferred.camel ?? deferred.snake else { return }
        var again = JSONCursor(c.bytes)
        again.pos = start
        try logRecordsArray(&again, r, s, resource, scope ?? OTLPRecordMapper.ScopeContext(nil))
    }

    private mutating func logRecordsArray(_ c: inout JSONCursor, _ r: Int, _ s: Int, _ resource: OTLPRecordMapper.ResourceContext,
                                          _ scope: OTLPRecordMapper.ScopeContext) throws(JSONFastPathDeclined) {
        shared.removeAll()
        for a in scope.attributes { OTLPRowMapper.attribute(a, into: &shared) }
        for a in resource.attributes { OTLPRowMapper.attribute(a, into: &shared) }
        let sharedCount = scope.attributes.count + resource.attributes.count
        var i = 0
        var mapped = 0      // the index OTLPRowMapper gives: among the records read without error
        try c.array(depth: 6) { (c) throws(JSONFastPathDeclined) in
            let place = OTLPRecordPlace(r: r, s: s, i: i)
            var record = OTLPJSONRecordFields()
            if c.current == UInt8(ascii: "{") {
                attributes.removeAll()
                try record.read(&c, options: options, attributes: &attributes, place: place)
            } else {
                // Not an object: OTLPJSONReader names the problem.
                let json = try c.tree(depth: 7)
                do throws(ProtocolDecodeError) { _ = try OTLPJSONReader.logRecord(json, place.text) } catch { record.error = (0, error) }
            }
            if let (_, error) = record.error {
                result.rejected.append(error)
            } else {
                do throws(ProtocolDecodeError) {
                    try write(record, &c, source: resource.source, sharedCount: sharedCount)
                } catch {
                    let place = "resourceLogs[\(r)].scopeLogs[\(s)].logRecords[\(mapped)]"
                    mappingRejected.append(ProtocolDecodeError(place: "\(place).\(error.place)", reason: error.reason))
                }
                mapped += 1
            }
            i += 1
        }
    }

    /// The row of a record read without error; throws, writing nothing, when the mapping rejects it.
    private mutating func write(_ record: OTLPJSONRecordFields, _ c: inout JSONCursor, source: String,
                                sharedCount: Int) throws(ProtocolDecodeError) {
        let time = record.time ?? 0, observed = record.observed ?? 0
        let timestamp: Int64
        if time != 0 {
            guard time <= UInt64(Int64.max) else {
                throw ProtocolDecodeError(place: "timeUnixNano", reason: "\(time) ns lies beyond the year 2262; send nanoseconds since 1970")
            }
            timestamp = Int64(time)
        } else if observed != 0 {
            guard observed <= UInt64(Int64.max) else {
                throw ProtocolDecodeError(place: "observedTimeUnixNano", reason: "\(observed) ns lies beyond the year 2262; send nanoseconds since 1970")
            }
            timestamp = Int64(observed)
        } else {
            timestamp = receiveTime
        }
        if let id = record.attributeCorrelation, id.utf8.count > RecordLimits.maxCorrelationIDBytes {
            throw ProtocolDecodeError(place: "attributes.\(options.correlationAttribute ?? "")",
                                      reason: "correlation ID of \(id.utf8.count) bytes exceeds \(RecordLimits.maxCorrelationIDBytes) bytes")
        }
        let bytes = c.bytes
        let severityText = record.severityText
        let level: LogLevel
        switch record.severity {
        case 1...24: level = OTLPRecordMapper.level(record.severity, text: "")
        default: level = OTLPRecordMapper.level(record.severity, text: severityText.map { c.text($0) } ?? "")
        }
        var w = OTLPRowBytes(capacity: 0)
        swap(&w, &rows)
        defer { swap(&w, &rows) }
        w.i64(timestamp)
        w.u8(level.rawValue)
        w.string(source)
        if let id = record.attributeCorrelation {
            w.u8(1)
            w.string(id)
        } else if let trace = record.trace {
            w.u8(1)
            trace.write(bytes, into: &w)
        } else {
            w.u8(0)
        }
        switch record.body {
        case .none: w.u8(0)
        case .text(let token): Self.string(token, bytes, into: &w)
        case .other(let value): w.string(OTLPValues.messageText(value))
        }
        var count = record.attributeCount + sharedCount
        if record.trace != nil && record.attributeCorrelation != nil { count += 1 }
        if record.span != nil { count += 1 }
        if severityText != nil { count += 1 }
        if record.eventName != nil { count += 1 }
        w.varint(count)
        attributes.bytes.withUnsafeBytes { w.raw($0) }
        if let trace = record.trace, record.attributeCorrelation != nil {
            w.string(OTLPRowMapper.traceIDKey)
            w.u8(AttributeType.string)
            trace.write(bytes, into: &w)
        }
        if let span = record.span {
            w.string(OTLPRowMapper.spanIDKey)
            w.u8(AttributeType.string)
            span.write(bytes, into: &w)
        }
        if let text = severityText {
            w.string(OTLPRowMapper.severityTextKey)
            w.u8(AttributeType.string)
            Self.string(text, bytes, into: &w)
        }
        if let name = record.eventName {
            w.string(OTLPRowMapper.eventNameKey)
            w.u8(AttributeType.string)
            Self.string(name, bytes, into: &w)
        }
        shared.withBytes { w.raw($0) }
        w.endRow()
    }

    /// A string token in the row's string encoding.
    @inline(__always)
    static func string(_ token: JSONStringToken, _ bytes: UnsafeBufferPointer<UInt8>, into w: inout OTLPRowBytes) {
        switch token {
        case .raw(let range):
            w.string(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[range]))
        case .decoded(let s):
            w.string(s)
        }
    }
}
