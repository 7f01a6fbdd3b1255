import Glibc

/// A hash of a file's first bytes (up to ``maxLength``), telling a file that kept its inode apart from
/// a new file that got the same inode number, and a file rewritten in place (copytruncate) from one
/// that only grew.
///
/// Its `length` grows with the file up to ``maxLength``; two files with the same first `length` bytes
/// have the same fingerprint, so the check cannot tell apart files that begin alike (a fixed header of
/// more than ``maxLength`` bytes, or a rewrite that repeats the old first bytes).
public struct Fingerprint: Sendable, Hashable {
    /// Bytes hashed: 1 KiB.
    public static let maxLength = 1024
    /// How many first bytes were hashed (0: nothing known yet, matches any file).
    public var length: Int
    /// FNV-1a (64 bits) of those bytes.
    public var hash: UInt64

    public init(length: Int, hash: UInt64) {
        self.length = length
        self.hash = hash
    }

    /// The fingerprint of nothing: every file matches it.
    public static let empty = Fingerprint(length: 0, hash: fnvOffset)

    /// The fingerprint of `bytes` (all of them; the caller passes at most ``maxLength``).
    public init(of bytes: some Sequence<UInt8>) {
        var h = Self.fnvOffset
        var n = 0
        for b in bytes {
            h = (h ^ UInt64(b)) &* 0x100_0000_01b3
            n += 1
        }
        self.init(length: n, hash: h)
    }

    /// Bytes hashed just before a position (the position's edge): 64.
    public static let edgeLength = 64

    /// The fingerprint of `length` bytes of an open file from `offset` (its first bytes by default), nil
    /// if it has fewer or the read fails.
    static func read(fd: Int32, at offset: Int64 = 0, length: Int) -> Fingerprint? {
        guard length > 0 else { return .empty }
        guard let buffer = readFully(fd: fd, at: offset, length: length) else { return nil }
        return Fingerprint(of: buffer)
    }

    /// Whether the open file still begins with the bytes this fingerprint was taken of.
    func matches(fd: Int32) -> Bool {
        length == 0 || Fingerprint.read(fd: fd, length: length) == self
    }

    /// The edge of `offset` in an open file: the fingerprint of up to ``edgeLength`` bytes just before it.
    static func edge(fd: Int32, before offset: Int64) -> Fingerprint? {
        let length = Int(min(offset, Int64(edgeLength)))
        return read(fd: fd, at: offset - Int64(length), length: length)
    }

    /// Whether the open file still has the bytes this edge was taken of just before `offset`.
    func matchesEdge(fd: Int32, before offset: Int64) -> Bool {
        length == 0 || (offset >= Int64(length) && Fingerprint.read(fd: fd, at: offset - Int64(length), length: length) == self)
    }

    private static let fnvOffset: UInt64 = 0xcbf2_9ce4_8422_2325
}

/// `length` bytes of an open file from `offset` (`pread`, retried on EINTR and short reads); nil if the
/// file has fewer or the read fails. The descriptor is borrowed, never closed.
func readFully(fd: Int32, at offset: Int64, length: Int) -> [UInt8]? {
    var buffer = [UInt8](repeating: 0, count: length)
    var got = 0
    while got < length {
        let n = buffer.withUnsafeMutableBytes { raw -> Int in
            guard let base = raw.baseAddress else { return 0 }
            return pread(fd, base + got, length - got, off_t(offset) + off_t(got))
        }
        if n < 0, errno == EINTR { continue }
        guard n > 0 else { return nil }
        got += n
    }
    return buffer
}
