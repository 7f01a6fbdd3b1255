import LogStore

/// Encodes records as ClickHouse `JSONEachRow` lines for the table of ``ClickHouseSchema``.
///
/// Byte-level throughout: numbers are written as digits without a `String`, and a string is copied
/// in runs of bytes that need no escaping (the ones below 0x20, `"` and `\` are escaped).
enum ClickHouseRowEncoder {
    /// Appends one line (ending in `\n`) for `record` of store `storeID` to `out`.
    static func append(_ record: LogRecord, storeID: String, to out: inout [UInt8]) {
        appendStart(storeID: storeID, sequence: record.sequence, timestamp: record.timestamp, to: &out)
        out.append(contentsOf: levelFields[Int(record.level.rawValue)])
        appendString(record.source, to: &out)
        out.append(contentsOf: #","correlation_id":"#.utf8)
        appendString(record.correlationID ?? "", to: &out)
        out.append(contentsOf: #","message":"#.utf8)
        appendString(record.message, to: &out)
        out.append(contentsOf: #","attr.key":["#.utf8)
        for (index, attribute) in record.attributes.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendString(attribute.key, to: &out)
        }
        out.append(contentsOf: #"],"attr.value":["#.utf8)
        for (index, attribute) in record.attributes.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendValue(attribute.value, to: &out)
        }
        out.append(contentsOf: "]}\n".utf8)
    }

    /// `{"store_id":…,"seq":…,"timestamp_ns":…` (without the level).
    @inline(__always)
    static func appendStart(storeID: String, sequence: UInt64, timestamp: Int64, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"store_id":"#.utf8)
        appendString(storeID, to: &out)
        out.append(contentsOf: #","seq":"#.utf8)
        appendDecimal(sequence, to: &out)
        out.append(contentsOf: #","timestamp_ns":"#.utf8)
        if timestamp < 0 { out.append(UInt8(ascii: "-")) }
        appendDecimal(timestamp.magnitude, to: &out)
    }

    /// `,"level":"NAME","source":` for each level's raw value (the source string follows).
    static let levelFields: [[UInt8]] = (0..<UInt8(LogLevel.count)).map { raw in
        Array(#","level":"#.utf8) + ClickHouseRowEncoder.quoted((LogLevel(rawValue: raw) ?? .info).name) + Array(#","source":"#.utf8)
    }

    /// An attribute value as the table's `attr.value` string: its ``AttributeValue/description``.
    @inline(__always)
    static func appendValue(_ value: AttributeValue, to out: inout [UInt8]) {
        switch value {
        case .string(let text): appendString(text, to: &out)
        case .int(let number):
            out.append(UInt8(ascii: "\""))
            if number < 0 { out.append(UInt8(ascii: "-")) }
            appendDecimal(number.magnitude, to: &out)
            out.append(UInt8(ascii: "\""))
        case .bool(let flag): out.append(contentsOf: flag ? #""true""#.utf8 : #""false""#.utf8)
        case .double: appendString(value.description, to: &out)
        }
    }

    /// The decimal digits of `value`.
    @inline(__always)
    static func appendDecimal(_ value: UInt64, to out: inout [UInt8]) {
        if value < 10 {
            out.append(UInt8(truncatingIfNeeded: value) &+ 48)
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)   // 24 bytes: room for UInt64.max's 20 digits
        withUnsafeMutableBytes(of: &digits) { buffer in
            var rest = value
            var index = buffer.count
            while rest > 0 {
                index -= 1
                buffer[index] = UInt8(truncatingIfNeeded: rest % 10) &+ 48
                rest /= 10
            }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[index...]))
        }
    }

    /// A JSON string of `text`: quotes, backslashes and control characters escaped; other UTF-8 as is.
    @inline(__always)
    static func appendString(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { appendString(UnsafeRawBufferPointer($0), to: &out) }
    }

    /// A JSON string of the UTF-8 bytes `bytes` (valid UTF-8), escaped as for a `String`.
    @inline(__always)
    static func appendString(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var runStart = 0
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte >= 0x20 && byte != 0x22 && byte != 0x5C {
                index += 1
                continue
            }
            if index > runStart { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<index])) }
            appendEscape(byte, to: &out)
            index += 1
            runStart = index
        }
        if count > runStart { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<count])) }
        out.append(UInt8(ascii: "\""))
    }

    private static func appendEscape(_ byte: UInt8, to out: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
        case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
        case UInt8(ascii: "\n"): out.append(contentsOf: [92, 110])
        case UInt8(ascii: "\r"): out.append(contentsOf: [92, 114])
        case UInt8(ascii: "\t"): out.append(contentsOf: [92, 116])
        default:
            let hex = Array("0123456789abcdef".utf8)
            out.append(contentsOf: [92, 117, 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
        }
    }

    /// `text` as a JSON string, in bytes.
    static func quoted(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        appendString(text, to: &out)
        return out
    }
}
