import CZlib

/// Streaming gzip (and zlib) decompression with a hard cap on the output: input is fed chunk by chunk
/// as the request body arrives, and inflating stops the moment the output would pass `limit`, so a
/// gzip bomb never grows past the cap in memory.
final class GzipInflater {
    enum Failure: Error, Equatable {
        /// The decompressed body would exceed the limit.
        case tooLarge(limit: Int)
        /// The bytes are not valid gzip; the reason comes from zlib.
        case invalid(String)
        /// The input ended before the end of the compressed stream.
        case truncated
    }

    private var stream = z_stream()
    private let limit: Int
    private var finished = false
    private(set) var output: [UInt8] = []

    /// - Parameter limit: the largest decompressed size accepted, in bytes.
    init(limit: Int) throws(Failure) {
        self.limit = limit
        // 15 + 32: a 32 KiB window, gzip or zlib header detected automatically.
        let rc = inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw .invalid("zlib could not start (\(rc))") }
    }

    deinit { inflateEnd(&stream) }

    /// Inflates one chunk of compressed input. Bytes after the end of the gzip stream are rejected.
    func feed(_ input: UnsafeRawBufferPointer) throws(Failure) {
        guard !input.isEmpty else { return }
        guard !finished else { throw .invalid("bytes after the end of the gzip stream") }
        guard let base = input.baseAddress else { return }
        stream.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let room = min(chunk.count, limit - output.count + 1)
            let (rc, produced) = chunk.withUnsafeMutableBytes { out -> (Int32, Int) in
                stream.next_out = out.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(room)
                let rc = inflate(&stream, Z_NO_FLUSH)
                return (rc, room - Int(stream.avail_out))
            }
            output.append(contentsOf: chunk[0..<produced])
            if output.count > limit { throw .tooLarge(limit: limit) }
            switch rc {
            case Z_OK:
                // Input used up and the output not full: zlib holds nothing more for now.
                if stream.avail_in == 0 && produced < room { return }
            case Z_STREAM_END:
                finished = true
                if stream.avail_in > 0 { throw .invalid("bytes after the end of the gzip stream") }
                return
            case Z_BUF_ERROR where produced == 0: return
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "error \(rc)"
                throw .invalid(message)
            }
        }
    }

    /// Checks that the stream ended and returns the decompressed bytes.
    func finish() throws(Failure) -> [UInt8] {
        guard finished else { throw .truncated }
        return output
    }
}
