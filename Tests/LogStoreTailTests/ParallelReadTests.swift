import Foundation
import Testing
import LogStore
import LogStoreIngest
@testable import LogStoreTail
import Glibc

/// A file far behind is read several reads at a time and parsed on several threads: records in file
/// order, each piece stored with the position just after its last line, bad lines numbered in the file.
@Suite struct ParallelReadTests {
    /// A bad line now and then (NDJSON: logfmt takes any line as a record).
    func isBad(_ i: Int, _ format: LineFormat) -> Bool { format == .ndjson && i % 97 == 13 }

    func line(_ i: Int, format: LineFormat) -> String {
        if isBad(i, format) { return "not a record {" }
        return switch format {
        case .ndjson: "{\"ts\":1700000000,\"message\":\"m\(i)\"}"
        default: "ts=2023-11-14T22:13:20Z msg=m\(i)"
        }
    }

    @Test(arguments: [LineFormat.ndjson, .logfmt], [2, 3, 4])
    func piecesKeepOrderPositionsAndLineNumbers(format: LineFormat, pieces: Int) throws {
        let dir = TempDir()
        let path = dir.path + "/app.log"
        let all = (0..<3000).map { line($0, format: format) }
        append(all.map { $0 + "\n" }.joined() + "{\"partial", to: path)
        let text = fileBytes(path)
        let f = try Follower(path, format: format)
        var buffer: [UInt8] = [], rows = EncodedRows(), events: [TailEvent] = []
        var stored: [String] = [], errors: [LineError] = []
        var positions: [TailPosition] = []
        var parallelSteps = 0
        while let batch = f.file.step(limit: 4096, buffer: &buffer, rows: &rows, now: f.now, holdTimeout: 1, pieces: pieces, events: &events) {
            stored += try messages(of: rows)
            rows.removeAll()
            errors += batch.errors
            positions += [batch.position].compactMap { $0 }
            if !batch.followingPieces.isEmpty { parallelSteps += 1 }
            for piece in batch.followingPieces {
                stored += try messages(of: piece.rows)
                positions.append(piece.position)
            }
        }
        #expect(parallelSteps > 0)
        let expected = all.indices.filter { !isBad($0, format) }.map { "m\($0)" }
        #expect(stored == expected)
        #expect(errors.map(\.line) == all.indices.filter { isBad($0, format) }.map { $0 + 1 })
        // Every position is just after a line end, numbers the line there, and has that place's edge.
        for p in positions {
            let offset = Int(p.offset)
            #expect(offset == 0 || text[offset - 1] == 0x0A)
            #expect(p.lineNumber == Int64(text[0..<offset].filter { $0 == 0x0A }.count + 1))
            let from = max(0, offset - Fingerprint.edgeLength)
            #expect(p.edge == Fingerprint(of: text[from..<offset]))
        }
        #expect(positions.last?.offset == Int64(text.count - "{\"partial".utf8.count))
        // Resumed from a position in the middle, a tailer reads exactly the rest.
        let middle = positions[positions.count / 2]
        let resumed = try Follower(path, format: format, stored: middle.encoded())
        try resumed.drain()
        let before = text[0..<Int(middle.offset)].filter { $0 == 0x0A }.count
        #expect(resumed.messages == all.indices.dropFirst(before).filter { !isBad($0, format) }.map { "m\($0)" })
    }
}
