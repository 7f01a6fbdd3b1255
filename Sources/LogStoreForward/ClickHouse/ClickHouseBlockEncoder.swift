import LogStore
import LogStoreFormat

/// Encodes rows of decoded segment blocks as the JSONEachRow lines ``ClickHouseRowEncoder`` writes
/// for their records, byte for byte, straight from the columns: no ``LogRecord``, no `String` per
/// field. Sources and attribute keys are escaped once per block (they are dictionaries there).
/// Strings are validated as UTF-8 as materializing the record would; a row that fails is not
/// encoded (the caller leaves it to the follower, which reports it as damage).
struct ClickHouseBlockEncoder {
    /// `{"store_id":"…","seq":`.
    private let lineStart: [UInt8]

    init(storeID: String) {
        lineStart = Array(#"{"store_id":"#.utf8) + ClickHouseRowEncoder.quoted(storeID) + Array(#","seq":"#.utf8)
    }

    /// The lines of every row of `window`, in its order; nil when a row does not decode.
    func encode(_ window: SegmentRows) -> EncodedLines? {
        var out = EncodedLines()
        var dictionaries: [(sources: [[UInt8]], keys: [[UInt8]])?] = Array(repeating: nil, count: window.blocks.count)
        for place in window.order {
            let b = Int(place.block)
            let block = window.blocks[b]
            let row = Int(place.row)
            let quoted: (sources: [[UInt8]], keys: [[UInt8]])
            if let known = dictionaries[b] {
                quoted = known
            } else {
                quoted = (block.sources.map(ClickHouseRowEncoder.quoted), block.keys.map(ClickHouseRowEncoder.quoted))
                dictionaries[b] = quoted
            }
            let ok = out.appendLine(sequence: block.sequences[row], timestamp: block.timestamps[row]) { bytes in
                append(block, row: row, sources: quoted.sources, keys: quoted.keys, to: &bytes)
            }
            guard ok else { return nil }
        }
        return out
    }

    /// One line; false when a string of the row is not valid UTF-8 or an attribute does not decode.
    private func append(_ block: DecodedBlock, row: Int, sources: [[UInt8]], keys: [[UInt8]], to out: inout [UInt8]) -> Bool {
        out.append(contentsOf: lineStart)
        ClickHouseRowEncoder.appendDecimal(block.sequences[row], to: &out)
        out.append(contentsOf: #","timestamp_ns":"#.utf8)
        let timestamp = block.timestamps[row]
        if timestamp < 0 { out.append(UInt8(ascii: "-")) }
        ClickHouseRowEncoder.appendDecimal(timestamp.magnitude, to: &out)
        out.append(contentsOf: ClickHouseRowEncoder.levelFields[Int(block.level(row).rawValue)])
        out.append(contentsOf: sources[Int(block.sourceIndex[row])])
        out.append(contentsOf: #","correlation_id":"#.utf8)
        guard appendCorrelation(block, row: row, to: &out) else { return false }
        out.append(contentsOf: #","message":"#.utf8)
        let messageOK = block.withMessageBytes(row) { Self.appendCheckedString($0, to: &out) }
        guard messageOK else { return false }
        out.append(contentsOf: #","attr.key":["#.utf8)
        let first = Int(block.attributeStarts[row])
        let end = Int(block.attributeStarts[row + 1])
        for a in first..<end {
            if a > first { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: keys[Int(block.attributeKeys[a])])
        }
        out.append(contentsOf: #"],"attr.value":["#.utf8)
        let valuesOK = block.attributeColumn.withUnsafeBytes { column -> Bool in
            for a in first..<end {
                if a > first { out.append(UInt8(ascii: ",")) }
                guard Self.appendValue(column, at: Int(block.attributeValueOffsets[a]), type: block.attributeTypes[a], to: &out) else {
                    return false
                }
            }
            return true
        }
        guard valuesOK else { return false }
        out.append(contentsOf: "]}\n".utf8)
        return true
    }

    /// The correlation ID as a JSON string (`""` for none): a UUID in its 36-character form, in the
    /// case it was given.
    private func appendCorrelation(_ block: DecodedBlock, row: Int, to out: inout [UInt8]) -> Bool {
        let kind = block.correlationKinds[row]
        let offset = Int(block.correlationOffsets[row])
        switch kind {
        case CorrelationKind.lowercaseUUID, CorrelationKind.uppercaseUUID:
            let digits = kind == CorrelationKind.uppercaseUUID ? Self.upperHex : Self.lowerHex
            out.append(UInt8(ascii: "\""))
            block.core.withUnsafeBytes { core in
                for i in 0..<16 {
                    if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
                    let byte = core[offset + i]
                    out.append(digits[Int(byte >> 4)])
                    out.append(digits[Int(byte & 15)])
                }
            }
            out.append(UInt8(ascii: "\""))
            return true
        case CorrelationKind.string:
            let length = Int(block.correlationLengths[row])
            return block.core.withUnsafeBytes { core in
                Self.appendCheckedString(UnsafeRawBufferPointer(rebasing: core[offset..<(offset + length)]), to: &out)
            }
        default:
            out.append(contentsOf: #""""#.utf8)
            return true
        }
    }

    private static let lowerHex = Array("0123456789abcdef".utf8)
    private static let upperHex = Array("0123456789ABCDEF".utf8)

    /// An attribute value as ``AttributeValue/description`` gives it, as a JSON string.
    private static func appendValue(_ column: UnsafeRawBufferPointer, at offset: Int, type: UInt8, to out: inout [UInt8]) -> Bool {
        var reader = ByteReader(column, offset: offset)
        do throws(FormatError) {
            switch type {
            case AttributeType.string:
                let length = try reader.count("attribute string length", max: reader.remaining)
                return appendCheckedString(try reader.bytes(length, "attribute string"), to: &out)
            case AttributeType.int:
                ClickHouseRowEncoder.appendValue(.int(try reader.zigzag()), to: &out)
            case AttributeType.double:
                ClickHouseRowEncoder.appendValue(.double(Double(bitPattern: try reader.u64())), to: &out)
            default:
                ClickHouseRowEncoder.appendValue(.bool(try reader.u8() == 1), to: &out)
            }
            return true
        } catch {
            return false
        }
    }

    /// `bytes` as a JSON string, if they are valid UTF-8.
    @inline(__always)
    static func appendCheckedString(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) -> Bool {
        var high: UInt8 = 0
        for byte in bytes { high |= byte }
        if high >= 0x80 {
            do throws(FormatError) { _ = try ByteReader.decodeUTF8(bytes, "string", at: 0) } catch { return false }
        }
        ClickHouseRowEncoder.appendString(bytes, to: &out)
        return true
    }
}
