import Testing
import LogStoreFormat
import LogStoreIngest

@Suite("NDJSON chunks")
struct NDJSONChunkTests {
    func line(_ message: String) -> String { #"{\#(tsMember),"msg":"\#(message)"}"# }

    @Test func splitsLinesAndCountsThem() {
        let text = line("a") + "\n" + line("b") + "\r\n" + "\n" + "   \t\r\n" + "\r\n" + line("c") + "\n"
        let r = parseChunk(text)
        #expect(r.records.map(\.message) == ["a", "b", "c"])
        #expect(r.errors.isEmpty)
        #expect(r.consumed == text.utf8.count)
        #expect(r.lines == 6)
    }

    @Test func leavesAnUnterminatedLastLineUnlessFinal() {
        let text = line("a") + "\n" + line("b") + "\n" + #"{"ts":1,"msg":"partial"#
        let partial = parseChunk(text)
        #expect(partial.records.map(\.message) == ["a", "b"])
        #expect(partial.consumed == 2 * (line("a").utf8.count + 1))
        #expect(partial.lines == 2)
        #expect(partial.errors.isEmpty)

        let final = parseChunk(text, isFinal: true)
        #expect(final.records.map(\.message) == ["a", "b"])
        #expect(final.consumed == text.utf8.count)
        #expect(final.lines == 3)
        #expect(final.errors == [LineError(line: 3, column: 15, reason: "unterminated string")])

        let complete = parseChunk(line("a") + "\n" + line("z"), isFinal: true)
        #expect(complete.records.map(\.message) == ["a", "z"])
        #expect(complete.lines == 2)
    }

    @Test func emptyAndPartialOnlyBuffers() {
        let empty = parseChunk("")
        #expect(empty.consumed == 0 && empty.lines == 0 && empty.records.isEmpty)
        let partial = parseChunk(line("a"))
        #expect(partial.consumed == 0 && partial.lines == 0 && partial.records.isEmpty)
        let blankFinal = parseChunk("  ", isFinal: true)
        #expect(blankFinal.consumed == 2 && blankFinal.lines == 1 && blankFinal.records.isEmpty && blankFinal.errors.isEmpty)
    }

    @Test func errorsCarryLineNumbersAndDoNotStopTheChunk() {
        let text = [line("a"), "not json", "", line("b"), #"{"msg":"no time"}"#, line("c")].joined(separator: "\n") + "\n"
        let r = parseChunk(text, firstLineNumber: 100)
        #expect(r.records.map(\.message) == ["a", "b", "c"])
        #expect(r.errors.map(\.line) == [101, 104])
        #expect(r.errors.map(\.description) == [
            "line 101, column 1: expected '{': a record must be a JSON object, found 'n'",
            "line 104, column 1: missing timestamp",
        ])
        #expect(r.lines == 6)
    }

    @Test func crlfIsNotPartOfTheRecordSize() {
        let record = line("0123456789")
        let options = NDJSONParserOptions(maxRecordBytes: record.utf8.count)
        let r = parseChunk(record + "\r\n" + record + "x\r\n", options: options)
        #expect(r.records.count == 1)
        #expect(r.errors.map(\.reason) == ["record of \(record.utf8.count + 1) bytes exceeds the limit of \(record.utf8.count) bytes"])
        #expect(r.errors.first?.line == 2)
    }

    @Test func loneCarriageReturnInsideALineIsWhitespace() {
        let r = parseChunk("{\r" + tsMember + "}\n")
        #expect(r.records.count == 1)
    }

    @Test func matchesLineByLineParsing() throws {
        var rng = SeededRandom(seed: 99)
        var lines: [String] = []
        for i in 0..<300 {
            switch rng.int(0...5) {
            case 0: lines.append("")
            case 1: lines.append("{broken \(i)")
            default: lines.append(line("m\(i)"))
            }
        }
        let text = lines.joined(separator: "\n") + "\n"
        let chunk = parseChunk(text, firstLineNumber: 1)
        var expectedRecords: [LogRecord] = []
        var expectedErrors: [LineError] = []
        for (index, text) in lines.enumerated() where !text.isEmpty {
            switch parse(text, lineNumber: index + 1) {
            case .success(let r): expectedRecords.append(r)
            case .failure(let e): expectedErrors.append(e)
            }
        }
        #expect(chunk.records == expectedRecords)
        #expect(chunk.errors == expectedErrors)
        #expect(chunk.lines == lines.count)
    }
}

@Suite("NDJSON streams")
struct NDJSONStreamTests {
    func line(_ message: String) -> String { #"{\#(tsMember),"msg":"\#(message)"}"# }

    /// Feeds `bytes` split at the given cut points, then finishes.
    func stream(_ bytes: [UInt8], cuts: [Int], options: NDJSONParserOptions = .init())
        -> (records: [LogRecord], errors: [LineError], nextLine: Int) {
        var stream = NDJSONStream(parser: NDJSONParser(options: options))
        var records: [LogRecord] = []
        var errors: [LineError] = []
        var start = 0
        for cut in cuts + [bytes.count] where cut >= start {
            bytes[start..<cut].withUnsafeBytes { stream.feed($0, into: &records, errors: &errors) }
            start = cut
        }
        stream.finish(into: &records, errors: &errors)
        return (records, errors, stream.nextLineNumber)
    }

    /// Found by FuzzNDJSON (Fuzz/regressions/FuzzNDJSON/ndjson-blank-overlimit-split): a blank line over
    /// the size limit was skipped silently in one piece but reported as too long when split across reads.
    @Test func blankLineOverTheLimitIsSkippedWhereverTheReadsSplit() {
        let options = NDJSONParserOptions(maxRecordBytes: 48)
        let text = String(repeating: " ", count: 50) + "\n" + line("x") + "\n" + String(repeating: "\t", count: 60)
        let bytes = Array(text.utf8)
        let whole = stream(bytes, cuts: [], options: options)
        #expect(whole.errors.isEmpty)
        #expect(whole.records.map(\.message) == ["x"])
        for cut in 0...bytes.count {
            let split = stream(bytes, cuts: [cut], options: options)
            #expect(split.errors == whole.errors, "cut at \(cut)")
            #expect(split.records == whole.records, "cut at \(cut)")
            #expect(split.nextLine == whole.nextLine, "cut at \(cut)")
        }
        // A non-blank over-limit line is still reported, split or not.
        let long = Array((String(repeating: " ", count: 30) + "x" + String(repeating: " ", count: 30) + "\n").utf8)
        #expect(stream(long, cuts: [], options: options).errors.count == 1)
        #expect(stream(long, cuts: [20], options: options).errors.count == 1)
        #expect(stream(long, cuts: [55], options: options).errors.count == 1)
    }

    @Test func everySplitPointGivesTheSameResult() {
        let text = line("é😀") + "\r\n\n" + "oops\n" + line("b") + "\n" + line("last")
        let bytes = Array(text.utf8)
        let whole = stream(bytes, cuts: [])
        #expect(whole.records.map(\.message) == ["é😀", "b", "last"])
        #expect(whole.errors.map(\.line) == [3])
        #expect(whole.nextLine == 6)
        for cut in 0...bytes.count {
            let split = stream(bytes, cuts: [cut])
            #expect(split.records == whole.records, "cut at \(cut)")
            #expect(split.errors == whole.errors, "cut at \(cut)")
        }
        let bytewise = stream(bytes, cuts: Array(0...bytes.count))
        #expect(bytewise.records == whole.records)
        #expect(bytewise.errors == whole.errors)
        #expect(bytewise.nextLine == 6)
    }

    @Test func oversizedLinesAreSkippedWithoutBufferingThem() {
        let limit = 60
        let big = #"{"ts":1,"msg":""# + String(repeating: "x", count: 500) + #""}"#
        let text = line("a") + "\n" + big + "\r\n" + line("b") + "\n" + big
        let bytes = Array(text.utf8)
        for cuts in [[], [5], Array(stride(from: 7, to: bytes.count, by: 7)), Array(stride(from: 1, to: bytes.count, by: 1))] {
            let r = stream(bytes, cuts: cuts, options: .init(maxRecordBytes: limit))
            #expect(r.records.map(\.message) == ["a", "b"])
            let reason = "record of \(big.utf8.count) bytes exceeds the limit of \(limit) bytes"
            #expect(r.errors == [LineError(line: 2, column: limit + 1, reason: reason),
                                 LineError(line: 4, column: limit + 1, reason: reason)])
            #expect(r.nextLine == 5)
        }
    }

    @Test func lineNumbersContinueAcrossFeeds() {
        var s = NDJSONStream(firstLineNumber: 10)
        var records: [LogRecord] = []
        var errors: [LineError] = []
        Array((line("a") + "\n\nbad\n").utf8).withUnsafeBytes { s.feed($0, into: &records, errors: &errors) }
        #expect(s.nextLineNumber == 13)
        Array("x\n".utf8).withUnsafeBytes { s.feed($0, into: &records, errors: &errors) }
        s.finish(into: &records, errors: &errors)
        #expect(errors.map(\.line) == [12, 13])
        #expect(records.count == 1)
        #expect(s.nextLineNumber == 14)
    }
}
