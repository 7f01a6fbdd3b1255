import Testing
import LogStore
@testable import LogStoreIngest
import LogStoreFormat

/// Random lines for comparing the two outputs of the parser: the round-trip generator's lines, some
/// with extra mapped members (demotions, odd value kinds) and some damaged (syntax and UTF-8 errors).
struct MutatedLine {
    var base: RandomLine

    static let mappedKeys = ["timestamp", "ts", "time", "@timestamp", "level", "log_level", "severity", "lvl",
                             "source", "worker_name", "service", "logger", "correlation_id", "correlationId",
                             "trace_id", "message", "msg", "t\\u0073", "m\\u0073g"]
    static let oddValues = ["true", "false", "null", "0", "7", "-3", "12.5e1", "1795377753", "\"1795377753250\"",
                            "\"2026-11-22T20:02:33Z\"", "\"2026-11-22T20:02:33.5+01:00\"", "\"warn\"", "\"FATAL\"",
                            "\"w\\u0061rn\"", "\"bogus\"", "\"\"", "{}", "{\"a\":{\"b\":[1,{\"c\":null}]},\"d\":\"e\"}",
                            "[1,\"x\",[]]", "\"id-\\u00e9\\/\\n\"", "\"" + String(repeating: "x", count: 300) + "\"",
                            "\"" + String(repeating: "\\u00e9", count: 130) + "\"", "123456789012345678901234567890"]
    static let damage: [UInt8] = Array("{}[]\":,\\0-e.ntf x".utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xED, 0xF4, 0xFF]

    /// A line as bytes: valid, with extra mapped members, or damaged.
    mutating func next() -> [UInt8] {
        var json = base.next().json
        if base.rng.chance(3) {
            for _ in 0..<base.rng.int(1...3) { json = insertMember(json) }
        }
        var bytes = Array(json.utf8)
        switch base.rng.int(0...9) {
        case 0 where bytes.count > 1:
            bytes.removeLast(base.rng.int(1...(bytes.count - 1)))
        case 1:
            bytes[base.rng.int(0...(bytes.count - 1))] = base.rng.pick(Self.damage)
        case 2:
            bytes.insert(base.rng.pick(Self.damage), at: base.rng.int(0...bytes.count))
        default:
            break
        }
        return bytes
    }

    /// `json` with one more member under a mapped key, just after its opening brace or before its
    /// closing one.
    mutating func insertMember(_ json: String) -> String {
        let member = "\"\(base.rng.pick(Self.mappedKeys))\":\(base.rng.pick(Self.oddValues))"
        var text = json
        if base.rng.chance(2), let open = text.firstIndex(of: "{") {
            let inner = text[text.index(after: open)...].first { $0 != " " && $0 != "\t" }
            text.insert(contentsOf: member + (inner == "}" ? "" : ","), at: text.index(after: open))
        } else if let close = text.lastIndex(of: "}") {
            let inner = text[..<close].last { $0 != " " && $0 != "\t" }
            text.insert(contentsOf: (inner == "{" ? "" : ",") + member, at: close)
        }
        return text
    }
}

/// The row bytes `RowCodec.encode` gives for `records`, one array per record.
func encodedRows(_ records: [LogRecord]) -> [[UInt8]] {
    records.map { record in
        var w = ByteWriter()
        RowCodec.encode(record, into: &w)
        return w.bytes
    }
}

/// The rows of `rows` as separate arrays.
func split(_ rows: EncodedRows) -> [[UInt8]] {
    var start = 0
    return rows.ends.map { end in
        defer { start = end }
        return Array(rows.bytes.bytes[start..<end])
    }
}

@Suite("NDJSON row encoding")
struct NDJSONRowEncodingTests {
    static let optionVariants: [NDJSONParserOptions] = [
        .init(), .init(maxRecordBytes: 400), .init(maxNestingDepth: 3),
    ]

    @Test(arguments: [UInt64(11), 12, 13, 0xFEED_FACE])
    func rowsEqualEncodedRecordsLineByLine(seed: UInt64) {
        var generator = MutatedLine(base: RandomLine(rng: SeededRandom(seed: seed)))
        var mismatches: [String] = []
        var recordCount = 0, errorCount = 0
        for index in 0..<3000 {
            let line = generator.next()
            let options = Self.optionVariants[index % Self.optionVariants.count]
            let parser = NDJSONParser(options: options)
            var records: [LogRecord] = []
            var recordErrors: [LineError] = []
            var rows = EncodedRows()
            var rowErrors: [LineError] = []
            line.withUnsafeBytes { buffer in
                parser.parseChunk(buffer, firstLineNumber: index + 1, isFinal: true, into: &records, errors: &recordErrors)
                parser.parseChunk(buffer, firstLineNumber: index + 1, isFinal: true, into: &rows, errors: &rowErrors)
            }
            recordCount += records.count
            errorCount += recordErrors.count
            if split(rows) != encodedRows(records) || rowErrors != recordErrors {
                mismatches.append("\(String(decoding: line, as: UTF8.self))\n  records \(records) \(recordErrors)\n  rows \(split(rows)) \(rowErrors)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.first ?? "")")
        // The mix exercises both outcomes.
        #expect(recordCount > 1000 && errorCount > 300, "\(recordCount) records, \(errorCount) errors")
    }

    @Test func streamsGiveTheSameRowsAndErrors() {
        var generator = MutatedLine(base: RandomLine(rng: SeededRandom(seed: 77)))
        var bytes: [UInt8] = []
        for i in 0..<1500 {
            bytes += generator.next()
            bytes += i % 5 == 0 ? Array("\r\n".utf8) : [0x0A]
            if i % 23 == 0 { bytes += Array("  \n".utf8) }
        }
        bytes += Array(#"{"ts":1,"msg":"no newline at the end"}"#.utf8)
        for options in Self.optionVariants {
            var rng = SeededRandom(seed: 5)
            var recordStream = NDJSONStream(parser: NDJSONParser(options: options))
            var rowStream = NDJSONStream(parser: NDJSONParser(options: options))
            var records: [LogRecord] = []
            var recordErrors: [LineError] = []
            var rows = EncodedRows()
            var rowErrors: [LineError] = []
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + rng.int(1...3000))
                bytes[start..<end].withUnsafeBytes {
                    recordStream.feed($0, into: &records, errors: &recordErrors)
                    rowStream.feed($0, into: &rows, errors: &rowErrors)
                }
                start = end
            }
            recordStream.finish(into: &records, errors: &recordErrors)
            rowStream.finish(into: &rows, errors: &rowErrors)
            #expect(records.count > 500 && recordErrors.count > 100)
            #expect(rowErrors == recordErrors)
            #expect(split(rows) == encodedRows(records))
            #expect(rowStream.nextLineNumber == recordStream.nextLineNumber)
        }
    }

    @Test func demotedMembersKeepTheirPlace() throws {
        let line = #"{"a":1,"msg":"low","b":{"c":2},"message":"high","lvl":"warn","d":true,"level":"error","ts":5}"#
        let parsed = try record(line)
        #expect(parsed.attributes.map(\.key) == ["a", "msg", "b.c", "lvl", "d"])
        var rows = EncodedRows()
        var errors: [LineError] = []
        _ = Array(line.utf8).withUnsafeBytes {
            NDJSONParser().parseChunk($0, firstLineNumber: 1, isFinal: true, into: &rows, errors: &errors)
        }
        #expect(errors.isEmpty)
        #expect(split(rows) == encodedRows([parsed]))
    }
}
