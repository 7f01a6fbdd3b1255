import LogStore
import LogStoreIngest

/// What one step of a followed path produced besides its rows (which go to the caller's buffer): bad
/// lines, and the position to store with the rows. Rows and position are appended as one WAL frame, so
/// the position is stored if and only if the records are. The rows may be none (a step that only moves
/// the position).
struct TailBatch {
    var errors: [LineError] = []
    /// The followed path's checkpoint name and the position reached.
    var checkpointName: String
    var position: TailPosition?
    /// File bytes read in this step.
    var bytesRead = 0
    /// Positions of other followed paths to store in the same frame (a file handed over to the follower
    /// of the path it was renamed to).
    var alsoStored: [Checkpoint] = []
    /// Further pieces of a parallel read, stored after the rows in order, each in a frame of its own with
    /// its position (``OpenFile/readInParallel(limit:pieces:buffer:size:now:)``).
    var followingPieces: [ParsedPiece] = []
}

extension TailBatch {
    /// The checkpoint to store: the encoded position, or an empty value (removes the name) if none.
    var checkpoint: Checkpoint { Checkpoint(name: checkpointName, value: position?.encoded() ?? []) }

    /// Every checkpoint to store with the rows.
    var checkpoints: [Checkpoint] { [checkpoint] + alsoStored }
}
