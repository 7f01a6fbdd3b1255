#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Cuts input arriving in arbitrary chunks into lines, numbering them and giving each line's byte
/// offset from the start of the input (so that a tailer can checkpoint exactly after a line).
///
/// A line ends with `\n`; a `\r` before it is dropped. Complete lines are handed out straight from the
/// caller's buffer; only a line split across chunks is copied. A line longer than `maxLineBytes` is never
/// buffered whole: it is skipped and reported once with its full size.
struct LineSplitter {
    let maxLineBytes: Int
    /// The 1-based number of the next line to be completed.
    private(set) var nextLineNumber: Int
    /// Bytes of the input in lines handed out so far, terminators included: the offset of the next line.
    private(set) var completedBytes = 0
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
        /// A complete line without its terminator, valid only during the call, and the offset of its
        /// first byte in the input.
        case line(UnsafeRawBufferPointer, number: Int, start: Int)
        /// A line over the limit, skipped: its number, size in bytes and the offset of its first byte.
        case tooLong(number: Int, bytes: Int, start: Int)
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
                emitCarried(terminated: true, body)
            } else {
                emit(piece, rawCount: piece.count + 1, body)
            }
            start = newline + 1
        }
    }

    /// Hands out the last line if it had no terminator. Call once at the end of the input.
    mutating func finish(_ body: (Piece) -> Void) {
        if skipping || !pending.isEmpty { emitCarried(terminated: false, body) }
    }

    /// Hands out `line` (its terminator excluded), which spans `rawCount` bytes of input with it.
    private mutating func emit(_ line: UnsafeRawBufferPointer, rawCount: Int, _ body: (Piece) -> Void) {
        var count = line.count
        if count > 0, line[count - 1] == 0x0D { count -= 1 }
        let number = nextLineNumber
        let start = completedBytes
        nextLineNumber += 1
        completedBytes += rawCount
        if count > maxLineBytes {
            body(.tooLong(number: number, bytes: count, start: start))
        } else {
            body(.line(UnsafeRawBufferPointer(rebasing: line[0..<count]), number: number, start: start))
        }
    }

    private mutating func emitCarried(terminated: Bool, _ body: (Piece) -> Void) {
        if skipping {
            let number = nextLineNumber
            let start = completedBytes
            nextLineNumber += 1
            completedBytes += skippedBytes + (terminated ? 1 : 0)
            body(.tooLong(number: number, bytes: skippedBytes - (lastSkipped == 0x0D ? 1 : 0), start: start))
            skipping = false
            skippedBytes = 0
            lastSkipped = 0
        } else {
            let line = pending
            pending.removeAll(keepingCapacity: true)
            line.withUnsafeBytes { emit($0, rawCount: $0.count + (terminated ? 1 : 0), body) }
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
