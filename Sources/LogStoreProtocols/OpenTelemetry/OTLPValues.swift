import SwiftProtobuf
import LogStoreFormat

/// OTLP `AnyValue`s as attribute values, message text and JSON text.
enum OTLPValues {
    /// Strings, booleans, integers and doubles as themselves; bytes, arrays and maps as JSON text; an
    /// empty value as "".
    static func attributeValue(_ value: OTLPAnyValue) -> AttributeValue {
        switch value.value {
        case .stringValue(let s): .string(s)
        case .boolValue(let b): .bool(b)
        case .intValue(let i): .int(i)
        case .doubleValue(let d): .double(d)
        case .bytesValue, .arrayValue, .kvlistValue: .string(jsonText(value))
        case nil: .string("")
        }
    }

    /// A string body as it is; any other body as JSON text.
    static func messageText(_ value: OTLPAnyValue) -> String {
        if case .stringValue(let s)? = value.value { return s }
        if value.value == nil { return "" }
        return jsonText(value)
    }

    /// A correlation ID from an attribute: a non-empty string or an integer.
    static func correlationText(_ value: OTLPAnyValue) -> String? {
        switch value.value {
        case .stringValue(let s): s.isEmpty ? nil : s
        case .intValue(let i): String(i)
        default: nil
        }
    }

    /// JSON text of a value: maps as objects with their keys sorted (stable, so duplicates keep their
    /// order), bytes as a base64 string, an empty value as null.
    static func jsonText(_ value: OTLPAnyValue) -> String {
        var out = JSONWriter()
        write(value, to: &out)
        return out.text
    }

    private static func write(_ value: OTLPAnyValue, to out: inout JSONWriter) {
        switch value.value {
        case .stringValue(let s): out.string(s)
        case .boolValue(let b): out.raw(b ? "true" : "false")
        case .intValue(let i): out.raw(String(i))
        case .doubleValue(let d): out.double(d)
        case .bytesValue(let data): out.string(Base64.encode(data))
        case .arrayValue(let array):
            out.raw("[")
            for (i, element) in array.values.enumerated() {
                if i > 0 { out.raw(",") }
                write(element, to: &out)
            }
            out.raw("]")
        case .kvlistValue(let list):
            out.raw("{")
            let sorted = list.values.enumerated().sorted { ($0.element.key, $0.offset) < ($1.element.key, $1.offset) }
            for (i, member) in sorted.enumerated() {
                if i > 0 { out.raw(",") }
                out.string(member.element.key)
                out.raw(":")
                write(member.element.value, to: &out)
            }
            out.raw("}")
        case nil: out.raw("null")
        }
    }
}
