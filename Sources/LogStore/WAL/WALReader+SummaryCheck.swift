/// A full read (writer replay, `verify`, followers) checks every summary frame against the records frames
/// it describes (docs/FORMAT.md, 4.4): a read-only open trusts it to skip them, so a summary that does
/// not hold what they hold is reported as damage.
import LogStoreFormat

extension WALReader {
    /// Why `summary` (a summary frame at `offset`) does not describe the rows of the records frames inside
    /// its covered length, or nil when it does. `recordFrames` are the accepted records frames before it
    /// with the index of their first row in `rows`; `damage` is what the read reported so far.
    static func summaryMismatch(_ summary: WALSummary, at offset: Int, recordFrames: [(offset: Int, firstRow: Int)],
                                rows: [RowRef], hashes: [UInt64], damage: [DamageReport]) -> String? {
        let start = offset - summary.coveredLength
        // Damage inside the covered frames is reported already; what is left of them cannot match.
        if damage.contains(where: { $0.offset < offset && $0.offset + max($0.length, 1) > start }) { return nil }
        guard let first = recordFrames.lastIndex(where: { $0.offset == start }) else {
            return "no records frame starts \(summary.coveredLength) bytes before it"
        }
        let covered = recordFrames[first].firstRow..<rows.count
        guard covered.count == summary.count else { return "\(covered.count) records, the summary says \(summary.count)" }
        var minTimestamp = Int64.max
        var maxTimestamp = Int64.min
        var levelMask: UInt8 = 0
        for i in covered {
            minTimestamp = min(minTimestamp, rows[i].timestamp)
            maxTimestamp = max(maxTimestamp, rows[i].timestamp)
            levelMask |= 1 << rows[i].level
            if hashes[i] != 0 && !summary.filter.mayContain(hashes[i]) {
                return "the correlation ID of sequence \(rows[i].sequence) is not in its filter"
            }
        }
        guard minTimestamp == summary.minTimestamp, maxTimestamp == summary.maxTimestamp else {
            return "timestamps \(minTimestamp)…\(maxTimestamp), the summary says \(summary.minTimestamp)…\(summary.maxTimestamp)"
        }
        guard levelMask == summary.levelMask else { return "level mask \(levelMask), the summary says \(summary.levelMask)" }
        return nil
    }
}
