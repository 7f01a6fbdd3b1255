import Dispatch
import LogStore
import LogStoreIngest
import Synchronization
import Glibc

/// A parsed chunk of input: its records in the row encoding, and the bad lines found in it.
struct ParsedChunk: Sendable {
    var rows: EncodedRows
    var errors: [LineError]
    /// Input bytes the chunk was parsed from.
    var bytes: Int

    /// The rows, without keeping another reference to their buffer.
    consuming func takeRows() -> EncodedRows { rows }
}

/// Reads and parses NDJSON (or logfmt or text) straight into row bytes on a background thread while the caller appends
/// the previous chunk, so parsing and storing use both cores.
///
/// Double-buffered and bounded: a chunk is in flight from the moment the reader starts filling it until
/// the caller hands its rows back with ``recycle(_:)``, and at most `depth` chunks are in flight. Their
/// row buffers are reused, so a long input allocates them once.
final class IngestPipeline: Sendable {
    /// Chunks that may still be put in flight.
    private let free: DispatchSemaphore
    /// Items waiting in `queue`.
    private let ready = DispatchSemaphore(value: 0)
    // `LockedState` (a pthread lock) rather than `Mutex`: ThreadSanitizer cannot see `Mutex` on Linux
    // and reported the hand-over between the reader thread and the caller as a race.
    /// Parsed chunks in input order; nil marks the end of the input.
    private let queue = LockedState<[Result<ParsedChunk?, CLIError>]>([])
    /// Emptied row buffers handed back by the caller.
    private let spare = LockedState<[EncodedRows]>([])
    private let stop = Atomic<Bool>(false)
    /// The stream's counts after the latest chunk parsed (cumulative: the format `auto` chose, lines
    /// kept as text per reason); final once ``next()`` has returned nil.
    private let latest = LockedState<LineStatistics>(LineStatistics())
    /// Signalled when the reader thread is done with the file descriptor.
    private let done = DispatchSemaphore(value: 0)

    struct CLIError: Error {
        var message: String
    }

    /// Bytes asked for by each `read`.
    static let readSize = 2 << 20

    init(fd: Int32, name: String, format: LineFormat, options: LineParserOptions, depth: Int = 2) {
        // Starts at zero and is raised to `depth`: libdispatch traps when a semaphore is freed with a
        // value below its initial one, which an early stop (chunks never handed back) would leave.
        free = DispatchSemaphore(value: 0)
        for _ in 0..<max(depth, 1) { free.signal() }
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            produce(fd: fd, name: name, stream: LineRecordStream(format: format, options: options))
        }
    }

    /// The next parsed chunk, nil at the end of the input. Hand its rows back with ``recycle(_:)``.
    func next() throws -> ParsedChunk? {
        ready.wait()
        let item = queue.withLock { $0.removeFirst() }
        switch item {
        case .success(let chunk): return chunk
        case .failure(let e): throw CLIFailure.data(e.message)
        }
    }

    /// The stream's counts so far (at least those of every chunk handed out).
    var statistics: LineStatistics { latest.withLock { $0 } }

    /// Takes back a chunk that has been appended (reusing its row buffer), letting the reader start
    /// another one.
    func recycle(_ chunk: consuming ParsedChunk) {
        var rows = chunk.takeRows()
        rows.removeAll()
        spare.withLock { [rows] in $0.append(rows) }
        free.signal()
    }

    /// Stops the reader early (after an error on the appending side) and waits until it no longer
    /// uses the file descriptor.
    func cancel() {
        stop.store(true, ordering: .releasing)
        free.signal()
        done.wait()
    }

    private func push(_ item: Result<ParsedChunk?, CLIError>) {
        queue.withLock { $0.append(item) }
        ready.signal()
    }

    /// Waits until a chunk may be put in flight; nil once stopped.
    private func acquire(bytes: Int) -> ParsedChunk? {
        free.wait()
        if stop.load(ordering: .acquiring) { return nil }
        let rows = spare.withLock { $0.popLast() } ?? EncodedRows()
        return ParsedChunk(rows: rows, errors: [], bytes: bytes)
    }

    private func produce(fd: Int32, name: String, stream: consuming LineRecordStream) {
        defer { done.signal() }
        var stream = stream
        var buffer = [UInt8](repeating: 0, count: Self.readSize)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                push(.failure(CLIError(message: "logstore: reading \(name) failed: \(String(cString: strerror(errno)))")))
                return
            }
            guard var chunk = acquire(bytes: n) else { return }
            if n == 0 {
                stream.finish(into: &chunk.rows, errors: &chunk.errors)
                latest.withLock { [statistics = stream.statistics] in $0 = statistics }
                if chunk.rows.count > 0 || !chunk.errors.isEmpty {
                    push(.success(consume chunk))
                } else {
                    recycle(consume chunk)
                }
                push(.success(nil))
                return
            }
            buffer.withUnsafeBytes {
                stream.feed(UnsafeRawBufferPointer(rebasing: $0[0..<n]), into: &chunk.rows, errors: &chunk.errors)
            }
            latest.withLock { [statistics = stream.statistics] in $0 = statistics }
            // Consumed, so that the caller holds the only reference to the row buffer.
            push(.success(consume chunk))
        }
    }
}
