/// A run of appended records, in sequence order, with the summaries queries use to skip it.
///
/// A chunk is frozen (made immutable and shared with queries) when it reaches its capacity; only the
/// store's writer path mutates the open chunk, under the state lock.
struct HeadChunk: Sendable {
    static let capacity = 4096

    private(set) var records: [LogRecord] = []
    private(set) var minTimestamp = Int64.max
    private(set) var maxTimestamp = Int64.min
    private(set) var levelMask: UInt8 = 0
    /// Sorted correlation hashes with the record positions holding them; built when frozen.
    private(set) var correlationIndex: [(hash: UInt64, position: UInt16)] = []
    private(set) var estimatedBytes = 0

    init() { records.reserveCapacity(Self.capacity) }

    var isFull: Bool { records.count >= Self.capacity }

    mutating func append(_ r: LogRecord, estimate: Int) {
        records.append(r)
        minTimestamp = min(minTimestamp, r.timestamp)
        maxTimestamp = max(maxTimestamp, r.timestamp)
        levelMask |= 1 << r.level.rawValue
        estimatedBytes += estimate
    }

    /// Builds the correlation index; call once, when the chunk stops growing.
    mutating func freeze() {
        var index: [(hash: UInt64, position: UInt16)] = []
        for (i, r) in records.enumerated() {
            if let id = r.correlationID { index.append((CorrelationHash.hash(id), UInt16(i))) }
        }
        index.sort { $0.hash < $1.hash || ($0.hash == $1.hash && $0.position < $1.position) }
        correlationIndex = index
    }

    /// Positions of records that may carry the correlation ID with `hash`.
    func positions(forCorrelationHash hash: UInt64, frozen: Bool) -> [Int] {
        if !frozen {
            return records.indices.filter { records[$0].correlationID.map(CorrelationHash.hash) == hash }
        }
        var lo = 0
        var hi = correlationIndex.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if correlationIndex[mid].hash < hash { lo = mid + 1 } else { hi = mid }
        }
        var out: [Int] = []
        while lo < correlationIndex.count && correlationIndex[lo].hash == hash {
            out.append(Int(correlationIndex[lo].position))
            lo += 1
        }
        return out
    }
}
