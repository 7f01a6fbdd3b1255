#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import LogStore

/// Parses NDJSON arriving in arbitrary chunks (for example fixed-size reads of a file or a pipe).
///
/// Complete lines are parsed straight from the caller's buffer; only a line split across chunks is copied.
/// A line longer than `maxRecordBytes` is never buffered whole: the stream skips to its end and reports one
/// ``LineError`` giving its full size.
public struct NDJSONStream: Sendable {
    /// The parser applied to each line.
    public let parser: NDJSONParser
    /// The 1-based number of the next line to be completed.
    public private(set) var nextLineNumber: Int

    /// Bytes fed that belong to the line not completed yet (line `nextLineNumber`); every byte before
    /// them is in a record or an error already handed out.
    public var carriedBytes: Int { skipping ? skippedBytes : pending.count }

    /// The start of a line whose end has not arrived yet.
    private var pending: [UInt8] = []
    /// Whether the current line is being skipped because it is over the limit.
    private var skipping = false
    /// Bytes of the skipped line seen so far, and whether the last one was a carriage return.
    private var skippedBytes = 0
    private var skippedEndsWithCR = false
    /// Whether the skipped line held anything but spaces, tabs and carriage returns. A blank line is
    /// skipped silently at any length, as it is when it arrives in one piece.
    private var skippedHasContent = false

    public init(parser: NDJSONParser = NDJSONParser(), firstLineNumber: Int = 1) {
        self.parser = parser
        self.nextLineNumber = firstLineNumber
    }

    /// Parses every line that `bytes` completes, appending records and errors in input order, and keeps
    /// the unterminated rest for the next call.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, into records: inout [LogRecord], errors: inout [LineError]) {
        var parser = RecordParser(sink: LogRecordSink(), maxDepth: self.parser.options.maxNestingDepth)
        swap(&parser.sink.records, &records)
        defer { swap(&parser.sink.records, &records) }
        feed(bytes, with: &parser, errors: &errors)
    }

    /// Parses the last line if it had no terminator. Call once at the end of the input.
    public mutating func finish(into records: inout [LogRecord], errors: inout [LineError]) {
        var parser = RecordParser(sink: LogRecordSink(), maxDepth: self.parser.options.maxNestingDepth)
        swap(&parser.sink.records, &records)
        defer { swap(&parser.sink.records, &records) }
        finish(with: &parser, errors: &errors)
    }

    /// Like ``feed(_:into:errors:)-([LogRecord],_)`` but appends each record to `rows` in the row encoding
    /// (docs/FORMAT.md, 3.4) without building `LogRecord`s; the bytes equal `RowCodec.encode` of the
    /// records the other form gives, and the errors are the same.
    package mutating func feed(_ bytes: UnsafeRawBufferPointer, into rows: inout EncodedRows, errors: inout [LineError]) {
        var parser = RecordParser(sink: RowSink(rows: consume rows), maxDepth: self.parser.options.maxNestingDepth)
        defer {
            parser.sink.release()
            rows = parser.sink.rows
        }
        feed(bytes, with: &parser, errors: &errors)
    }

    /// Like ``finish(into:errors:)-([LogRecord],_)`` for the row encoding.
    package mutating func finish(into rows: inout EncodedRows, errors: inout [LineError]) {
        var parser = RecordParser(sink: RowSink(rows: consume rows), maxDepth: self.parser.options.maxNestingDepth)
        defer {
            parser.sink.release()
            rows = parser.sink.rows
        }
        finish(with: &parser, errors: &errors)
    }

    /// The chunk bookkeeping shared by every output.
    mutating func feed<Sink: RecordSink>(_ bytes: UnsafeRawBufferPointer, with recordParser: inout RecordParser<Sink>,
                                         errors: inout [LineError]) {
        guard let raw = bytes.baseAddress, !bytes.isEmpty else { return }
        let n = bytes.count
        var offset = 0
        if skipping || !pending.isEmpty {
            guard let hit = memchr(raw, 0x0A, n) else {
                carry(bytes)
                return
            }
            let newline = raw.distance(to: UnsafeRawPointer(hit))
            if skipping {
                carry(UnsafeRawBufferPointer(rebasing: bytes[0..<newline]))
                reportSkippedLine(into: &errors)
            } else {
                pending.append(contentsOf: bytes[0...newline])
                pending.withUnsafeBytes { line in
                    _ = parser.parseChunk(line, firstLineNumber: nextLineNumber, isFinal: true,
                                          with: &recordParser, errors: &errors)
                }
                pending.removeAll(keepingCapacity: true)
                nextLineNumber += 1
            }
            offset = newline + 1
        }
        let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
        let (consumed, lines) = parser.parseChunk(rest, firstLineNumber: nextLineNumber, isFinal: false,
                                                  with: &recordParser, errors: &errors)
        nextLineNumber += lines
        carry(UnsafeRawBufferPointer(rebasing: rest[consumed...]))
    }

    /// The end-of-input bookkeeping shared by every output.
    mutating func finish<Sink: RecordSink>(with recordParser: inout RecordParser<Sink>, errors: inout [LineError]) {
        if skipping {
            reportSkippedLine(into: &errors)
        } else if !pending.isEmpty {
            let lines = pending.withUnsafeBytes { line in
                parser.parseChunk(line, firstLineNumber: nextLineNumber, isFinal: true,
                                  with: &recordParser, errors: &errors).lines
            }
            nextLineNumber += lines
            pending.removeAll(keepingCapacity: true)
        }
    }

    /// Keeps `bytes` (part of an unterminated line), switching to skipping once the line is over the limit.
    private mutating func carry(_ bytes: UnsafeRawBufferPointer) {
        if skipping {
            skippedBytes += bytes.count
            if let last = bytes.last { skippedEndsWithCR = last == 0x0D }
            if !skippedHasContent { skippedHasContent = !Self.isBlank(bytes) }
            return
        }
        pending.append(contentsOf: bytes)
        // One byte of slack for a "\r" that the terminator may follow.
        if pending.count > parser.options.maxRecordBytes + 1 {
            skipping = true
            skippedBytes = pending.count
            skippedEndsWithCR = pending.last == 0x0D
            skippedHasContent = pending.withUnsafeBytes { !Self.isBlank($0) }
            pending.removeAll()
        }
    }

    private mutating func reportSkippedLine(into errors: inout [LineError]) {
        let size = skippedBytes - (skippedEndsWithCR ? 1 : 0)
        let limit = parser.options.maxRecordBytes
        if skippedHasContent {
            errors.append(LineError(line: nextLineNumber, column: limit + 1,
                                    reason: "record of \(size) bytes exceeds the limit of \(limit) bytes"))
        }
        nextLineNumber += 1
        skipping = false
        skippedBytes = 0
        skippedEndsWithCR = false
        skippedHasContent = false
    }

    private static func isBlank(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return true }
        return NDJSONParser.isBlank(base.assumingMemoryBound(to: UInt8.self), 0, bytes.count)
    }
}
