#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import LogStoreFormat

/// Lowercase hex of `bytes`.
func hexString(_ bytes: some Collection<UInt8>) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count * 2)
    for b in bytes {
        out.append(JSONWriter.hexDigits[Int(b >> 4)])
        out.append(JSONWriter.hexDigits[Int(b & 0xF)])
    }
    return String(decoding: out, as: UTF8.self)
}

/// Lowercase hex of `data`, read through its contiguous bytes (iterating a `Data` byte by byte is slow).
func hexString(_ data: Data) -> String {
    data.withUnsafeBytes { raw in
        String(unsafeUninitializedCapacity: raw.count * 2) { out in
            for (i, b) in raw.enumerated() {
                out[2 * i] = JSONWriter.hexDigits[Int(b >> 4)]
                out[2 * i + 1] = JSONWriter.hexDigits[Int(b & 0xF)]
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
