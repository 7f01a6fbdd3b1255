#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Cuts input arriving in arbitrary chunks into lines, numbering them.
///
/// A line ends with `\n`; a `\r` before it is dropped. Complete lines are handed out straight from the
/// caller's buffer; only a line split across chunks is copied. A line longer than `maxLineBytes` is never
/// buffered whole: it is skipped and reported once with its full size.
struct LineSplitter {
    let maxLineBytes: Int
    /// The 1-based number of the next line to be completed.
    private(set) var nextLineNumber: Int
    private var pending: [UInt8] = []
    private var skipping = false
    private var skippedBytes = 0
    /// The last byte skipped: a `\r` there is the line end's, not the line's (as `emit` counts).
    private var lastSkipped: UInt8 = 0

    init(maxLineBytes: Int, firstLineNumber: Int = 1) {
        self.maxLineBytes = maxLineBytes
        self.nextLineNumber = firstLineNumber
    }

    /// Bytes fed that belong to a line not completed yet.
    var carriedBytes: Int { skipping ? skippedBytes : pending.count }

    enum Piece {
        /// A complete line without its terminator, valid only during the call.
        case line(UnsafeRawBufferPointer, number: Int)
        /// A line over the limit, skipped: its number and size in bytes.
        case tooLong(number: Int, bytes: Int)
    }

    /// Hands every line that `bytes` completes to `body`, in order, and keeps the unterminated rest.
    mutating func feed(_ bytes: UnsafeRawBufferPointer, _ body: (Piece) -> Void) {
        guard let raw = bytes.baseAddress, !bytes.isEmpty else { return }
        let n = bytes.count
        var start = 0
        while start < n {
            guard let hit = memchr(raw + start, 0x0A, n - start) else {
                carry(UnsafeRawBufferPointer(rebasing: bytes[start..<n]))
                return
            }
            let newline = raw.distance(to: UnsafeRawPointer(hit))
            let piece = UnsafeRawBufferPointer(rebasing: bytes[start..<newline])
            if skipping || !pending.isEmpty {
                carry(piece)
                emitCarried(body)
            } else {
                emit(piece, body)
            }
            start = newline + 1
        }
    }

    /// Hands out the last line if it had no terminator. Call once at the end of the input.
    mutating func finish(_ body: (Piece) -> Void) {
        if skipping || !pending.isEmpty { emitCarried(body) }
    }

    private mutating func emit(_ line: UnsafeRawBufferPointer, _ body: (Piece) -> Void) {
        var count = line.count
        if count > 0, line[count - 1] == 0x0D { count -= 1 }
        let number = nextLineNumber
        nextLineNumber += 1
        if count > maxLineBytes {
            body(.tooLong(number: number, bytes: count))
        } else {
            body(.line(UnsafeRawBufferPointer(rebasing: line[0..<count]), number: number))
        }
    }

    private mutating func emitCarried(_ body: (Piece) -> Void) {
        if skipping {
            let number = nextLineNumber
            nextLineNumber += 1
            body(.tooLong(number: number, bytes: skippedBytes - (lastSkipped == 0x0D ? 1 : 0)))
            skipping = false
            skippedBytes = 0
            lastSkipped = 0
        } else {
            let line = pending
            pending.removeAll(keepingCapacity: true)
            line.withUnsafeBytes { emit($0, body) }
        }
    }

    private mutating func carry(_ bytes: UnsafeRawBufferPointer) {
        if skipping {
            skippedBytes += bytes.count
            if let last = bytes.last { lastSkipped = last }
            return
        }
        pending.append(contentsOf: bytes)
        // One byte of slack for a "\r" that the terminator may follow.
        if pending.count > maxLineBytes + 1 {
            skipping = true
            skippedBytes = pending.count
            lastSkipped = pending.last ?? 0
            pending.removeAll()
        }
    }
}
