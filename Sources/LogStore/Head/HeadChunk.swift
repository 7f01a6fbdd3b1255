/// A run of appended rows, in sequence order, with the summaries queries use to skip it.
///
/// A chunk is frozen (made immutable and shared with queries) when it reaches its capacity; only the
/// store's append path mutates the open chunk, under the state lock.
import LogStoreFormat

struct HeadChunk: Sendable {
    static let capacity = 4096

    private(set) var rows: [RowRef] = []
    /// Correlation hash per row, 0 when the row has none.
    private(set) var correlationHashes: [UInt64] = []
    private(set) var minTimestamp = Int64.max
    private(set) var maxTimestamp = Int64.min
    private(set) var levelMask: UInt8 = 0
    /// Sorted (hash, position) pairs; built when frozen, unless the head is a read-only replay.
    private(set) var correlationIndex: [(hash: UInt64, position: UInt16)] = []
    /// Whether `correlationIndex` was built; without it a lookup scans `correlationHashes`.
    private(set) var isIndexed = false

    /// A chunk with room for `reserving` rows (a deferred frame group knows its count; the append path reserves a full chunk).
    init(reserving: Int = Self.capacity) {
        rows.reserveCapacity(reserving)
        correlationHashes.reserveCapacity(reserving)
    }

    var isFull: Bool { rows.count >= Self.capacity }

    mutating func append(_ row: RowRef, correlationHash: UInt64) {
        rows.append(row)
        correlationHashes.append(correlationHash)
        minTimestamp = min(minTimestamp, row.timestamp)
        maxTimestamp = max(maxTimestamp, row.timestamp)
        levelMask |= 1 << row.level
    }

    /// Builds the correlation index; call once, when the chunk stops growing. A read-only open passes
    /// `indexing: false`: sorting the hashes of every replayed chunk cost more than the few lookups
    /// one read-only open serves, each of which then compares the chunk's hashes in one pass.
    mutating func freeze(indexing: Bool = true) {
        guard indexing else { return }
        isIndexed = true
        var index: [(hash: UInt64, position: UInt16)] = []
        for (i, h) in correlationHashes.enumerated() where h != 0 { index.append((h, UInt16(i))) }
        index.sort { $0.hash < $1.hash || ($0.hash == $1.hash && $0.position < $1.position) }
        correlationIndex = index
    }

    /// Positions of rows that may carry the correlation ID with `hash`.
    func positions(forCorrelationHash hash: UInt64, frozen: Bool) -> [Int] {
        if !frozen || !isIndexed {
            return correlationHashes.indices.filter { correlationHashes[$0] == hash }
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
