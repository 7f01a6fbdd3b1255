import Testing
import LogStore
@testable import LogStoreIngest
import LogStoreFormat

@Suite struct LogfmtParserTests {
    func parse(_ line: String) -> Result<LogRecord, LineError> {
        LogfmtParser(options: fixedOptions(source: "default")).parseLine(line, lineNumber: 7)
    }

    @Test func fieldsMapOntoTheRecord() throws {
        let r = try parse(#"ts=2026-11-22T20:02:33Z level=warn service=api trace_id=abc msg="disk \"slow\"" status=503 took=1.5 ok=true retry"#).get()
        #expect(r.timestamp == referenceNanos)
        #expect(r.level == .warning)
        #expect(r.source == "api")
        #expect(r.correlationID == "abc")
        #expect(r.message == #"disk "slow""#)
        #expect(r.attributes == [Attribute("status", .int(503)), Attribute("took", .double(1.5)),
                                 Attribute("ok", .bool(true)), Attribute("retry", .bool(true))])
    }

    @Test func quotedValuesStayStringsAndLowerRankedKeysStayAttributes() throws {
        let r = try parse(#"msg=a message=b code="42" empty= ts=1732305753"#).get()
        #expect(r.message == "b")
        #expect(r.source == "default")
        #expect(r.timestamp == 1_732_305_753_000_000_000)
        #expect(r.attributes == [Attribute("msg", .string("a")), Attribute("code", .string("42")),
                                 Attribute("empty", .string(""))])
    }

    @Test func missingTimestampIsTheIngestionTime() throws {
        #expect(try parse("level=info msg=hi").get().timestamp == referenceNanos)
    }

    @Test(arguments: [
        (#"msg="unterminated"#, 5, "unterminated quoted value: no closing '\"'"),
        ("=x", 1, "expected a key before '='"),
        (#"a=b"c"#, 4, "unexpected '\"' inside the unquoted value of 'a'; quote the whole value"),
        ("ts=yesterday", 4, "timestamp 'yesterday' is not an RFC 3339 time or an epoch number"),
        ("level=loud", 7, "unknown level 'loud' (a level name, or a syslog severity 0-7)"),
        (#"msg="a\qb""#, 7, "unknown escape '\\q' in a quoted value"),
    ])
    func badLinesNameColumnAndReason(line: String, column: Int, reason: String) {
        #expect(parse(line) == .failure(LineError(line: 7, column: column, reason: reason)))
    }

    @Test func streamKeepsGoodLinesAroundBadOnes() {
        let (records, errors, stats) = stream("msg=one\nmsg=\"two\n\nmsg=three", format: .logfmt, chunk: 4)
        #expect(records.map(\.message) == ["one", "three"])
        #expect(errors.map(\.line) == [2])
        #expect(stats.records == 2)
    }

    @Test func rowsEqualTheRecordEncoding() {
        let input = "ts=2026-11-22T20:02:33Z msg=a n=1\nmsg=b\n"
        var s = LineRecordStream(format: .logfmt, options: fixedOptions())
        var rows = EncodedRows()
        var errors: [LineError] = []
        Array(input.utf8).withUnsafeBytes { s.feed($0, into: &rows, errors: &errors) }
        s.finish(into: &rows, errors: &errors)
        var expected = ByteWriter()
        for r in stream(input, format: .logfmt).records { RowCodec.encode(r, into: &expected) }
        #expect(rows.count == 2)
        #expect(rows.bytes.bytes == expected.bytes)
    }
}
