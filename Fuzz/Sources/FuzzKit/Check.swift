import LogStore
import LogStoreFormat

/// Traps with a message when an invariant does not hold. libFuzzer sees the trap as a crash
/// ("deadly signal") and saves the input as `crash-<sha1>`.
@inline(__always)
public func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                    file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError("fuzz invariant violated: \(message())", file: file, line: line) }
}

/// `isIdentical(to:)` (doubles by bit pattern) plus byte-for-byte equality of every string, which
/// `==` on `String` does not give (it treats canonically equivalent strings as equal).
public func exactlyIdentical(_ a: LogRecord, _ b: LogRecord) -> Bool {
    guard a.isIdentical(to: b), exactlyEqual(a.source, b.source), exactlyEqual(a.message, b.message) else { return false }
    switch (a.correlationID, b.correlationID) {
    case (nil, nil): break
    case (let x?, let y?): guard exactlyEqual(x, y) else { return false }
    default: return false
    }
    for (x, y) in zip(a.attributes, b.attributes) {
        guard exactlyEqual(x.key, y.key) else { return false }
        if case .string(let s) = x.value, case .string(let t) = y.value, !exactlyEqual(s, t) { return false }
    }
    return true
}

/// Store order: timestamp, then sequence.
@inline(__always)
public func storeOrdered(_ a: LogRecord, _ b: LogRecord) -> Bool {
    a.timestamp < b.timestamp || (a.timestamp == b.timestamp && a.sequence < b.sequence)
}

/// Whether `records` is sorted (non-strictly) by (timestamp, sequence), as the block encoder requires.
public func isStoreSorted(_ records: [LogRecord]) -> Bool {
    for i in records.indices.dropFirst() where storeOrdered(records[i], records[i - 1]) { return false }
    return true
}

/// Encodes sorted records as one block with the engine's `BlockEncoder`, decodes the block again and
/// checks that every record comes back identical, that the summary describes them, and that encoding
/// the decoded records reproduces the same raw bytes.
public func checkBlockRoundTrip(_ records: [LogRecord], context: String) {
    guard !records.isEmpty else { return }
    var encoder = BlockEncoder()
    let (raw, summary) = encoder.encode(records[...])
    require(!raw.isEmpty, "\(context): BlockEncoder could not encode \(records.count) decoded record(s)")
    let block: DecodedBlock
    do { block = try DecodedBlock(raw: raw) } catch {
        fatalError("fuzz invariant violated: \(context): re-encoded block does not decode: \(error)")
    }
    require(block.count == records.count, "\(context): re-encoded block holds \(block.count) records, expected \(records.count)")
    var again: [LogRecord] = []
    again.reserveCapacity(records.count)
    for i in 0..<block.count {
        let r: LogRecord
        do { r = try block.record(i) } catch {
            fatalError("fuzz invariant violated: \(context): record \(i) of the re-encoded block does not materialize: \(error)")
        }
        require(exactlyIdentical(r, records[i]), "\(context): record \(i) changed in a block round trip:\n  before \(records[i])\n  after  \(r)")
        again.append(r)
    }
    require(summary.recordCount == records.count, "\(context): summary counts \(summary.recordCount) records, expected \(records.count)")
    require(summary.minTimestamp == records.map(\.timestamp).min()! && summary.maxTimestamp == records.map(\.timestamp).max()!,
            "\(context): summary time range is wrong")
    require(summary.minSequence == records.map(\.sequence).min()! && summary.maxSequence == records.map(\.sequence).max()!,
            "\(context): summary sequence range is wrong")
    require(summary.levelCounts.reduce(0, +) == records.count, "\(context): summary level counts do not add up")
    require(summary.sourceCounts.reduce(0) { $0 + $1.count } == records.count, "\(context): summary source counts do not add up")
    let (raw2, _) = encoder.encode(again[...])
    require(raw2 == raw, "\(context): encoding the decoded records again gives different block bytes")
}
