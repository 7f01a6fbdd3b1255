import LogStore

/// The OTLP exporter's hand-over of records from the task that reads the store's follower to the task that
/// sends batches (the ClickHouse forwarder hands over encoded lines instead: RecordQueue):
/// bounded (the reader waits while it is full), so catching up a long backlog takes bounded memory.
final class LogRecordQueue: Sendable {
    enum End: Sendable {
        case finished
        case failed(LogStoreError)
    }

    private struct State {
        var records: [LogRecord] = []
        var end: End?
    }

    let capacity: Int
    private let state = LockedState(State())

    init(capacity: Int) { self.capacity = capacity }

    /// Adds `record`, waiting while the queue is full. Returns false when the task was cancelled.
    func push(_ record: LogRecord) async -> Bool {
        while true {
            let added = state.withLock { state -> Bool in
                guard state.records.count < capacity else { return false }
                state.records.append(record)
                return true
            }
            if added { return true }
            do { try await Task.sleep(for: .milliseconds(2)) } catch { return false }
        }
    }

    /// Marks the end of the records: the follower finished or failed.
    func finish(_ end: End) { state.withLock { $0.end = end } }

    /// Takes every waiting record, and the end if the reader has finished.
    func drain() -> (records: [LogRecord], end: End?) {
        state.withLock { state in
            let records = state.records
            state.records.removeAll(keepingCapacity: true)
            return (records, state.end)
        }
    }
}
