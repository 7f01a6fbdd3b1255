#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import LogStoreFormat

/// Where a record is in the body, for error places; the text is built only for an error.
struct OTLPRecordPlace {
    let r: Int, s: Int, i: Int
    var text: String { "resourceLogs[\(r)].scopeLogs[\(s)].logRecords[\(i)]" }
}

/// A trace or span id as the row's lowercase hex: hex digits of the body (lowercased as written) or
/// bytes the general reader decoded (base64 from lenient clients).
enum OTLPJSONID {
    case hex(Range<Int>)
    case data(Data)

    func write(_ bytes: UnsafeBufferPointer<UInt8>, into w: inout OTLPRowBytes) {
        switch self {
        case .hex(let range): w.lowercased(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[range]))
        case .data(let data): data.withUnsafeBytes { w.hex($0) }
        }
    }
}

/// A scalar `AnyValue` read without a tree; other kinds go to ``OTLPJSONReader/anyValue(_:_:depth:)``.
enum OTLPFastValue {
    case none
    case string(JSONStringToken)
    case int(Int64)
    case double(Double)
    case bool(Bool)
}

/// The fields of one OTLP/JSON log record, read in one pass over its object: the attributes straight
/// into their row encoding, the rest as values or places in the body. The problem ``OTLPJSONReader``
/// would report first (fields in its order, camelCase before snake_case) is in ``error``.
struct OTLPJSONRecordFields {
    var time: UInt64?
    var observed: UInt64?
    var severity = 0
    var severityText: JSONStringToken?
    enum Body { case none, text(JSONStringToken), other(OTLPAnyValue) }
    var body = Body.none
    var attributeCount = 0
    /// The correlation ID taken from the configured attribute.
    var attributeCorrelation: String?
    var trace: OTLPJSONID?
    var span: OTLPJSONID?
    var eventName: JSONStringToken?
    /// The first problem in ``OTLPJSONReader/logRecord(_:_:)``'s order (field number, error).
    var error: (Int, ProtocolDecodeError)?

    /// One field's value from its camelCase and snake_case members: the first member of each name
    /// counts, and a null one is absent (``JSONValue/member(_:)``).
    struct Slot<T> {
        var camelSeen = false, snakeSeen = false
        var camel: Result<T, ProtocolDecodeError>?
        var snake: Result<T, ProtocolDecodeError>?
        var value: Result<T, ProtocolDecodeError>? { camel ?? snake }
    }

    mutating func fail(_ order: Int, _ e: ProtocolDecodeError) {
        if error == nil || order < error!.0 { error = (order, e) }
    }

    /// Reads the record object at the cursor (depth 7), its attributes into `attributes`.
    mutating func read(_ c: inout JSONCursor, options: OTLPMappingOptions, attributes: inout OTLPRowBytes,
                       place: OTLPRecordPlace) throws(JSONFastPathDeclined) {
        var times = Slot<UInt64>(), observeds = Slot<UInt64>(), severities = Slot<Int>()
        var texts = Slot<JSONStringToken>(), traces = Slot<OTLPJSONID?>(), spans = Slot<OTLPJSONID?>(), events = Slot<JSONStringToken>()
        var bodyDone = false, attributesDone = false
        try c.object(depth: 7) { (c, key) throws(JSONFastPathDeclined) in
            guard let first = key.first else { try c.skipValue(depth: 8); return }
            switch first {
            case UInt8(ascii: "t") where key.equals("timeUnixNano") && !times.camelSeen:
                times.camelSeen = true
                if !(try c.null()) { times.camel = try Self.unsigned(&c, "\(place.text).timeUnixNano") }
            case UInt8(ascii: "t") where key.equals("time_unix_nano") && !times.snakeSeen:
                times.snakeSeen = true
                if !(try c.null()) { times.snake = try Self.unsigned(&c, "\(place.text).timeUnixNano") }
            case UInt8(ascii: "t") where key.equals("traceId") && !traces.camelSeen:
                traces.camelSeen = true
                if !(try c.null()) { traces.camel = try Self.id(&c, length: 16, "\(place.text).traceId") }
            case UInt8(ascii: "t") where key.equals("trace_id") && !traces.snakeSeen:
                traces.snakeSeen = true
                if !(try c.null()) { traces.snake = try Self.id(&c, length: 16, "\(place.text).traceId") }
            case UInt8(ascii: "o") where key.equals("observedTimeUnixNano") && !observeds.camelSeen:
                observeds.camelSeen = true
                if !(try c.null()) { observeds.camel = try Self.unsigned(&c, "\(place.text).observedTimeUnixNano") }
            case UInt8(ascii: "o") where key.equals("observed_time_unix_nano") && !observeds.snakeSeen:
                observeds.snakeSeen = true
                if !(try c.null()) { observeds.snake = try Self.unsigned(&c, "\(place.text).observedTimeUnixNano") }
            case UInt8(ascii: "s") where key.equals("severityNumber") && !severities.camelSeen:
                severities.camelSeen = true
                if !(try c.null()) { severities.camel = try Self.severity(&c, "\(place.text).severityNumber") }
            case UInt8(ascii: "s") where key.equals("severity_number") && !severities.snakeSeen:
                severities.snakeSeen = true
                if !(try c.null()) { severities.snake = try Self.severity(&c, "\(place.text).severityNumber") }
            case UInt8(ascii: "s") where key.equals("severityText") && !texts.camelSeen:
                texts.camelSeen = true
                if !(try c.null()) { texts.camel = try Self.string(&c, "\(place.text).severityText") }
            case UInt8(ascii: "s") where key.equals("severity_text") && !texts.snakeSeen:
                texts.snakeSeen = true
                if !(try c.null()) { texts.snake = try Self.string(&c, "\(place.text).severityText") }
            case UInt8(ascii: "s") where key.equals("spanId") && !spans.camelSeen:
                spans.camelSeen = true
                if !(try c.null()) { spans.camel = try Self.id(&c, length: 8, "\(place.text).spanId") }
            case UInt8(ascii: "s") where key.equals("span_id") && !spans.snakeSeen:
                spans.snakeSeen = true
                if !(try c.null()) { spans.snake = try Self.id(&c, length: 8, "\(place.text).spanId") }
            case UInt8(ascii: "e") where key.equals("eventName") && !events.camelSeen:
                events.camelSeen = true
                if !(try c.null()) { events.camel = try Self.string(&c, "\(place.text).eventName") }
            case UInt8(ascii: "e") where key.equals("event_name") && !events.snakeSeen:
                events.snakeSeen = true
                if !(try c.null()) { events.snake = try Self.string(&c, "\(place.text).eventName") }
            case UInt8(ascii: "b") where key.equals("body") && !bodyDone:
                bodyDone = true
                if try c.null() { break }
                let start = c.pos
                if let fast = try Self.fastValue(&c, depth: 8) {
                    switch fast {
                    case .none: body = .none
                    case .string(let token): body = .text(token)
                    default: body = .other(Self.anyValue(fast, c))
                    }
                } else {
                    c.pos = start
                    let json = try c.tree(depth: 8)
                    do throws(ProtocolDecodeError) {
                        body = .other(try OTLPJSONReader.anyValue(json, "\(place.text).body", depth: 0))
                    } catch { fail(4, error) }
                }
            case UInt8(ascii: "a") where key.equals("attributes") && !attributesDone:
                attributesDone = true
                if try c.null() { break }
                let start = c.pos
                if !(try readAttributes(&c, options: options, into: &attributes)) {
                    c.pos = start
                    let json = try c.tree(depth: 8)
                    attributes.removeAll()
                    (attributeCount, attributeCorrelation) = (0, nil)
                    do throws(ProtocolDecodeError) {
                        for kv in try OTLPJSONReader.keyValues(json, "\(place.text).attributes") {
                            if let key = options.correlationAttribute, attributeCorrelation == nil, kv.key == key,
                               let id = OTLPValues.correlationText(kv.value) {
                                attributeCorrelation = id
                                continue
                            }
                            attributes.string(kv.key)
                            OTLPRowMapper.value(kv.value, into: &attributes)
                            attributeCount += 1
                        }
                    } catch { fail(5, error) }
                }
            default:
                try c.skipValue(depth: 8)
            }
        }
        switch times.value {
        case .success(let v)?: time = v
        case .failure(let e)?: fail(0, e)
        case nil: break
        }
        switch observeds.value {
        case .success(let v)?: observed = v
        case .failure(let e)?: fail(1, e)
        case nil: break
        }
        switch severities.value {
        case .success(let v)?: severity = v
        case .failure(let e)?: fail(2, e)
        case nil: break
        }
        switch texts.value {
        case .success(let v)?: severityText = Self.nonEmpty(v)
        case .failure(let e)?: fail(3, e)
        case nil: break
        }
        switch traces.value {
        case .success(let v)?: trace = v
        case .failure(let e)?: fail(6, e)
        case nil: break
        }
        switch spans.value {
        case .success(let v)?: span = v
        case .failure(let e)?: fail(7, e)
        case nil: break
        }
        switch events.value {
        case .success(let v)?: eventName = Self.nonEmpty(v)
        case .failure(let e)?: fail(8, e)
        case nil: break
        }
    }

    static func nonEmpty(_ token: JSONStringToken) -> JSONStringToken? {
        switch token {
        case .raw(let range): range.isEmpty ? nil : token
        case .decoded(let s): s.isEmpty ? nil : token
        }
    }

    /// The attributes array at the cursor (depth 8) written into `attributes`, or false (the cursor
    /// anywhere inside) when an element is not a `{"key": "…", "value": <scalar>}` object.
    mutating func readAttributes(_ c: inout JSONCursor, options: OTLPMappingOptions,
                                 into attributes: inout OTLPRowBytes) throws(JSONFastPathDeclined) -> Bool {
        guard c.current == UInt8(ascii: "[") else { return false }
        var fast = true
        let correlationKey = options.correlationAttribute
        try c.array(depth: 8) { (c) throws(JSONFastPathDeclined) in
            guard fast else { try c.skipValue(depth: 9); return }
            guard c.current == UInt8(ascii: "{") else { fast = false; try c.skipValue(depth: 9); return }
            var key: JSONStringToken?
            var value: OTLPFastValue?
            var keySeen = false, valueSeen = false
            try c.object(depth: 9) { (c, name) throws(JSONFastPathDeclined) in
                if !fast {
                    try c.skipValue(depth: 10)
                } else if name.equals("key") && !keySeen {
                    keySeen = true
                    if c.current == UInt8(ascii: "\"") { key = try c.string() } else { fast = false; try c.skipValue(depth: 10) }
                } else if name.equals("value") && !valueSeen {
                    valueSeen = true
                    if try c.null() { return }
                    let start = c.pos
                    if let v = try Self.fastValue(&c, depth: 10) { value = v } else {
                        fast = false
                        c.pos = start
                        try c.skipValue(depth: 10)
                    }
                } else {
                    try c.skipValue(depth: 10)
                }
            }
            guard fast else { return }
            guard let key else { fast = false; return }     // a missing key: the general reader gives ""
            let scalar = value ?? .none
            if let correlationKey, attributeCorrelation == nil, c.text(key) == correlationKey {
                switch scalar {
                case .string(let token) where Self.nonEmpty(token) != nil:
                    attributeCorrelation = c.text(token)
                    return
                case .int(let i):
                    attributeCorrelation = String(i)
                    return
                default: break
                }
            }
            OTLPJSONRowReader.string(key, c.bytes, into: &attributes)
            switch scalar {
            case .none:
                attributes.u8(AttributeType.string)
                attributes.u8(0)
            case .string(let token):
                attributes.u8(AttributeType.string)
                OTLPJSONRowReader.string(token, c.bytes, into: &attributes)
            case .int(let i):
                attributes.u8(AttributeType.int)
                attributes.zigzag(i)
            case .double(let d):
                attributes.u8(AttributeType.double)
                attributes.u64(d.bitPattern)
            case .bool(let b):
                attributes.u8(AttributeType.bool)
                attributes.u8(b ? 1 : 0)
            }
            attributeCount += 1
        }
        return fast
    }

    /// A scalar `AnyValue` object at the cursor (at `depth`), or nil (the cursor anywhere inside) for
    /// anything else: bytes, arrays, maps, a type the general reader refuses, a non-object.
    static func fastValue(_ c: inout JSONCursor, depth: Int) throws(JSONFastPathDeclined) -> OTLPFastValue? {
        guard c.current == UInt8(ascii: "{") else { return nil }
        var value = OTLPFastValue.none
        var fast = true
        try c.object(depth: depth) { (c, key) throws(JSONFastPathDeclined) in
            if try c.null() { return }
            guard fast else { try c.skipValue(depth: depth + 1); return }
            let start = c.pos
            if key.equals("stringValue") || key.equals("string_value") {
                if c.current == UInt8(ascii: "\"") { value = .string(try c.string()); return }
            } else if key.equals("intValue") || key.equals("int_value") {
                if let i = try integer(&c, as: Int64.self) { value = .int(i); return }
            } else if key.equals("doubleValue") || key.equals("double_value") {
                if c.current == UInt8(ascii: "-") || (c.current >= 0x30 && c.current <= 0x39) {
                    if let d = Double(c.text(try c.number())) { value = .double(d); return }
                }
            } else if key.equals("boolValue") || key.equals("bool_value") {
                if case .bool(let b)? = try c.literal() { value = .bool(b); return }
            } else if !(key.equals("bytesValue") || key.equals("bytes_value") || key.equals("arrayValue")
                        || key.equals("array_value") || key.equals("kvlistValue") || key.equals("kvlist_value")) {
                try c.skipValue(depth: depth + 1)          // unknown: ignored, as by the general reader
                return
            }
            fast = false
            c.pos = start
            try c.skipValue(depth: depth + 1)
        }
        return fast ? value : nil
    }

    /// An integer written as a number or a string of digits (optionally signed), or nil (the cursor
    /// anywhere in the value) for any other form; the general reader takes those.
    static func integer<T: FixedWidthInteger>(_ c: inout JSONCursor, as: T.Type) throws(JSONFastPathDeclined) -> T? {
        let range: Range<Int>
        switch c.current {
        case UInt8(ascii: "\""):
            guard case .raw(let r) = try c.string() else { return nil }
            range = r
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            range = try c.number()
        default:
            return nil
        }
        // As T(text) for an optionally signed run of digits, without making a String.
        var i = range.lowerBound
        let negative = i < range.upperBound && c.bytes[i] == UInt8(ascii: "-")
        if negative {
            guard T.isSigned else { return nil }
            i += 1
        }
        guard i < range.upperBound else { return nil }
        var value: T = 0
        while i < range.upperBound {
            let b = c.bytes[i]
            guard b >= 0x30, b <= 0x39 else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative ? times10.subtractingReportingOverflow(T(b - 0x30)) : times10.addingReportingOverflow(T(b - 0x30))
            guard !o1, !o2 else { return nil }
            value = next
            i += 1
        }
        return value
    }

    /// `timeUnixNano` and the like: fast for digits, else ``OTLPJSONReader/unsigned(_:_:)``.
    static func unsigned(_ c: inout JSONCursor, _ place: @autoclosure () -> String) throws(JSONFastPathDeclined) -> Result<UInt64, ProtocolDecodeError> {
        let start = c.pos
        if let v = try integer(&c, as: UInt64.self) { return .success(v) }
        c.pos = start
        let json = try c.tree(depth: 8)
        do throws(ProtocolDecodeError) { return .success(try OTLPJSONReader.unsigned(json, place())) } catch { return .failure(error) }
    }

    /// `severityNumber`: fast for a small number, else ``OTLPJSONReader/severity(_:_:)``.
    static func severity(_ c: inout JSONCursor, _ place: @autoclosure () -> String) throws(JSONFastPathDeclined) -> Result<Int, ProtocolDecodeError> {
        let start = c.pos
        if c.current >= 0x30 && c.current <= 0x39 {
            let range = try c.number()
            if range.count <= 9, let n = Int(c.text(range)) { return .success(n) }
        }
        c.pos = start
        let json = try c.tree(depth: 8)
        do throws(ProtocolDecodeError) { return .success(try OTLPJSONReader.severity(json, place()).rawValue) } catch { return .failure(error) }
    }

    /// A string field: the token, or the general reader's error for another type.
    static func string(_ c: inout JSONCursor, _ place: @autoclosure () -> String) throws(JSONFastPathDeclined) -> Result<JSONStringToken, ProtocolDecodeError> {
        if c.current == UInt8(ascii: "\"") { return .success(try c.string()) }
        let json = try c.tree(depth: 8)
        do throws(ProtocolDecodeError) { return .success(.decoded(try OTLPJSONReader.string(json, place()))) } catch { return .failure(error) }
    }

    /// A trace or span id: nil when absent (empty or all zero); hex digits as they are, anything else
    /// through ``OTLPJSONReader/id(_:length:_:)``.
    static func id(_ c: inout JSONCursor, length: Int, _ place: @autoclosure () -> String) throws(JSONFastPathDeclined) -> Result<OTLPJSONID?, ProtocolDecodeError> {
        let start = c.pos
        if c.current == UInt8(ascii: "\""), case .raw(let range) = try c.string() {
            if range.isEmpty { return .success(nil) }
            if range.count == length * 2 {
                var hex = true, zero = true
                for i in range {
                    let b = c.bytes[i]
                    if hexDigit(b) == nil { hex = false; break }
                    if b != UInt8(ascii: "0") { zero = false }
                }
                if hex { return .success(zero ? nil : .hex(range)) }
            }
        }
        c.pos = start
        let json = try c.tree(depth: 8)
        do throws(ProtocolDecodeError) {
            let data = try OTLPJSONReader.id(json, length: length, place())
            return .success(try OTLPRowMapper.checkID(data, length: length, field: "") ? .data(data) : nil)
        } catch { return .failure(error) }
    }

    /// A fast scalar as an `AnyValue`, for the rare non-string body.
    static func anyValue(_ fast: OTLPFastValue, _ c: JSONCursor) -> OTLPAnyValue {
        var value = OTLPAnyValue()
        switch fast {
        case .none: break
        case .string(let token): value.value = .stringValue(c.text(token))
        case .int(let i): value.value = .intValue(i)
        case .double(let d): value.value = .doubleValue(d)
        case .bool(let b): value.value = .boolValue(b)
        }
        return value
    }
}
