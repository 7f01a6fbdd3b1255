/// The `replaces` list that ends a version 3 or 5 footer (docs/FORMAT.md, 5.3 and 10).
extension SegmentFooter {
    /// `R:varint  first_id:u64  (id[i] - id[i-1]):varint ×(R-1)`; `ids` must be ascending and distinct.
    static func encodeReplaces(_ ids: [UInt64], into w: inout ByteWriter) {
        w.varint(ids.count)
        guard let first = ids.first else { return }
        w.u64(first)
        var previous = first
        for id in ids.dropFirst() {
            w.varint(id &- previous)
            previous = id
        }
    }

    /// Reads the list, checking that it is non-empty, ascending and distinct.
    static func decodeReplaces(_ r: inout ByteReader) throws(FormatError) -> [UInt64] {
        let at = r.offset
        // The first id takes 8 bytes, every further one at least 1.
        let count = try r.count("replaced segment count", max: max(0, r.remaining - 7))
        guard count >= 1 else { throw FormatError("a compacted segment must name the segments it replaces", at: at) }
        var ids: [UInt64] = []
        ids.reserveCapacity(count)
        var previous = try r.u64("first replaced segment id")
        ids.append(previous)
        for _ in 1..<count {
            let delta = try r.varint("replaced segment id difference")
            let (next, overflow) = previous.addingReportingOverflow(delta)
            guard delta >= 1, !overflow else {
                throw FormatError("replaced segment ids are not ascending after id \(previous)", at: r.offset)
            }
            ids.append(next)
            previous = next
        }
        return ids
    }
}
