import LogStore

/// Encodes records as ClickHouse `JSONEachRow` lines for the table of ``ClickHouseSchema``.
enum ClickHouseRowEncoder {
    /// Appends one line (ending in `\n`) for `record` of store `storeID` to `out`.
    static func append(_ record: LogRecord, storeID: String, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"store_id":"#.utf8)
        appendString(storeID, to: &out)
        out.append(contentsOf: #","seq":"#.utf8)
        out.append(contentsOf: String(record.sequence).utf8)
        out.append(contentsOf: #","timestamp_ns":"#.utf8)
        out.append(contentsOf: String(record.timestamp).utf8)
        out.append(contentsOf: #","level":"#.utf8)
        appendString(record.level.name, to: &out)
        out.append(contentsOf: #","source":"#.utf8)
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
            appendString(attribute.value.description, to: &out)
        }
        out.append(contentsOf: "]}\n".utf8)
    }

    /// A JSON string: quotes, backslashes and control characters escaped; other UTF-8 as is.
    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
            case UInt8(ascii: "\n"): out.append(contentsOf: [92, 110])
            case UInt8(ascii: "\r"): out.append(contentsOf: [92, 114])
            case UInt8(ascii: "\t"): out.append(contentsOf: [92, 116])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [92, 117, 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
