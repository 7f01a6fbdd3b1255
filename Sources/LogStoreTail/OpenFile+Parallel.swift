import Dispatch
import Glibc
import LogStore
import LogStoreIngest

/// One piece of a parallel read: its records, its bad lines (numbered in the file) and the position
/// just after its last line.
struct ParsedPiece {
    var rows: EncodedRows
    var errors: [LineError]
    var position: TailPosition
}

/// Reading a file that is far behind in pieces parsed on several threads (as one-shot ingest keeps
/// both cores busy), in order and with exact positions.
extension OpenFile {
    /// Whether ``readInParallel(limit:pieces:buffer:size:now:)`` may be used: one record per line
    /// (NDJSON, logfmt; a text record may span lines, so text is parsed in order on one thread), and
    /// nothing held that a piece would have to continue.
    var canReadInParallel: Bool { format != .text && !stream.holdsRecord }

    /// Reads up to `pieces` × `limit` bytes from the end of the last line stored (the partial line the
    /// parser holds is read again) up to `size`, splits them at line ends into `pieces` pieces and
    /// parses each on its own thread with a parser of its own. Returns the pieces in file order, each
    /// with the position after its last line (its checkpoint), and the file bytes newly read; the
    /// parser then continues after the last complete line. Nil (nothing changed) if there is no
    /// complete line or the read fails: read with ``read(limit:buffer:rows:errors:now:)``.
    func readInParallel(limit: Int, pieces: Int, buffer: inout [UInt8], size: Int64, now: Double) -> (pieces: [ParsedPiece], bytes: Int)? {
        let start = position.offset
        let want = Int(min(size - start, Int64(pieces * limit)))
        guard want > 0, pieces > 1 else { return nil }
        if buffer.count < want { buffer = [UInt8](repeating: 0, count: want) }
        var got = 0
        while got < want {
            let n = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return pread(fd, base + got, want - got, off_t(start) + off_t(got))
            }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            got += n
        }
        guard got > 0, let lastNewline = buffer[0..<got].lastIndex(of: 0x0A) else { return nil }
        let end = lastNewline + 1
        // Piece boundaries: the line end at or after each equal share.
        var bounds = [0]
        for i in 1..<pieces {
            let target = max(end * i / pieces, bounds[bounds.count - 1])
            guard target < end, let newline = buffer[target..<end].firstIndex(of: 0x0A), newline + 1 < end else { break }
            if newline + 1 > bounds[bounds.count - 1] { bounds.append(newline + 1) }
        }
        bounds.append(end)
        let count = bounds.count - 1
        let data = buffer, cuts = bounds
        let format = self.format, options = self.options
        let results = LockedState([(rows: EncodedRows, errors: [LineError], lines: Int)?](repeating: nil, count: count))
        let work: @Sendable (Int) -> Void = { i in
            var parser = LineRecordStream(format: format, options: options)
            var rows = EncodedRows(), errors: [LineError] = []
            data.withUnsafeBytes { raw in
                parser.feed(UnsafeRawBufferPointer(rebasing: raw[cuts[i]..<cuts[i + 1]]), into: &rows, errors: &errors)
            }
            let lines = parser.nextLineNumber - 1
            results.withLock { [rows, errors] in $0[i] = (rows, errors, lines) }
        }
        if count > 1 { DispatchQueue.concurrentPerform(iterations: count, execute: work) } else { work(0) }
        let parsed = results.withLock { $0 }
        // The edges of the piece ends come from the bytes read (the position's own edge before the first).
        let edgeBefore = recentBytes(from: start - min(start, Int64(Fingerprint.edgeLength)), to: start)
        var line = Int64(stream.consumedLineNumber)
        let firstLine = line
        for piece in parsed { line += Int64(piece?.lines ?? 0) }
        let newlyRead = max(0, Int(start) + end - Int(readOffset))
        continueAfter(data[0..<end], readAt: start, lineNumber: line, now: now)
        line = firstLine
        var out: [ParsedPiece] = []
        out.reserveCapacity(count)
        for (i, piece) in parsed.enumerated() {
            guard let piece else { continue }
            let offset = start + Int64(bounds[i + 1])
            var errors = piece.errors
            for e in errors.indices { errors[e].line += Int(line) - 1 }
            line += Int64(piece.lines)
            let cut = bounds[i + 1]
            let length = Int(min(offset, Int64(Fingerprint.edgeLength)))
            let edgeBytes = cut >= length ? Array(data[(cut - length)..<cut]) : (edgeBefore ?? []).suffix(length - cut) + data[0..<cut]
            let edge = edgeBytes.count == length ? Fingerprint(of: edgeBytes) : (Fingerprint.edge(fd: fd, before: offset) ?? .empty)
            out.append(ParsedPiece(rows: piece.rows, errors: errors,
                                   position: TailPosition(identity: identity, offset: offset, lineNumber: line, fingerprint: fingerprint,
                                                          size: max(seenSize, offset), modified: seenModified, edge: edge)))
        }
        return (out, newlyRead)
    }
}
