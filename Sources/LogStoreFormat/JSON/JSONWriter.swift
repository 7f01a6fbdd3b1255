/// Writes JSON text (RFC 8259) into a byte buffer: the one JSON writer of the package, used by the CLI's
/// outputs, the server's answers and the protocol responses.
///
/// Strings are escaped byte by byte (`"`, `\`, and the control characters; everything else, UTF-8
/// included, is copied as it is). Doubles that JSON cannot hold (NaN, ±infinity) are written as the
/// strings `"NaN"`, `"Infinity"` and `"-Infinity"`, so nothing is lost and the output stays valid JSON.
package struct JSONWriter {
    /// The text written so far, as UTF-8 bytes.
    package private(set) var bytes: [UInt8] = []

    package init() {}

    /// The text written so far.
    package var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Appends `s` as it is (JSON syntax the caller knows to be valid).
    package mutating func raw(_ s: String) { bytes.append(contentsOf: s.utf8) }

    /// Appends `s` as a JSON string.
    package mutating func string(_ s: String) {
        bytes.append(0x22)
        for c in s.utf8 {
            switch c {
            case 0x22: bytes.append(0x5C); bytes.append(0x22)
            case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
            case 0x0A: bytes.append(0x5C); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(0x5C); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(0x5C); bytes.append(UInt8(ascii: "t"))
            case 0..<0x20:
                raw("\\u00")
                bytes.append(Self.hexDigits[Int(c >> 4)])
                bytes.append(Self.hexDigits[Int(c & 0xF)])
            default: bytes.append(c)
            }
        }
        bytes.append(0x22)
    }

    /// Appends `d` in its shortest form; NaN and the infinities as strings (see the type's comment).
    package mutating func double(_ d: Double) {
        if d.isNaN { string("NaN") } else if d.isInfinite { string(d < 0 ? "-Infinity" : "Infinity") } else { raw("\(d)") }
    }

    /// `"key":` — a member name and its colon.
    package mutating func key(_ k: String) {
        string(k)
        bytes.append(UInt8(ascii: ":"))
    }

    /// An attribute value: a string, an integer, a double (as ``double(_:)``) or a boolean.
    package mutating func value(_ v: AttributeValue) {
        switch v {
        case .string(let s): string(s)
        case .int(let i): raw(String(i))
        case .double(let d): double(d)
        case .bool(let b): raw(b ? "true" : "false")
        }
    }

    /// Attributes as one JSON object, in their stored order.
    package mutating func attributes(_ attributes: [Attribute]) {
        bytes.append(UInt8(ascii: "{"))
        for (i, a) in attributes.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            key(a.key)
            value(a.value)
        }
        bytes.append(UInt8(ascii: "}"))
    }

    /// `s` as a JSON string literal.
    package static func quoted(_ s: String) -> String {
        var writer = JSONWriter()
        writer.string(s)
        return writer.text
    }

    /// Lowercase hexadecimal digits.
    package static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
