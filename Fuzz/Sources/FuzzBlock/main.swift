// Fuzz target: raw (decoded) block bytes → DecodedBlock(raw:) → records → BlockEncoder → DecodedBlock.
import CFuzzSupport
import FuzzKit
import LogStore
import LogStoreFormat

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = Array(inputBuffer(data, size))
    guard let block = try? DecodedBlock(raw: input) else { return 0 }
    let n = block.count
    // Every record takes at least 5 bytes (level, source index, kind, message length, attribute count).
    require(n >= 1 && n <= size / 5, "block of \(size) bytes claims \(n) records")
    require(block.timestamps.count == n && block.sequences.count == n && block.levels.count == n
            && block.sourceIndex.count == n && block.correlationKinds.count == n
            && block.correlationOffsets.count == n && block.correlationLengths.count == n,
            "per-record columns disagree with the record count \(n)")
    require(block.messageOffsets.count == n + 1 && block.attributeStarts.count == n + 1,
            "offset columns are not N+1 long")
    let attributes = Int(block.attributeStarts[n])
    require(block.attributeKeys.count == attributes && block.attributeTypes.count == attributes
            && block.attributeValueOffsets.count == attributes, "attribute columns disagree with the attribute count")
    require(Int(block.messageOffsets[n]) <= size, "messages end past the block")

    var records: [LogRecord] = []
    records.reserveCapacity(n)
    var complete = true
    for i in 0..<n {
        // Strings (messages, correlation IDs, attribute strings) are validated only here; failing is fine.
        guard let r = try? block.record(i) else { complete = false; continue }
        require(r.timestamp == block.timestamps[i] && r.sequence == block.sequences[i]
                && r.level.rawValue == block.levels[i], "record \(i) disagrees with its columns")
        if let id = r.correlationID {
            require(!id.isEmpty && id.utf8.count <= RecordLimits.maxCorrelationIDBytes, "record \(i) has an out-of-range correlation ID")
            let probe = CorrelationProbe(id)
            // A UUID stored as kind 3, or an all-digit UUID stored as kind 2, decodes to an ID whose probe has
            // another kind; the engine never writes those, so only compare when the kinds agree.
            if probe.kind == block.correlationKinds[i] {
                require(block.correlationMatches(i, probe), "record \(i) does not match its own correlation ID \(id)")
            }
        }
        // Looking an attribute up in the block gives what the materialized record gives (the head's semantics).
        for key in Set(r.attributes.map(\.key)) {
            let expected = r.attribute(key)
            let got: AttributeValue?
            do { got = try block.attribute(i, key: key) } catch {
                fatalError("fuzz invariant violated: record \(i) materialized but attribute \(key) does not decode: \(error)")
            }
            let same = switch (expected, got) {
            case (nil, nil): true
            case (let a?, let b?): a.isIdentical(to: b)
            default: false
            }
            require(same, "record \(i): block.attribute(key: \(Array(key.utf8))) = \(String(describing: got)), the record has \(String(describing: expected)); key dictionary \(block.keys.map { Array($0.utf8) })")
        }
        records.append(r)
    }
    // The encoder requires records sorted by (timestamp, sequence); otherwise decoding not crashing is all we ask.
    guard complete, isStoreSorted(records) else { return 0 }
    checkBlockRoundTrip(records, context: "FuzzBlock")
    return 0
}

fuzzMain { fuzzOne($0, $1) }
