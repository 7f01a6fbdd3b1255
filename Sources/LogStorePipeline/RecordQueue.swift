import LogStore

/// A FIFO of buffered records with their estimated sizes and arrival times (a ``RingBuffer``).
struct RecordQueue {
    struct Item {
        var record: LogRecord
        var bytes: Int
        /// Monotonic nanoseconds when it was buffered.
        var arrived: Int64
    }

    private var items = RingBuffer<Item>()
    private(set) var bytes = 0

    var count: Int { items.count }
    var isEmpty: Bool { items.isEmpty }

    mutating func append(_ item: Item) {
        items.append(item)
        bytes += item.bytes
    }

    var first: Item? { items.first }

    mutating func removeFirst() -> Item? {
        guard let item = items.popFirst() else { return nil }
        bytes -= item.bytes
        return item
    }

    /// Removes up to `maxRecords` records from the front, stopping before `maxBytes` would be passed
    /// (but taking at least one).
    mutating func removeBatch(maxRecords: Int, maxBytes: Int) -> (records: [LogRecord], bytes: Int) {
        var records: [LogRecord] = []
        records.reserveCapacity(min(maxRecords, count))
        var size = 0
        while records.count < maxRecords, let next = first {
            if !records.isEmpty, size + next.bytes > maxBytes { break }
            _ = removeFirst()
            records.append(next.record)
            size += next.bytes
        }
        return (records, size)
    }

    /// Puts records back at the front, in order (a batch that could not be written before closing).
    mutating func removeAll() -> [LogRecord] {
        var all: [LogRecord] = []
        while let item = removeFirst() { all.append(item.record) }
        return all
    }
}

extension LogRecord {
    /// A cheap estimate of the record's row size in bytes (docs/FORMAT.md, 3.4), for the memory bound.
    var estimatedBytes: Int {
        var n = 24 + source.utf8.count + message.utf8.count + (correlationID?.utf8.count ?? 0)
        for attribute in attributes {
            n += 4 + attribute.key.utf8.count
            switch attribute.value {
            case .string(let s): n += s.utf8.count
            default: n += 8
            }
        }
        return n
    }
}
