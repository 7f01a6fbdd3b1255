/// The `CHECKPOINTS` file (docs/FORMAT.md, 9.2): the latest checkpoint of every name as of the last
/// flush.
public enum CheckpointsFile {
    public static let fileName = "CHECKPOINTS"
    public static let magic: [UInt8] = Array("LOGSTCKP".utf8)
    public static let version: UInt16 = 1
    public static let headerSize = ChecksummedFile.headerSize

    /// Encodes `values` (name → value; empty values are left out), names in byte order.
    public static func encode(_ values: [String: [UInt8]]) -> [UInt8] {
        let sorted = values.filter { !$0.value.isEmpty }
            .map { Checkpoint(name: $0.key, value: $0.value) }
            .sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        var body = ByteWriter(capacity: 16 + sorted.reduce(0) { $0 + $1.name.utf8.count + $1.value.count + 8 })
        CheckpointCodec.encode(sorted, into: &body)
        return ChecksummedFile.encode(magic: magic, version: version, body: body)
    }

    /// Decodes a whole file; names are distinct and values not empty.
    public static func decode(_ buffer: UnsafeRawBufferPointer) throws(FormatError) -> [String: [UInt8]] {
        let body = try ChecksummedFile.body(of: buffer, label: "CHECKPOINTS", magic: magic, version: version)
        let list = try CheckpointCodec.decode(body, base: headerSize, maxCount: .max, allowEmpty: true)
        var out: [String: [UInt8]] = [:]
        out.reserveCapacity(list.count)
        for c in list {
            guard !c.value.isEmpty else { throw FormatError("checkpoint \"\(c.name)\" has an empty value", at: headerSize) }
            out[c.name] = c.value
        }
        return out
    }
}
