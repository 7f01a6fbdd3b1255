import Dispatch
import LogStore
import LogStoreIngest
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A parsed chunk of input: records and the bad lines found in it.
struct ParsedChunk: Sendable {
    var records: [LogRecord]
    var errors: [LineError]
    var bytes: Int
}

/// Reads and parses NDJSON on a background thread while the caller appends the previous chunk, so
/// parsing and storing use both cores. At most `depth` parsed chunks wait in memory.
final class IngestPipeline: Sendable {
    private let slots: DispatchSemaphore
    private let ready = DispatchSemaphore(value: 0)
    private let queue = Mutex<[Result<ParsedChunk?, CLIError>]>([])
    private let stop = Atomic<Bool>(false)

    struct CLIError: Error {
        var message: String
    }

    init(fd: Int32, name: String, maxRecordBytes: Int, depth: Int = 2) {
        slots = DispatchSemaphore(value: depth)
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            produce(fd: fd, name: name, maxRecordBytes: maxRecordBytes)
        }
    }

    /// The next parsed chunk, nil at the end of the input.
    func next() throws -> ParsedChunk? {
        ready.wait()
        let item = queue.withLock { $0.removeFirst() }
        slots.signal()
        switch item {
        case .success(let chunk): return chunk
        case .failure(let e): throw CLIFailure.data(e.message)
        }
    }

    /// Stops the reader early (after an error on the appending side).
    func cancel() {
        stop.store(true, ordering: .relaxed)
        while true {
            slots.signal()
            let done = queue.withLock { q -> Bool in
                if q.contains(where: { if case .success(nil) = $0 { true } else if case .failure = $0 { true } else { false } }) { return true }
                return false
            }
            if done { return }
            ready.wait()
            ready.signal()
            _ = queue.withLock { q in if !q.isEmpty, case .success(.some) = q[0] { q.removeFirst() } }
        }
    }

    private func push(_ item: Result<ParsedChunk?, CLIError>) {
        slots.wait()
        queue.withLock { $0.append(item) }
        ready.signal()
    }

    private func produce(fd: Int32, name: String, maxRecordBytes: Int) {
        var stream = NDJSONStream(parser: NDJSONParser(options: .init(maxRecordBytes: maxRecordBytes)))
        var buffer = [UInt8](repeating: 0, count: 2 << 20)
        while !stop.load(ordering: .relaxed) {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                push(.failure(CLIError(message: "logstore: reading \(name) failed: \(String(cString: strerror(errno)))")))
                return
            }
            if n == 0 { break }
            var chunk = ParsedChunk(records: [], errors: [], bytes: n)
            chunk.records.reserveCapacity(8192)
            buffer.withUnsafeBytes { stream.feed(UnsafeRawBufferPointer(rebasing: $0[0..<n]), into: &chunk.records, errors: &chunk.errors) }
            push(.success(chunk))
        }
        var last = ParsedChunk(records: [], errors: [], bytes: 0)
        stream.finish(into: &last.records, errors: &last.errors)
        if !last.records.isEmpty || !last.errors.isEmpty { push(.success(last)) }
        push(.success(nil))
    }
}
