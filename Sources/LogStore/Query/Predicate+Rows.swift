import Glibc
import LogStoreFormat

extension Predicate {
    /// Tests a buffered row, decoding it only when an attribute condition needs the values.
    func matches(_ row: RowRef, correlationHash: UInt64) throws(FormatError) -> Bool {
        guard keyInRange(row.timestamp, row.sequence), levelMask & (1 << row.level) != 0 else { return false }
        if let correlation, correlationHash != correlation.hash { return false }
        guard correlation != nil || sources != nil || needle != nil || !attributes.isEmpty else { return true }
        let view = try RowView(row.bytes)
        if let correlation {
            guard view.correlation.count == correlation.bytes.count,
                  correlation.bytes.withUnsafeBytes({ memcmp($0.baseAddress!, view.correlation.baseAddress!, $0.count) == 0 })
            else { return false }
        }
        if let sources {
            let name = String(decoding: view.source, as: UTF8.self)
            guard sources.contains(name) else { return false }
        }
        if needle != nil, !messageMatches(view.message) { return false }
        if !attributes.isEmpty {
            let record = try row.record()
            for f in attributes {
                guard let v = record.attribute(f.key), f.matches(v) else { return false }
            }
        }
        return true
    }

    /// The rows of a head that match, in the query's order.
    func matchingRows(_ head: HeadSnapshot) throws(FormatError) -> [RowRef] {
        var matched: [RowRef] = []
        let chunks = try head.chunks(levelMask: levelMask, timeOverlaps: { timeOverlaps(min: $0, max: $1) },
                                     correlationHash: correlation?.hash)
        for (chunkIndex, chunk) in chunks.enumerated() {
            guard chunk.levelMask & levelMask != 0, timeOverlaps(min: chunk.minTimestamp, max: chunk.maxTimestamp) else { continue }
            if let correlation {
                let frozen = chunkIndex < head.frozen.count
                for p in chunk.positions(forCorrelationHash: correlation.hash, frozen: frozen)
                where try matches(chunk.rows[p], correlationHash: chunk.correlationHashes[p]) {
                    matched.append(chunk.rows[p])
                }
            } else {
                for p in chunk.rows.indices where try matches(chunk.rows[p], correlationHash: chunk.correlationHashes[p]) {
                    matched.append(chunk.rows[p])
                }
            }
        }
        matched.sort(by: RowRef.ordered)
        if descending { matched.reverse() }
        return matched
    }
}
