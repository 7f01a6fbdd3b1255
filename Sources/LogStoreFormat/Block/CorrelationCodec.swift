/// Compact storage of correlation IDs inside blocks (docs/FORMAT.md, 5.2): canonical UUIDs as
/// 16 bytes, anything else as a string.
public enum CorrelationKind {
    public static let none: UInt8 = 0
    public static let lowercaseUUID: UInt8 = 1
    public static let uppercaseUUID: UInt8 = 2
    public static let string: UInt8 = 3
}

public enum CorrelationCodec {
    /// When `utf8` is a canonical UUID, writes its 16 bytes to `out` and returns its kind.
    @inline(__always)
    public static func parseUUID(_ utf8: UnsafeBufferPointer<UInt8>, into out: inout (UInt64, UInt64)) -> UInt8? {
        guard utf8.count == 36, utf8[8] == 0x2D, utf8[13] == 0x2D, utf8[18] == 0x2D, utf8[23] == 0x2D else { return nil }
        var hi: UInt64 = 0
        var lo: UInt64 = 0
        var sawLower = false
        var sawUpper = false
        var nibbles = 0
        for i in 0..<36 where i != 8 && i != 13 && i != 18 && i != 23 {
            let c = utf8[i]
            let v: UInt8
            switch c {
            case 0x30...0x39: v = c &- 0x30
            case 0x61...0x66: v = c &- 0x61 &+ 10; sawLower = true
            case 0x41...0x46: v = c &- 0x41 &+ 10; sawUpper = true
            default: return nil
            }
            if nibbles < 16 { hi = hi << 4 | UInt64(v) } else { lo = lo << 4 | UInt64(v) }
            nibbles += 1
        }
        if sawLower && sawUpper { return nil }
        out = (hi, lo)
        return sawUpper ? CorrelationKind.uppercaseUUID : CorrelationKind.lowercaseUUID
    }

    /// Formats 16 UUID bytes (big-endian halves) as text in the given case.
    public static func formatUUID(hi: UInt64, lo: UInt64, uppercase: Bool) -> String {
        let digits: [UInt8] = Array((uppercase ? "0123456789ABCDEF" : "0123456789abcdef").utf8)
        return String(unsafeUninitializedCapacity: 36) { buf in
            var pos = 0
            for i in 0..<32 {
                if i == 8 || i == 12 || i == 16 || i == 20 { buf[pos] = 0x2D; pos += 1 }
                let word = i < 16 ? hi : lo
                let shift = UInt64((15 - (i % 16)) * 4)
                buf[pos] = digits[Int((word >> shift) & 0xF)]
                pos += 1
            }
            return 36
        }
    }
}
