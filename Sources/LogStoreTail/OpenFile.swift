import Glibc
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
    /// The file's first bytes as read (up to ``Fingerprint/maxLength``), which `fingerprint` is taken
    /// of; nil when reading did not start at byte 0 and they could not be confirmed at the resume.
    /// The fingerprint and the position's edge come from the bytes read, never from reading the file
    /// again later: by then it may have been truncated and rewritten (copytruncate), and a position
    /// pairing an offset in the old content with the new content's first bytes leads a restarted
    /// tailer to the wrong file.
    private var firstBytes: [UInt8]? = []
    /// The bytes read from `recentStart` to `readOffset`: the edge of the stored offset (the
    /// ``Fingerprint/edgeLength`` bytes before it) and every byte read after it.
    private var recent: [UInt8] = []
    private var recentStart: Int64 = 0
    /// The modification time of the gzip file this file's bytes were decompressed from (nil: a file
    /// read as it is): stored with positions and compared with other rotated files' times in its place.
    private(set) var compressedModified: Int64?

    let format: LineFormat
    let options: LineParserOptions

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

    /// Opens the gzip file `path` decompressed (``GzipFile/decompress(_:keepFrom:)``), known by the
    /// gzip file's identity; the bytes before `keepFrom` (beyond the first ones) are not kept. A static
    /// copy: read to its end once. Nil if it cannot be read or its stream is incomplete.
    static func openGzip(_ path: String, keepFrom: Int64, format: LineFormat, options: LineParserOptions,
                         now: Double) -> OpenFile? {
        guard let status = FileStatus.of(path: path), status.isRegular,
              case .success(let copy) = GzipFile.decompress(path, keepFrom: keepFrom) else { return nil }
        let file = OpenFile(fd: copy.fd, identity: status.identity, openedAs: path, format: format, options: options, now: now)
        file.compressedModified = status.modified
        file.seenSize = copy.size
        file.seenModified = status.modified
        file.isStaticCopy = true
        return file
    }

    /// Its modification time (for a decompressed file, the gzip file's), nil if `fstat` fails.
    var modified: Int64? { compressedModified ?? FileStatus.of(fd: fd)?.modified }

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
        seenModified = compressedModified ?? status.modified
        return status.size
    }

    /// The position to store: just after the last line in an emitted record or error.
    var position: TailPosition {
        let offset = baseOffset + Int64(stream.consumedBytes)
        return TailPosition(identity: identity, offset: offset, lineNumber: Int64(stream.consumedLineNumber),
                            fingerprint: fingerprint, size: max(seenSize, readOffset, offset), modified: seenModified,
                            edge: edge(before: offset))
    }

    /// The edge of `offset` (at most the read offset, at least the offset resumed at) from the bytes
    /// read; from the file only if they do not cover it (not expected).
    private func edge(before offset: Int64) -> Fingerprint {
        let from = offset - min(offset, Int64(Fingerprint.edgeLength))
        if from >= recentStart, offset <= recentStart + Int64(recent.count) {
            return Fingerprint(of: recent[Int(from - recentStart)..<Int(offset - recentStart)])
        }
        if offset == readOffset { return readEdge }
        return Fingerprint.edge(fd: fd, before: offset) ?? .empty
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
        // The bytes before the offset, as far as the fingerprint and the edge need them, if they are the
        // ones the position was taken of.
        firstBytes = position.offset == 0 ? [] : nil
        if position.offset > 0, position.offset < Int64(Fingerprint.maxLength),
           let first = readFully(fd: fd, at: 0, length: Int(position.offset)),
           first.count >= fingerprint.length ? Fingerprint(of: first[0..<fingerprint.length]) == fingerprint : false {
            firstBytes = first
        }
        recentStart = position.offset
        recent = []
        let edgeLength = Int(min(position.offset, Int64(Fingerprint.edgeLength)))
        if edgeLength > 0, let before = readFully(fd: fd, at: position.offset - Int64(edgeLength), length: edgeLength),
           position.edge.length == 0 || Fingerprint(of: before) == position.edge {
            recent = before
            recentStart = position.offset - Int64(edgeLength)
        }
    }

    /// Takes the fingerprint of as many first bytes as the file has, up to ``Fingerprint/maxLength``,
    /// if they still begin with the bytes fingerprinted so far.
    func extendFingerprint() {
        guard fingerprint.length < Fingerprint.maxLength, let size, size > Int64(fingerprint.length),
              fingerprint.matches(fd: fd) else { return }
        let length = Int(min(size, Int64(Fingerprint.maxLength)))
        if let grown = Fingerprint.read(fd: fd, length: length) { fingerprint = grown }
    }

    /// Prepares a file queued to be read after another from its current offset: its size, time and
    /// first bytes now, so that a truncation (copytruncate) before its turn is noticed and its copy found.
    func queue() {
        _ = measure()
        extendFingerprint()
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
        let readStart = readOffset
        readOffset += Int64(n)
        readEdge = Fingerprint(of: buffer[max(0, n - Fingerprint.edgeLength)..<n])
        lastReadAt = now
        remember(buffer[0..<n], readAt: readStart)
        return n
    }

    /// Continues after `bytes`, read at `start` and parsed elsewhere (``readInParallel``): they end with a
    /// line end, and the line after them is number `lineNumber`.
    func continueAfter(_ bytes: ArraySlice<UInt8>, readAt start: Int64, lineNumber: Int64, now: Double) {
        baseOffset = start + Int64(bytes.count)
        readOffset = baseOffset
        stream = LineRecordStream(format: format, options: options, firstLineNumber: Int(clamping: lineNumber))
        lastReadAt = now
        remember(bytes, readAt: start)
        readEdge = edge(before: readOffset)
    }

    /// The bytes read from `from` to `to`, if they are still kept (`recent`).
    func recentBytes(from: Int64, to: Int64) -> [UInt8]? {
        guard from >= recentStart, to <= recentStart + Int64(recent.count), from <= to else { return nil }
        return Array(recent[Int(from - recentStart)..<Int(to - recentStart)])
    }

    /// Keeps what the fingerprint and the next positions' edges need of the bytes just read at `start`.
    private func remember(_ bytes: ArraySlice<UInt8>, readAt start: Int64) {
        if var first = firstBytes, first.count < Fingerprint.maxLength, Int64(first.count) == start {
            first += bytes.prefix(Fingerprint.maxLength - first.count)
            firstBytes = first
            if first.count > fingerprint.length { fingerprint = Fingerprint(of: first) }
        }
        let consumed = baseOffset + Int64(stream.consumedBytes)
        let keepFrom = max(0, consumed - Int64(Fingerprint.edgeLength))
        let base = bytes.startIndex
        if keepFrom >= start {
            recent = Array(bytes[(base + Int(keepFrom - start))...])
            recentStart = keepFrom
        } else if recentStart + Int64(recent.count) == start {
            if keepFrom > recentStart {
                recent.removeFirst(Int(keepFrom - recentStart))
                recentStart = keepFrom
            }
            recent += bytes
        } else {
            recent = Array(bytes)
            recentStart = start
        }
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
