import Foundation
import Testing
import LogStore
import LogStoreFormat
import LogStoreIngest
@testable import LogStoreTail
import Glibc


/// Appends `text` to the file (created if missing), like a writer with `O_APPEND`.
func append(_ text: String, to path: String) {
    let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    precondition(fd >= 0, "cannot open \(path)")
    defer { close(fd) }
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
}

/// Replaces the file's contents in place (same inode), like `> file` followed by a write.
func rewrite(_ path: String, with text: String) {
    let fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
    precondition(fd >= 0, "cannot open \(path)")
    defer { close(fd) }
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
}

func fileBytes(_ path: String) -> [UInt8] { Array(FileManager.default.contents(atPath: path) ?? Data()) }

/// Messages of encoded rows.
func messages(of rows: EncodedRows) throws -> [String] {
    var out: [String] = []
    var start = 0
    try rows.bytes.bytes.withUnsafeBytes { raw in
        for end in rows.ends {
            var reader = ByteReader(UnsafeRawBufferPointer(rebasing: raw[start..<end]))
            out.append(try RowCodec.decode(&reader, sequence: 0).message)
            start = end
        }
    }
    return out
}

/// Drives one ``FollowedFile`` step by step with an explicit clock, collecting what it produces.
final class Follower {
    let file: FollowedFile
    var rows = EncodedRows()
    var buffer: [UInt8] = []
    var messages: [String] = []
    var errors: [LineError] = []
    var events: [TailEvent] = []
    /// The position of the last batch (what would be stored).
    var position: TailPosition?
    var batches = 0
    var now = 1_000.0

    init(_ path: String, format: LineFormat = .text, stored: [UInt8]? = nil, candidates: [String] = []) throws {
        var options = LineParserOptions()
        options.now = { 1_700_000_000_000_000_000 }
        file = FollowedFile(path: path, absolutePath: path, format: format, options: options)
        try file.resume(from: stored, candidates: { RotatedCandidates(siblings: candidates) }, now: now, events: &events)
    }

    /// Steps until a step produces nothing; `check` sees each batch's position and the messages so far.
    func drain(limit: Int = 1 << 20, holdTimeout: Double = 1, rotateWait: Double = 0,
               check: (TailPosition?, [String]) -> Void = { _, _ in }) throws {
        while let batch = file.step(limit: limit, buffer: &buffer, rows: &rows, now: now, holdTimeout: holdTimeout,
                                    rotateWait: rotateWait, events: &events) {
            messages += try LogStoreTailTests.messages(of: rows)
            rows.removeAll()
            errors += batch.errors
            position = batch.position
            batches += 1
            check(batch.position, messages)
        }
    }

    var eventText: String { events.map(\.description).joined(separator: "\n") }
}
