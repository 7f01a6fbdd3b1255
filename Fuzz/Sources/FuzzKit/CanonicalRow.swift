import LogStore
import LogStoreFormat

/// An independent walk of the row encoding (docs/FORMAT.md, 3.4) that re-emits a row with every varint
/// in its shortest form. The format does not require minimal varints, so a decoded row re-encodes to
/// exactly these bytes, not necessarily to the original ones.
public enum CanonicalRow {
    public static func canonical(_ row: UnsafeRawBufferPointer) -> [UInt8]? {
        var r = ByteReader(row)
        var w = ByteWriter(capacity: row.count)
        do throws(FormatError) {
            w.i64(try r.i64())
            w.u8(try r.u8())
            try copyString(&r, &w)
            let flag = try r.u8()
            w.u8(flag)
            if flag == 1 { try copyString(&r, &w) }
            try copyString(&r, &w)
            let n = try r.varint()
            w.varint(n)
            var i: UInt64 = 0
            while i < n {
                try copyString(&r, &w)
                let type = try r.u8()
                w.u8(type)
                switch type {
                case AttributeType.string: try copyString(&r, &w)
                case AttributeType.int: w.varint(try r.varint())
                case AttributeType.double: w.raw(try r.bytes(8))
                case AttributeType.bool: w.u8(try r.u8())
                default: return nil
                }
                i += 1
            }
            guard r.isAtEnd else { return nil }
        } catch {
            return nil
        }
        return w.bytes
    }

    private static func copyString(_ r: inout ByteReader, _ w: inout ByteWriter) throws(FormatError) {
        let n = try r.count("string length", max: r.remaining)
        w.varint(n)
        w.raw(try r.bytes(n))
    }
}
