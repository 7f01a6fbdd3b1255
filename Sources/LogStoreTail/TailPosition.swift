import LogStore

/// Where the tailer stands in one followed path: the file (identity and fingerprint), the byte offset
/// just after the last line stored, and that offset's line number, with the file's size and
/// modification time when it was taken. Stored as the value of the path's checkpoint
/// (``checkpointName(for:)``) in the same WAL frame as the records read up to it.
///
/// Value encoding (docs/FORMAT.md, section 9.3), version 2, 69 bytes, integers little-endian:
/// ```
/// version:u8 = 2  device:u64  inode:u64  offset:u64  line:u64  fingerprint_length:u16  fingerprint_hash:u64
/// size:u64  modified:i64  edge_length:u16  edge_hash:u64
/// ```
/// Version 1 (43 bytes, without size and modified) is still read. `line` is the 1-based number of the
/// line starting at `offset`. A tailer refuses a value of another version rather than guess (resuming
/// from a wrong position would store records twice or skip them).
public struct TailPosition: Sendable, Hashable {
    public var identity: FileIdentity
    /// Bytes of the file stored (every line before this offset is in the store).
    public var offset: Int64
    /// Number of the line that starts at `offset` (1 for offset 0).
    public var lineNumber: Int64
    /// Fingerprint of the file's first bytes as far as they had been read.
    public var fingerprint: Fingerprint
    /// The file's size when the position was taken (at least `offset`): bytes known to exist after it.
    public var size: Int64
    /// The file's modification time then, nanoseconds since the epoch; nil when unknown (version 1).
    public var modified: Int64?
    /// Fingerprint of up to ``Fingerprint/edgeLength`` bytes just before `offset` (empty: not checked):
    /// a file rewritten since (copytruncate) no longer has them there, even if it begins alike.
    public var edge: Fingerprint

    public init(identity: FileIdentity, offset: Int64, lineNumber: Int64, fingerprint: Fingerprint,
                size: Int64? = nil, modified: Int64? = nil, edge: Fingerprint = .empty) {
        self.edge = edge
        self.identity = identity
        self.offset = offset
        self.lineNumber = lineNumber
        self.fingerprint = fingerprint
        self.size = max(size ?? offset, offset)
        self.modified = modified
    }

    /// The version ``encoded()`` writes.
    public static let version: UInt8 = 2
    static let encodedSize = 69
    /// Size of a version 1 value (still read).
    static let version1Size = 43

    /// The checkpoint name of a followed path: `tail:` and the absolute path.
    public static func checkpointName(for absolutePath: String) -> String { "tail:" + absolutePath }

    /// The checkpoint value (version 2).
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
        put(UInt64(clamping: size))
        put(modified ?? 0)
        put(UInt16(clamping: edge.length))
        put(edge.hash)
        return out
    }

    /// Decodes a checkpoint value of version 2 or 1; the error says why it cannot be used.
    public static func decode(_ value: [UInt8]) -> Result<TailPosition, DecodeError> {
        guard let version = value.first else { return .failure(.init(reason: "the value is empty")) }
        let expected: Int
        switch version {
        case 2: expected = encodedSize
        case 1: expected = version1Size
        default:
            return .failure(.init(reason: "it has version \(version), this logstore reads versions 1 and 2 (written by a newer logstore?)"))
        }
        guard value.count == expected else {
            return .failure(.init(reason: "it has \(value.count) bytes, version \(version) has \(expected)"))
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
        let size = version >= 2 ? get(UInt64.self) : offset
        let modifiedField = version >= 2 ? get(Int64.self) : 0
        let modified: Int64? = modifiedField == 0 ? nil : modifiedField  // 0: unknown
        let edgeLength = version >= 2 ? get(UInt16.self) : 0
        let edgeHash = version >= 2 ? get(UInt64.self) : 0
        guard offset <= UInt64(Int64.max), line >= 1, line <= UInt64(Int64.max),
              Int(fpLength) <= Fingerprint.maxLength, size >= offset, size <= UInt64(Int64.max),
              Int(edgeLength) <= Fingerprint.edgeLength, UInt64(edgeLength) <= offset else {
            return .failure(.init(reason: "its fields are out of range (offset \(offset), line \(line), fingerprint length \(fpLength), size \(size), edge length \(edgeLength))"))
        }
        let edge = edgeLength == 0 ? Fingerprint.empty : Fingerprint(length: Int(edgeLength), hash: edgeHash)
        return .success(TailPosition(identity: FileIdentity(device: device, inode: inode), offset: Int64(offset),
                                     lineNumber: Int64(line), fingerprint: Fingerprint(length: Int(fpLength), hash: fpHash),
                                     size: Int64(size), modified: modified, edge: edge))
    }

    /// Why a checkpoint value cannot be decoded.
    public struct DecodeError: Error, Sendable, Equatable {
        public var reason: String
    }
}
