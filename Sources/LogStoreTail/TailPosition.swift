import LogStore

/// Where the tailer stands in one followed path: the file (identity and fingerprint), the byte offset
/// just after the last line stored, and that offset's line number. Stored as the value of the path's
/// checkpoint (``checkpointName(for:)``) in the same WAL frame as the records read up to it.
///
/// Value encoding, version 1 (43 bytes, integers little-endian):
/// ```
/// version:u8 = 1  device:u64  inode:u64  offset:u64  line:u64  fingerprint_length:u16  fingerprint_hash:u64
/// ```
/// `line` is the 1-based number of the line starting at `offset`. A tailer refuses a value of another
/// version rather than guess (resuming from a wrong position would store records twice or skip them).
public struct TailPosition: Sendable, Hashable {
    public var identity: FileIdentity
    /// Bytes of the file stored (every line before this offset is in the store).
    public var offset: Int64
    /// Number of the line that starts at `offset` (1 for offset 0).
    public var lineNumber: Int64
    /// Fingerprint of the file's first bytes as far as they had been read.
    public var fingerprint: Fingerprint

    public init(identity: FileIdentity, offset: Int64, lineNumber: Int64, fingerprint: Fingerprint) {
        self.identity = identity
        self.offset = offset
        self.lineNumber = lineNumber
        self.fingerprint = fingerprint
    }

    /// The version ``encoded()`` writes.
    public static let version: UInt8 = 1
    static let encodedSize = 43

    /// The checkpoint name of a followed path: `tail:` and the absolute path.
    public static func checkpointName(for absolutePath: String) -> String { "tail:" + absolutePath }

    /// The checkpoint value.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = [Self.version]
        out.reserveCapacity(Self.encodedSize)
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        put(identity.device)
        put(identity.inode)
        put(UInt64(clamping: offset))
        put(UInt64(clamping: lineNumber))
        put(UInt16(clamping: fingerprint.length))
        put(fingerprint.hash)
        return out
    }

    /// Decodes a checkpoint value; the error says why it cannot be used.
    public static func decode(_ value: [UInt8]) -> Result<TailPosition, DecodeError> {
        guard let version = value.first else { return .failure(.init(reason: "the value is empty")) }
        guard version == Self.version else {
            return .failure(.init(reason: "it has version \(version), this logstore reads version \(Self.version) (written by another logstore version?)"))
        }
        guard value.count == encodedSize else {
            return .failure(.init(reason: "it has \(value.count) bytes, version 1 has \(encodedSize)"))
        }
        var at = 1
        func get<T: FixedWidthInteger>(_: T.Type) -> T {
            var v: T = 0
            for i in 0..<MemoryLayout<T>.size { v |= T(truncatingIfNeeded: value[at + i]) << (8 * i) }
            at += MemoryLayout<T>.size
            return v
        }
        let device = get(UInt64.self), inode = get(UInt64.self)
        let offset = get(UInt64.self), line = get(UInt64.self)
        let fpLength = get(UInt16.self), fpHash = get(UInt64.self)
        guard offset <= UInt64(Int64.max), line >= 1, line <= UInt64(Int64.max),
              Int(fpLength) <= Fingerprint.maxLength else {
            return .failure(.init(reason: "its fields are out of range (offset \(offset), line \(line), fingerprint length \(fpLength))"))
        }
        return .success(TailPosition(identity: FileIdentity(device: device, inode: inode), offset: Int64(offset),
                                     lineNumber: Int64(line), fingerprint: Fingerprint(length: Int(fpLength), hash: fpHash)))
    }

    /// Why a checkpoint value cannot be decoded.
    public struct DecodeError: Error, Sendable, Equatable {
        public var reason: String
    }
}
