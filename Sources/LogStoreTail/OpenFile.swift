#if canImport(Glibc)
import Glibc
#endif
import LogStore
import LogStoreIngest

/// A file the tailer has open, the parser state of what was read from it, and where reading stands.
///
/// `baseOffset` is the file offset of the parser stream's first byte (where reading started or
/// restarted); the position stored is `baseOffset + stream.consumedBytes`, which never covers bytes the
/// stream still holds (a partial last line, a text record that may continue).
final class OpenFile {
    let fd: Int32
    let identity: FileIdentity
    /// The name it was opened under (the followed path, or a rotated name found at resume).
    let openedAs: String
    private(set) var stream: LineRecordStream
    private(set) var baseOffset: Int64
    /// Offset of the next byte to read.
    private(set) var readOffset: Int64
    private(set) var fingerprint: Fingerprint
    /// Monotonic seconds of the last read that returned bytes.
    var lastReadAt: Double
    /// Size and modification time at the last ``measure()`` (stored with the position).
    private(set) var seenSize: Int64 = 0
    private(set) var seenModified: Int64?
    /// Read only to its end, never waited on for growth (a copy found after a copytruncate).
    var isStaticCopy = false
    /// Edge of `readOffset`: the last bytes read (empty until something is read).
    private(set) var readEdge = Fingerprint.empty

    private let format: LineFormat
    private let options: LineParserOptions

    /// Opens `path` for reading; nil (with errno set) if it cannot be opened or is not a regular file.
    static func open(_ path: String, format: LineFormat, options: LineParserOptions, now: Double) -> OpenFile? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        guard let status = FileStatus.of(fd: fd), status.isRegular else {
            Glibc.close(fd)
            return nil
        }
        let file = OpenFile(fd: fd, identity: status.identity, openedAs: path, format: format, options: options, now: now)
        file.seenSize = status.size
        file.seenModified = status.modified
        return file
    }

    private init(fd: Int32, identity: FileIdentity, openedAs: String, format: LineFormat, options: LineParserOptions, now: Double) {
        self.fd = fd
        self.identity = identity
        self.openedAs = openedAs
        self.format = format
        self.options = options
        stream = LineRecordStream(format: format, options: options)
        baseOffset = 0
        readOffset = 0
        fingerprint = .empty
        lastReadAt = now
    }

    deinit { Glibc.close(fd) }

    /// The file's size now, nil if `fstat` fails.
    var size: Int64? { FileStatus.of(fd: fd)?.size }

    /// The file's size now (nil if `fstat` fails), remembered with its modification time for the
    /// position stored next.
    func measure() -> Int64? {
        guard let status = FileStatus.of(fd: fd) else { return nil }
        seenSize = status.size
        seenModified = status.modified
        return status.size
    }

    /// The position to store: just after the last line in an emitted record or error.
    var position: TailPosition {
        let offset = baseOffset + Int64(stream.consumedBytes)
        return TailPosition(identity: identity, offset: offset, lineNumber: Int64(stream.consumedLineNumber),
                            fingerprint: fingerprint, size: max(seenSize, readOffset, offset), modified: seenModified,
                            edge: Fingerprint.edge(fd: fd, before: offset) ?? .empty)
    }

    /// Whether a stored position belongs to this file: same identity, the file is at least as long as
    /// the position, and it still begins with the fingerprinted bytes.
    func accepts(_ position: TailPosition) -> Bool {
        guard position.identity == identity, let size, size >= position.offset,
              size >= Int64(position.fingerprint.length) else { return false }
        return position.fingerprint.matches(fd: fd) && position.edge.matchesEdge(fd: fd, before: position.offset)
    }

    /// Continues from a stored position (which ``accepts(_:)``), the fingerprint extended to the bytes
    /// the file has now (a short one cannot tell apart files that begin alike).
    func resume(at position: TailPosition) {
        baseOffset = position.offset
        readOffset = position.offset
        fingerprint = position.fingerprint
        readEdge = position.edge
        stream = LineRecordStream(format: format, options: options, firstLineNumber: Int(clamping: position.lineNumber))
        if position.offset > 0 { extendFingerprint() }
    }

    /// Takes the fingerprint of as many first bytes as the file has, up to ``Fingerprint/maxLength``,
    /// if they still begin with the bytes fingerprinted so far.
    func extendFingerprint() {
        guard fingerprint.length < Fingerprint.maxLength, let size, size > Int64(fingerprint.length),
              fingerprint.matches(fd: fd) else { return }
        let length = Int(min(size, Int64(Fingerprint.maxLength)))
        if let grown = Fingerprint.read(fd: fd, length: length) { fingerprint = grown }
    }

    /// Whether the file still has a name (it was not deleted).
    var isLinked: Bool { FileStatus.of(fd: fd)?.links ?? 0 > 0 }

    /// Forgets what was read and starts again at byte 0 (the file was truncated or rewritten).
    func restart() {
        resume(at: TailPosition(identity: identity, offset: 0, lineNumber: 1, fingerprint: .empty))
        seenSize = 0
    }

    /// Whether the file was truncated below what was read, or no longer begins with the bytes read, or
    /// no longer has the last bytes read where they were (rewritten, beginning like the old content).
    /// `previousSize`: its size at the look before (a file only shrinks when it is truncated).
    func wasRewritten(size: Int64, previousSize: Int64 = 0) -> Bool {
        size < readOffset || size < previousSize || !fingerprint.matches(fd: fd)
            || !readEdge.matchesEdge(fd: fd, before: readOffset)
    }

    /// Reads up to `limit` bytes at the read offset into `buffer` and parses them into `rows`/`errors`.
    /// Returns the bytes read (0 at the end of the file) or -1 with errno set.
    func read(limit: Int, buffer: inout [UInt8], rows: inout EncodedRows, errors: inout [LineError], now: Double) -> Int {
        if buffer.count < limit { buffer = [UInt8](repeating: 0, count: limit) }
        var n: Int
        repeat {
            n = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return pread(fd, base, limit, off_t(readOffset))
            }
        } while n < 0 && errno == EINTR
        guard n > 0 else { return n }
        buffer.withUnsafeBytes { stream.feed(UnsafeRawBufferPointer(rebasing: $0[0..<n]), into: &rows, errors: &errors) }
        readOffset += Int64(n)
        readEdge = Fingerprint(of: buffer[max(0, n - Fingerprint.edgeLength)..<n])
        lastReadAt = now
        if fingerprint.length < Fingerprint.maxLength, readOffset > Int64(fingerprint.length) {
            let length = Int(min(readOffset, Int64(Fingerprint.maxLength)))
            if let grown = Fingerprint.read(fd: fd, length: length) { fingerprint = grown }
        }
        return n
    }

    /// Parses the unterminated last line (as a line) and emits a held record: the file will not grow.
    func finish(rows: inout EncodedRows, errors: inout [LineError]) {
        stream.finish(into: &rows, errors: &errors)
    }

    /// Emits a held text record (the file has been idle); true if there was one.
    func flushHeldRecord(rows: inout EncodedRows) -> Bool {
        guard stream.holdsRecord else { return false }
        stream.flushHeldRecord(into: &rows)
        return true
    }
}
