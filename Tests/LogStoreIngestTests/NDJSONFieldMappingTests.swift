import Testing
import LogStoreFormat
import LogStoreIngest

@Suite("NDJSON field mapping")
struct NDJSONFieldMappingTests {
    @Test func fullRecord() throws {
        let r = try record(#"{"timestamp":"2026-11-22T20:02:33.5Z","level":"error","source":"api-worker","correlation_id":"req-42","message":"boom","status":500,"path":"/x"}"#)
        #expect(r.timestamp == referenceNanos + 500_000_000)
        #expect(r.level == .error)
        #expect(r.source == "api-worker")
        #expect(r.correlationID == "req-42")
        #expect(r.message == "boom")
        #expect(r.attributes == [Attribute("status", .int(500)), Attribute("path", .string("/x"))])
        #expect(r.sequence == 0)
    }

    @Test func defaults() throws {
        let r = try record("{\(tsMember)}")
        #expect(r.level == .info)
        #expect(r.source == "")
        #expect(r.correlationID == nil)
        #expect(r.message == "")
        #expect(r.attributes.isEmpty)
    }

    @Test(arguments: ["timestamp", "ts", "time", "@timestamp"])
    func timestampKeys(key: String) throws {
        let r = try record(#"{"\#(key)":"2026-11-22T20:02:33Z","a":1}"#)
        #expect(r.timestamp == referenceNanos)
        #expect(r.attributes == [Attribute("a", .int(1))])
    }

    @Test(arguments: ["level", "log_level", "severity", "lvl"])
    func levelKeys(key: String) throws {
        let r = try record(#"{\#(tsMember),"\#(key)":"warn"}"#)
        #expect(r.level == .warning)
        #expect(r.attributes.isEmpty)
    }

    @Test(arguments: ["source", "worker_name", "service", "logger"])
    func sourceKeys(key: String) throws {
        let r = try record(#"{\#(tsMember),"\#(key)":"billing"}"#)
        #expect(r.source == "billing")
        #expect(r.attributes.isEmpty)
    }

    @Test(arguments: ["correlation_id", "correlationId", "trace_id"])
    func correlationKeys(key: String) throws {
        let r = try record(#"{\#(tsMember),"\#(key)":"abc-123"}"#)
        #expect(r.correlationID == "abc-123")
        #expect(r.attributes.isEmpty)
    }

    @Test(arguments: ["message", "msg"])
    func messageKeys(key: String) throws {
        let r = try record(#"{\#(tsMember),"\#(key)":"hello"}"#)
        #expect(r.message == "hello")
        #expect(r.attributes.isEmpty)
    }

    @Test func requestIDAndCaseVariantsStayAttributes() throws {
        let r = try record(#"{\#(tsMember),"request_id":"r1","Level":"error","MESSAGE":"m","Timestamp":"x"}"#)
        #expect(r.correlationID == nil)
        #expect(r.level == .info)
        #expect(r.message == "")
        #expect(r.attributes.map(\.key) == ["request_id", "Level", "MESSAGE", "Timestamp"])
    }

    @Test func higherPriorityKeyWinsWhateverTheOrder() throws {
        let r = try record(#"{"msg":"low","a":1,"message":"high",\#(tsMember),"trace_id":"t","correlation_id":"c","b":2}"#)
        #expect(r.message == "high")
        #expect(r.correlationID == "c")
        // The losers stay attributes at their input positions.
        #expect(r.attributes == [Attribute("msg", .string("low")), Attribute("a", .int(1)),
                                 Attribute("trace_id", .string("t")), Attribute("b", .int(2))])
    }

    @Test func lowerPriorityKeyAfterTheWinnerIsAnAttribute() throws {
        let r = try record(#"{"level":"debug","severity":"ERROR","timestamp":"2026-11-22T20:02:33Z","time":"whenever"}"#)
        #expect(r.level == .debug)
        #expect(r.timestamp == referenceNanos)
        #expect(r.attributes == [Attribute("severity", .string("ERROR")), Attribute("time", .string("whenever"))])
    }

    @Test func displacedCandidatesKeepInputOrder() throws {
        // Three timestamp keys from lowest to highest priority, interleaved with attributes.
        let r = try record(#"{"@timestamp":1,"x":1,"time":2,"y":2,"ts":3,"z":3,"timestamp":"2026-11-22T20:02:33Z"}"#)
        #expect(r.timestamp == referenceNanos)
        #expect(r.attributes.map(\.key) == ["@timestamp", "x", "time", "y", "ts", "z"])
        #expect(r.attributes.map(\.value) == [.int(1), .int(1), .int(2), .int(2), .int(3), .int(3)])
    }

    @Test func repeatedKeyKeepsItsFirstValue() throws {
        let r = try record(#"{\#(tsMember),"level":"error","level":"debug","msg":"one","msg":"two"}"#)
        #expect(r.level == .error)
        #expect(r.message == "one")
        #expect(r.attributes.isEmpty)
    }

    @Test func nullMappedValueCountsAsAbsent() throws {
        let r = try record(#"{"timestamp":null,"ts":"2026-11-22T20:02:33Z","message":null,"msg":"fallback","level":null}"#)
        #expect(r.timestamp == referenceNanos)
        #expect(r.message == "fallback")
        #expect(r.level == .info)
        #expect(r.attributes.isEmpty)
        let error = try lineError(#"{"ts":null}"#)
        #expect(error.reason == "missing timestamp")
    }

    @Test func escapedMappedKeyIsRecognised() throws {
        let r = try record(#"{"\u0074s":"2026-11-22T20:02:33Z","\u006Cevel":"error"}"#)
        #expect(r.timestamp == referenceNanos)
        #expect(r.level == .error)
    }

    @Test func nestedMappedNamesAreAttributes() throws {
        let r = try record(#"{\#(tsMember),"ctx":{"level":"error","ts":5}}"#)
        #expect(r.level == .info)
        #expect(r.attributes == [Attribute("ctx.level", .string("error")), Attribute("ctx.ts", .int(5))])
    }

    // MARK: Timestamp forms

    @Test(arguments: [
        (#""2026-11-22T20:02:33Z""#, referenceNanos),
        (#""2026-11-22T22:02:33.25+02:00""#, referenceNanos + 250_000_000),
        (#""1795377753""#, referenceNanos),
        (#""1795377753123""#, referenceNanos + 123_000_000),
        ("1795377753", referenceNanos),
        ("1795377753.25", referenceNanos + 250_000_000),
        ("1795377753.123456789", referenceNanos + 123_456_789),
        ("1795377753123", referenceNanos + 123_000_000),
        ("1795377753123456", referenceNanos + 123_456_000),
        ("1795377753123456789", referenceNanos + 123_456_789),
        ("1.795377753e9", referenceNanos),
        ("-1.5", -1_500_000_000),
        (#""2026-11-22T20:02:33\u005a""#, referenceNanos),
    ] as [(String, Int64)])
    func timestampForms(json: String, nanos: Int64) throws {
        #expect(try record(#"{"ts":\#(json)}"#).timestamp == nanos)
    }

    // MARK: Levels

    @Test(arguments: [
        ("info", LogLevel.info), ("INFO", .info), ("Info", .info), ("information", .info), ("debug", .debug),
        ("DEBUG", .debug), ("warn", .warning), ("WARNING", .warning), ("error", .error), ("ERR", .error),
        ("trace", .trace), ("notice", .notice), ("critical", .critical), ("fatal", .critical), ("FATAL", .critical),
        ("crit", .critical), ("panic", .critical), ("emerg", .critical), ("alert", .critical), ("dbg", .debug),
        ("wrn", .warning), ("\\u0045RROR", .error),
    ] as [(String, LogLevel)])
    func levelNames(name: String, level: LogLevel) throws {
        #expect(try record(#"{\#(tsMember),"level":"\#(name)"}"#).level == level)
    }

    @Test(arguments: [
        (0, LogLevel.critical), (1, .critical), (2, .critical), (3, .error), (4, .warning), (5, .notice),
        (6, .info), (7, .debug),
    ] as [(Int, LogLevel)])
    func syslogSeverities(number: Int, level: LogLevel) throws {
        #expect(try record(#"{\#(tsMember),"severity":\#(number)}"#).level == level)
    }

    @Test func badLevels() throws {
        let name = try lineError(#"{\#(tsMember),"level":"verbose"}"#)
        #expect(name.reason == #"unknown level "verbose""#)
        #expect(name.column == 38)
        let number = try lineError(#"{\#(tsMember),"level":8}"#)
        #expect(number.reason.hasPrefix("unknown level 8"))
        #expect(number.column == 38)
        #expect(try lineError(#"{\#(tsMember),"level":-1}"#).reason.hasPrefix("unknown level -1"))
        #expect(try lineError(#"{\#(tsMember),"level":3.0}"#).reason.hasPrefix("unknown level 3.0"))
        #expect(try lineError(#"{\#(tsMember),"level":true}"#).reason == "unknown level true")
        #expect(try lineError(#"{\#(tsMember),"level":["a"]}"#).reason == #"unknown level ["a"]"#)
        #expect(try lineError(#"{\#(tsMember),"level":""}"#).reason == #"unknown level """#)
    }

    // MARK: Source, message, correlation ID

    @Test func scalarSourceAndMessageKeepTheirJSONText() throws {
        let r = try record(#"{\#(tsMember),"source":42,"message":true}"#)
        #expect(r.source == "42")
        #expect(r.message == "true")
        let e = try lineError(#"{\#(tsMember),"msg":{"a":1}}"#)
        #expect(e.reason == #"expected a string for "msg", found an object"#)
        #expect(e.column == 36)
        let s = try lineError(#"{\#(tsMember),"service":[1]}"#)
        #expect(s.reason == #"expected a string for "service", found an array"#)
    }

    @Test func correlationIDForms() throws {
        #expect(try record(#"{\#(tsMember),"trace_id":12345}"#).correlationID == "12345")
        #expect(try record(#"{\#(tsMember),"trace_id":1.50}"#).correlationID == "1.50")
        #expect(try record(#"{\#(tsMember),"correlation_id":""}"#).correlationID == nil)
        #expect(try record(#"{\#(tsMember),"correlation_id":"a\"b"}"#).correlationID == "a\"b")
        let e = try lineError(#"{\#(tsMember),"correlationId":false}"#)
        #expect(e.reason == #"expected a string or number for "correlationId", found a boolean"#)
    }

    @Test func correlationIDLengthLimitCountsUTF8Bytes() throws {
        let ascii255 = String(repeating: "a", count: 255)
        #expect(try record(#"{\#(tsMember),"correlation_id":"\#(ascii255)"}"#).correlationID == ascii255)
        let e = try lineError(#"{\#(tsMember),"correlation_id":"\#(ascii255)b"}"#)
        #expect(e.reason == "correlation ID of 256 bytes exceeds the limit of 255 bytes")
        #expect(e.column == 47)
        // 128 two-byte characters are 256 bytes.
        let wide = String(repeating: "é", count: 128)
        #expect(try lineError(#"{\#(tsMember),"trace_id":"\#(wide)"}"#).reason
            == "correlation ID of 256 bytes exceeds the limit of 255 bytes")
        // Escapes count after decoding: 255 bytes written as \u0061.
        let escaped = String(repeating: "\\u0061", count: 255)
        #expect(try record(#"{\#(tsMember),"trace_id":"\#(escaped)"}"#).correlationID == ascii255)
    }

    // MARK: Timestamp errors

    @Test func timestampErrors() throws {
        let missing = try lineError(#"{"level":"info"}"#)
        #expect(missing.reason == "missing timestamp")
        #expect(missing.column == 1)
        #expect(try lineError(#"   {"a":1}"#).column == 4)
        let bad = try lineError(#"{"a":1,"ts":"yesterday"}"#)
        #expect(bad.reason == #"unparseable timestamp "yesterday""#)
        #expect(bad.column == 13)
        #expect(try lineError(#"{"ts":true}"#).reason == "unparseable timestamp true")
        #expect(try lineError(#"{"ts":{"s":1}}"#).reason == #"unparseable timestamp {"s":1}"#)
        #expect(try lineError(#"{"ts":1e400}"#).reason == "unparseable timestamp 1e400")
        #expect(try lineError(#"{"ts":99999999999}"#).reason == "unparseable timestamp 99999999999")
        #expect(try lineError(#"{"ts":"2025-02-29T00:00:00Z"}"#).reason == #"unparseable timestamp "2025-02-29T00:00:00Z""#)
        let long = String(repeating: "x", count: 100)
        #expect(try lineError(#"{"ts":"\#(long)"}"#).reason == "unparseable timestamp \"\(String(repeating: "x", count: 64))…\"")
    }
}
