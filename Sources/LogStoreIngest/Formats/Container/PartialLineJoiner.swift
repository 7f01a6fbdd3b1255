/// Joins the pieces of container log messages (CRI `P` pieces with the next `F`; Docker lines split at
/// 16 KiB) across lines and therefore across reads, per stream (`stdout` and `stderr` pieces may
/// interleave).
///
/// Holds the pieces of the messages in progress with the input offset and number of each one's first
/// line, so that a stream checkpoints before them. A message that would outgrow `maxBytes` is cut
/// there: what was joined so far becomes a record of its own (counted in ``LineStatistics/cutMessages``).
struct PartialLineJoiner {
    struct Pending {
        var first: ContainerLogParser.Piece
        /// Offset of the first piece's line in the input, and its number.
        var start: Int
        var line: Int
        var pieces: Int
    }

    let maxBytes: Int
    /// The messages in progress, at most one per stream, oldest first.
    private(set) var pending: [Pending] = []

    init(maxBytes: Int) { self.maxBytes = maxBytes }

    /// What adding one piece completed.
    enum Completion {
        /// A whole message: its first piece carrying the joined text, and how many pieces it had.
        case message(ContainerLogParser.Piece, pieces: Int)
        /// A message cut at the size limit (the piece added starts the next one).
        case cut(ContainerLogParser.Piece, pieces: Int)
    }

    /// The offset and number of the first line of the oldest message in progress.
    var oldest: (start: Int, line: Int)? { pending.first.map { ($0.start, $0.line) } }

    /// Adds the piece read from the line numbered `line` at offset `start`; returns the messages it completes.
    mutating func add(_ piece: ContainerLogParser.Piece, start: Int, line: Int) -> [Completion] {
        var out: [Completion] = []
        if let index = pending.firstIndex(where: { $0.first.stream == piece.stream }) {
            var current = pending[index]
            if current.first.text.utf8.count + piece.text.utf8.count <= maxBytes {
                current.first.text += piece.text
                current.pieces += 1
                if piece.final {
                    pending.remove(at: index)
                    out.append(.message(current.first, pieces: current.pieces))
                } else {
                    pending[index] = current
                }
                return out
            }
            pending.remove(at: index)
            out.append(.cut(current.first, pieces: current.pieces))
        }
        if piece.final {
            out.append(.message(piece, pieces: 1))
        } else {
            pending.append(Pending(first: piece, start: start, line: line, pieces: 1))
        }
        return out
    }

    /// Ends the messages in progress (end of input): their pieces so far, oldest first.
    mutating func finish() -> [(ContainerLogParser.Piece, pieces: Int)] {
        defer { pending = [] }
        return pending.map { ($0.first, $0.pieces) }
    }
}
