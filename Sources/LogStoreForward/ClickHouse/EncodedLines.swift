import LogStore

/// JSONEachRow lines of records in sequence order, each with its sequence number and timestamp:
/// what the reader hands to the sender, which cuts inserts from it by copying whole lines.
struct EncodedLines: Sendable {
    /// The lines, back to back.
    private(set) var bytes: [UInt8] = []
    private(set) var sequences: [UInt64] = []
    private(set) var timestamps: [Int64] = []
    /// Where each line ends in ``bytes``.
    private(set) var ends: [Int] = []

    var count: Int { sequences.count }
    var isEmpty: Bool { sequences.isEmpty }

    /// Where line `index` starts in ``bytes``.
    func lineStart(_ index: Int) -> Int { index == 0 ? 0 : ends[index - 1] }

    /// Appends the line of `record` of store `storeID`.
    mutating func append(_ record: LogRecord, storeID: String) {
        ClickHouseRowEncoder.append(record, storeID: storeID, to: &bytes)
        noteLine(sequence: record.sequence, timestamp: record.timestamp)
    }

    /// Records a line just written to ``bytes`` by `write`; a line `write` leaves unfinished (it
    /// returns false) is taken back.
    mutating func appendLine(sequence: UInt64, timestamp: Int64, _ write: (inout [UInt8]) -> Bool) -> Bool {
        let before = bytes.count
        guard write(&bytes) else {
            bytes.removeSubrange(before...)
            return false
        }
        noteLine(sequence: sequence, timestamp: timestamp)
        return true
    }

    private mutating func noteLine(sequence: UInt64, timestamp: Int64) {
        sequences.append(sequence)
        timestamps.append(timestamp)
        ends.append(bytes.count)
    }

    /// Appends every line of `other`.
    mutating func append(contentsOf other: EncodedLines) {
        if isEmpty {
            self = other
            return
        }
        let base = bytes.count
        bytes.append(contentsOf: other.bytes)
        sequences.append(contentsOf: other.sequences)
        timestamps.append(contentsOf: other.timestamps)
        ends.reserveCapacity(ends.count + other.ends.count)
        for end in other.ends { ends.append(base + end) }
    }

    /// The bytes of lines `range`.
    func body(_ range: Range<Int>) -> [UInt8] {
        Array(bytes[lineStart(range.lowerBound)..<lineStart(range.upperBound)])
    }

    /// Drops the first `n` lines.
    mutating func removeFirst(_ n: Int) {
        guard n > 0 else { return }
        if n >= count {
            self = EncodedLines()
            return
        }
        let cut = ends[n - 1]
        bytes.removeFirst(cut)
        sequences.removeFirst(n)
        timestamps.removeFirst(n)
        ends.removeFirst(n)
        for index in ends.indices { ends[index] -= cut }
    }
}
