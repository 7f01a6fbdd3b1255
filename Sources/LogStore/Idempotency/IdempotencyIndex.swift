/// The idempotency keys a writer remembers (docs/FORMAT.md, section 8), guarded by the store's state
/// lock: each key with the sequence of its record and when it was accepted, forgotten after the
/// window or when more than `maxKeys` newer keys exist.
import LogStoreFormat

struct IdempotencyIndex {
    private struct Remembered {
        var sequence: UInt64
        var acceptedAt: Int64
    }

    let window: Int64
    let maxKeys: Int
    private var entries: [IdempotencyKey: Remembered] = [:]
    /// Keys in acceptance order; an item whose sequence no longer matches `entries` is stale.
    private var order: [(key: IdempotencyKey, sequence: UInt64)] = []
    private var orderStart = 0
    /// Keys forgotten early because of `maxKeys`, for statistics.
    private(set) var evicted = 0

    init(window: Duration, maxKeys: Int) {
        self.window = window.nanoseconds
        self.maxKeys = maxKeys
    }

    var count: Int { entries.count }

    /// Whether `key` was accepted within the window before `now`.
    func contains(_ key: IdempotencyKey, now: Int64) -> Bool {
        guard let e = entries[key] else { return false }
        return e.acceptedAt >= now &- window
    }

    mutating func insert(_ key: IdempotencyKey, sequence: UInt64, acceptedAt: Int64) {
        entries[key] = Remembered(sequence: sequence, acceptedAt: acceptedAt)
        order.append((key, sequence))
        if entries.count > maxKeys { trim(now: acceptedAt) }
    }

    /// Forgets keys older than the window, and the oldest keys beyond `maxKeys`.
    mutating func trim(now: Int64) {
        let oldest = now &- window
        while orderStart < order.count {
            let (key, sequence) = order[orderStart]
            guard let e = entries[key], e.sequence == sequence else { orderStart += 1; continue }
            let over = entries.count > maxKeys
            guard over || e.acceptedAt < oldest else { break }
            entries[key] = nil
            if over && e.acceptedAt >= oldest { evicted += 1 }
            orderStart += 1
        }
        if orderStart > 1024 && orderStart * 2 > order.count {
            order.removeFirst(orderStart)
            orderStart = 0
        }
    }

    /// Forgets the keys of records lost to a failed WAL write, so that their retries are stored.
    mutating func forget(sequences lost: ClosedRange<UInt64>) {
        guard !entries.isEmpty else { return }
        for (key, e) in entries where lost.contains(e.sequence) { entries[key] = nil }
    }

    /// The remembered keys whose records have a sequence of at most `sequence`, in acceptance order.
    func entries(through sequence: UInt64) -> [KeysFile.Entry] {
        var out: [KeysFile.Entry] = []
        for (key, s) in order[orderStart...] where s <= sequence {
            if let e = entries[key], e.sequence == s { out.append(KeysFile.Entry(sequence: s, acceptedAt: e.acceptedAt, key: key)) }
        }
        return out
    }
}
