#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Writes JSON text: strings escaped per RFC 8259, numbers in their shortest form.
struct JSONText {
    private(set) var bytes: [UInt8] = []

    var text: String { String(decoding: bytes, as: UTF8.self) }

    mutating func raw(_ s: String) { bytes.append(contentsOf: s.utf8) }

    mutating func string(_ s: String) {
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

    /// A double; NaN and the infinities, which JSON cannot hold, as the strings "NaN", "Infinity", "-Infinity".
    mutating func double(_ d: Double) {
        if d.isNaN { string("NaN") } else if d.isInfinite { string(d < 0 ? "-Infinity" : "Infinity") } else { raw("\(d)") }
    }

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}

/// Lowercase hex of `bytes`.
func hexString(_ bytes: some Collection<UInt8>) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count * 2)
    for b in bytes {
        out.append(JSONText.hexDigits[Int(b >> 4)])
        out.append(JSONText.hexDigits[Int(b & 0xF)])
    }
    return String(decoding: out, as: UTF8.self)
}

/// Lowercase hex of `data`, read through its contiguous bytes (iterating a `Data` byte by byte is slow).
func hexString(_ data: Data) -> String {
    data.withUnsafeBytes { raw in
        String(unsafeUninitializedCapacity: raw.count * 2) { out in
            for (i, b) in raw.enumerated() {
                out[2 * i] = JSONText.hexDigits[Int(b >> 4)]
                out[2 * i + 1] = JSONText.hexDigits[Int(b & 0xF)]
            }
            return raw.count * 2
        }
    }
}

/// The bytes of an even-length hex string, or nil.
func bytesFromHex(_ text: String) -> [UInt8]? {
    let utf8 = Array(text.utf8)
    guard utf8.count % 2 == 0 else { return nil }
    var out: [UInt8] = []
    out.reserveCapacity(utf8.count / 2)
    var i = 0
    while i < utf8.count {
        guard let hi = hexDigit(utf8[i]), let lo = hexDigit(utf8[i + 1]) else { return nil }
        out.append(hi << 4 | lo)
        i += 2
    }
    return out
}
