import Testing
import LogStoreFormat
import LogStoreIngest

@Suite("NDJSON syntax errors")
struct NDJSONSyntaxErrorTests {
    @Test(arguments: [
        ("", 1, "empty line"),
        ("[1,2]", 1, "expected '{': a record must be a JSON object, found '['"),
        ("hello", 1, "expected '{': a record must be a JSON object, found 'h'"),
        ("  \"str\"", 3, "expected '{': a record must be a JSON object, found '\"'"),
        ("   ", 4, "expected '{': a record must be a JSON object, found end of line"),
        ("null", 1, "expected '{': a record must be a JSON object, found 'n'"),
        (#"{"a" 1}"#, 6, "expected ':' after object key, found '1'"),
        (#"{"a":1 "b":2}"#, 8, "expected ',' or '}' after object member, found '\"'"),
        (#"{"a":1,}"#, 8, "expected a string key, found '}'"),
        (#"{a:1}"#, 2, "expected a string key, found 'a'"),
        (#"{'a':1}"#, 2, "expected a string key, found '''"),
        ("{", 2, "expected a string key, found end of line"),
        (#"{"a":}"#, 6, "expected a value, found '}'"),
        (#"{"a":tru}"#, 6, "expected a value, found 't'"),
        (#"{"a":nul}"#, 6, "expected a value, found 'n'"),
        (#"{"a":True}"#, 6, "expected a value, found 'T'"),
        (#"{"a":NaN}"#, 6, "expected a value, found 'N'"),
        (#"{"a":01}"#, 6, "invalid number: leading zero"),
        (#"{"a":-01}"#, 6, "invalid number: leading zero"),
        (#"{"a":1.}"#, 8, "invalid number: expected a digit after '.'"),
        (#"{"a":.5}"#, 6, "expected a value, found '.'"),
        (#"{"a":1e}"#, 8, "invalid number: expected a digit in the exponent"),
        (#"{"a":1e+}"#, 9, "invalid number: expected a digit in the exponent"),
        (#"{"a":-}"#, 7, "invalid number: expected a digit"),
        (#"{"a":+1}"#, 6, "expected a value, found '+'"),
        (#"{"a":0x10}"#, 7, "expected ',' or '}' after object member, found 'x'"),
        (#"{"a":"x}"#, 6, "unterminated string"),
        (#"{"a}"#, 2, "unterminated string"),
        (#"{"a":1}x"#, 8, "unexpected data after the JSON object"),
        (#"{"a":1}{"b":2}"#, 8, "unexpected data after the JSON object"),
        (#"{"a":1} ,"#, 9, "unexpected data after the JSON object"),
        (#"{"a":[1,2}"#, 10, "expected ',' or ']' after array element, found '}'"),
        (#"{"a":[1,]}"#, 9, "expected a value, found ']'"),
        (#"{"a":{"b":1]}"#, 12, "expected ',' or '}' after object member, found ']'"),
        (#"{"a":{"b"}}"#, 10, "expected ':' after object key, found '}'"),
        (#"{"a":{1:2}}"#, 7, "expected a string key, found '1'"),
        (#"{"a":1"#, 7, "expected ',' or '}' after object member, found end of line"),
        (#"{"a":[1"#, 8, "expected ',' or ']' after array element, found end of line"),
        (#"{"level":{"a":}}"#, 15, "expected a value, found '}'"),                    // inside a scanned mapped value
        (#"{"level":"x","level":[1,}"#, 25, "expected a value, found '}'"),          // inside a skipped duplicate
        (#"{"severity":1,"level":"x","severity":{"a"}}"#, 42, "expected ':' after object key, found '}'"),
        ("{\"a\":1}\u{0}", 8, "unexpected data after the JSON object"),
        ("{\"a\":\u{1}}", 6, "expected a value, found byte 0x01"),
        ("{\"a\":1\u{B}}", 7, "expected ',' or '}' after object member, found byte 0x0B"),
    ] as [(String, Int, String)])
    func reportsReasonAndColumn(line: String, column: Int, reason: String) throws {
        let e = try lineError(line)
        #expect(e.reason == reason)
        #expect(e.column == column)
        #expect(e.line == 1)
    }

    @Test func descriptionNamesLineAndColumn() throws {
        guard case .failure(let e) = parse(#"{"timestamp" 1}"#, lineNumber: 42) else {
            Issue.record("expected a failure")
            return
        }
        #expect(e == LineError(line: 42, column: 14, reason: "expected ':' after object key, found '1'"))
        #expect(e.description == "line 42, column 14: expected ':' after object key, found '1'")
        #expect("\(e)" == e.description)
    }

    @Test func recordSizeLimit() throws {
        let options = NDJSONParserOptions(maxRecordBytes: 50)
        let fits = #"{\#(tsMember),"m":"\#(String(repeating: "x", count: 50 - 36))"}"#
        #expect(fits.utf8.count == 50)
        if case .failure(let e) = parse(fits, options: options) { Issue.record("unexpected \(e)") }
        let tooLong = #"{\#(tsMember),"m":"\#(String(repeating: "x", count: 24))"}"#
        let e = try lineError(tooLong, options: options)
        #expect(e.reason == "record of 60 bytes exceeds the limit of 50 bytes")
        #expect(e.column == 51)
        #expect(NDJSONParserOptions().maxRecordBytes == 1 << 20)
        #expect(NDJSONParserOptions().maxNestingDepth == 32)
    }

    @Test func sizeLimitIsCheckedBeforeEncoding() throws {
        // An over-long line is rejected for its size even if it is also invalid UTF-8.
        let e = try lineError(bytes: [UInt8](repeating: 0xFF, count: 100), options: .init(maxRecordBytes: 10))
        #expect(e.reason == "record of 100 bytes exceeds the limit of 10 bytes")
    }

    @Test func truncatedRecordsFailCleanlyAtEveryLength() throws {
        // Every proper prefix of a valid record is an error whose column lies within the prefix (or just past it).
        let full = #"{"ts":"2026-11-22T20:02:33.5Z","level":"warn","msg":"a\"b\u00e9\ud83d\ude00","n":-1.5e3,"o":{"p":[1,{"q":null}],"r":true},"s":false}"#
        let bytes = Array(full.utf8)
        if case .failure(let e) = parse(full) { Issue.record("the full record must parse: \(e)") }
        for length in 0..<bytes.count {
            let prefix = Array(bytes[0..<length])
            switch parse(bytes: prefix) {
            case .success(let r): Issue.record("prefix of \(length) bytes parsed: \(r)")
            case .failure(let e):
                #expect(e.column >= 1 && e.column <= length + 1, "length \(length): \(e)")
            }
        }
    }

    @Test func randomByteMutationsNeverCrash() {
        var rng = SeededRandom(seed: 4242)
        let base = Array(#"{"ts":1795377753,"level":"error","msg":"x\n\u00e9","a":{"b":[1,2.5,"c"]},"d":null}"#.utf8)
        let alphabet = Array(#"{}[]:,"\\ 0123456789.eE+-tfnul\#u{7F}"#.utf8) + [0x00, 0x0A, 0x80, 0xC3, 0xFF]
        var failures = 0
        for _ in 0..<5000 {
            var bytes = base
            for _ in 0..<rng.int(1...4) {
                let index = rng.int(0...(bytes.count - 1))
                switch rng.int(0...2) {
                case 0: bytes[index] = rng.pick(alphabet)
                case 1: bytes.remove(at: index)
                default: bytes.insert(rng.pick(alphabet), at: index)
                }
            }
            if case .failure(let e) = parse(bytes: bytes), !(1...(bytes.count + 1)).contains(e.column) { failures += 1 }
        }
        #expect(failures == 0)
    }
}
