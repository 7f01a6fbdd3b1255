import CZlib
import Glibc

/// Reading a rotated file that was compressed with gzip (logrotate's `compress`) while the tailer was
/// stopped: its decompressed bytes, for its fingerprint and for the lines after a stored offset.
///
/// The decompressed bytes kept are written into a temporary file without a name, at their
/// offsets in the decompressed stream, so that a file read from it is read like any other (`pread` at
/// the same offsets as the uncompressed file had). Only the first ``Fingerprint/maxLength`` bytes and
/// the bytes from the edge before the offset wanted are kept; the bytes between are a hole that takes
/// no space. The descriptor is owned by the ``OpenFile`` made from it, which closes it.
enum GzipFile {
    /// Why a gzip file could not be read.
    struct Failure: Error, Sendable, CustomStringConvertible {
        var path: String
        var reason: String
        var description: String { "\(path): \(reason)" }
    }

    /// Whether a name is read as gzip.
    static func isGzip(_ name: String) -> Bool { name.hasSuffix(".gz") }

    /// The first `length` decompressed bytes of `path` (fewer if the stream is shorter), or a failure.
    static func prefix(of path: String, length: Int) -> Result<[UInt8], Failure> {
        var out: [UInt8] = []
        let result = inflate(path) { chunk, _ in
            out.append(contentsOf: chunk.prefix(length - out.count))
            return out.count < length
        }
        switch result {
        case .success, .failure(.stopped): return .success(out)
        case .failure(let e): return .failure(Failure(path: path, reason: e.reason))
        }
    }

    /// Decompresses the whole of `path` into a new temporary file (no name) holding the first
    /// ``Fingerprint/maxLength`` bytes and every byte from `keepFrom` minus ``Fingerprint/edgeLength`` on,
    /// at their offsets. Returns its descriptor (the caller owns it) and the decompressed size; fails if
    /// the file cannot be read or its gzip stream is damaged or incomplete (still being written).
    static func decompress(_ path: String, keepFrom: Int64) -> Result<(fd: Int32, size: Int64), Failure> {
        let fd = anonymousFile()
        guard fd >= 0 else {
            return .failure(Failure(path: path, reason: "cannot create a temporary file for its decompressed bytes: \(String(cString: strerror(errno)))"))
        }
        let keepAfter = max(0, keepFrom - Int64(Fingerprint.edgeLength))
        var writeFailed: Int32 = 0
        let result = inflate(path) { chunk, offset in
            let end = offset + Int64(chunk.count)
            // The parts of this chunk inside [0, maxLength) or [keepAfter, ∞).
            var ranges: [Range<Int64>] = []
            if offset < Int64(Fingerprint.maxLength) { ranges.append(offset..<min(end, Int64(Fingerprint.maxLength))) }
            if end > keepAfter { ranges.append(max(offset, keepAfter, ranges.last?.upperBound ?? offset)..<end) }
            for range in ranges where !range.isEmpty {
                let slice = UnsafeRawBufferPointer(rebasing: chunk[Int(range.lowerBound - offset)..<Int(range.upperBound - offset)])
                if !writeAll(fd, slice, at: range.lowerBound) {
                    writeFailed = errno
                    return false
                }
            }
            return true
        }
        switch result {
        case .success(let size):
            // A hole at the end is part of the size too.
            guard ftruncate(fd, off_t(size)) == 0 else {
                let reason = "sizing the decompressed copy failed: \(String(cString: strerror(errno)))"
                close(fd)
                return .failure(Failure(path: path, reason: reason))
            }
            return .success((fd, size))
        case .failure(let e):
            close(fd)
            let reason = writeFailed != 0 ? "writing the decompressed copy failed: \(String(cString: strerror(writeFailed)))" : e.reason
            return .failure(Failure(path: path, reason: reason))
        }
    }

    /// A new temporary file that has no name (created in `$TMPDIR` or `/tmp`, then unlinked): it is
    /// gone once its descriptor is closed. -1 with errno set if it cannot be made.
    private static func anonymousFile() -> Int32 {
        let dir = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((dir + "/logstore-gunzip-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { $0.baseAddress.map { mkstemp($0) } ?? -1 }
        guard fd >= 0 else { return -1 }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        unlink(String(decoding: template.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        return fd
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64) -> Bool {
        var done = 0
        while done < bytes.count {
            guard let base = bytes.baseAddress else { return true }
            let n = pwrite(fd, base + done, bytes.count - done, off_t(offset) + off_t(done))
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }

    /// Why inflating stopped before the end of the stream.
    enum InflateStop: Error {
        /// The sink asked to stop.
        case stopped
        /// The file cannot be read or is not a complete gzip stream.
        case failed(String)

        var reason: String {
            switch self {
            case .stopped: "stopped"
            case .failed(let r): r
            }
        }
    }

    /// Inflates the gzip file `path`, giving each decompressed chunk and its offset to `sink` (which
    /// returns false to stop). Returns the decompressed size once the stream ended.
    static func inflate(_ path: String, sink: (UnsafeRawBufferPointer, Int64) -> Bool) -> Result<Int64, InflateStop> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(.failed("cannot be opened: \(String(cString: strerror(errno)))")) }
        defer { close(fd) }
        var stream = z_stream()
        // 15 + 16: a 32 KiB window, gzip header required.
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            return .failure(.failed("zlib could not start"))
        }
        defer { inflateEnd(&stream) }
        var input = [UInt8](repeating: 0, count: 64 << 10)
        var output = [UInt8](repeating: 0, count: 256 << 10)
        var produced: Int64 = 0
        while true {
            let n = input.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { return .failure(.failed("reading failed: \(String(cString: strerror(errno)))")) }
            guard n > 0 else { return .failure(.failed("the gzip stream is incomplete (still being written?)")) }
            var ended = false
            let failure: InflateStop? = input.withUnsafeMutableBytes { inRaw -> InflateStop? in
                stream.next_in = inRaw.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_in = uInt(n)
                while stream.avail_in > 0 || !ended {
                    let (rc, got) = output.withUnsafeMutableBytes { outRaw -> (Int32, Int) in
                        stream.next_out = outRaw.baseAddress?.assumingMemoryBound(to: Bytef.self)
                        stream.avail_out = uInt(outRaw.count)
                        let rc = CZlib.inflate(&stream, Z_NO_FLUSH)
                        return (rc, outRaw.count - Int(stream.avail_out))
                    }
                    if got > 0 {
                        let keepGoing = output.withUnsafeBytes { sink(UnsafeRawBufferPointer(rebasing: $0[0..<got]), produced) }
                        produced += Int64(got)
                        if !keepGoing { return .stopped }
                    }
                    switch rc {
                    case Z_STREAM_END:
                        ended = true
                        return nil
                    case Z_OK:
                        if stream.avail_in == 0 && got < output.count { return nil }
                    case Z_BUF_ERROR where got == 0:
                        return nil
                    default:
                        return .failed("the gzip stream is damaged: " + (stream.msg.map { String(cString: $0) } ?? "zlib error \(rc)"))
                    }
                }
                return nil
            }
            if let failure { return .failure(failure) }
            if ended { return .success(produced) }
        }
    }
}
