import Glibc
import LogStoreFormat

/// Checkpoints across restarts (docs/FORMAT.md, section 9): loaded at open from `CHECKPOINTS` and the
/// records-with-checkpoints frames of the WAL files replayed, saved to `CHECKPOINTS` by every flush.
extension LogStore {
    /// The latest value stored for the checkpoint `name` (see ``append(_:checkpoints:)``), or nil
    /// when there is none. In the writing process this includes appends not yet durable; a failed
    /// WAL write takes those back. In a read-only store it is the value on disk when it was opened.
    ///
    /// Throws ``LogStoreError/Kind/corruption`` when the store's `CHECKPOINTS` file is damaged (only
    /// possible for a read-only store; a writer refuses to open such a store).
    public func checkpoint(named name: String) throws(LogStoreError) -> [UInt8]? {
        try state.withLock { () throws(LogStoreError) -> [UInt8]? in
            if let problem = shared.checkpointsFileProblem { throw problem }
            return shared.checkpoints.value(named: name)
        }
    }

    /// Every checkpoint name with its latest value; see ``checkpoint(named:)``.
    public func checkpoints() throws(LogStoreError) -> [String: [UInt8]] {
        try state.withLock { () throws(LogStoreError) -> [String: [UInt8]] in
            if let problem = shared.checkpointsFileProblem { throw problem }
            return shared.checkpoints.all
        }
    }

    static func validate(_ checkpoints: [Checkpoint]) throws(LogStoreError) {
        guard !checkpoints.isEmpty else { return }
        if checkpoints.count > Checkpoint.maxPerAppend {
            throw LogStoreError(.invalidArgument, "an append carries at most \(Checkpoint.maxPerAppend) checkpoints, this one \(checkpoints.count); split it")
        }
        var names: Set<String> = []
        for c in checkpoints {
            if let reason = c.invalidReason { throw LogStoreError(.invalidArgument, reason + "; shorten it") }
            guard names.insert(c.name).inserted else {
                throw LogStoreError(.invalidArgument, "checkpoint \"\(c.name)\" is given twice in one append; keep the last position only")
            }
        }
    }

    /// The content of the store's `CHECKPOINTS` file (empty when it does not exist). A damaged file
    /// throws ``LogStoreError/Kind/corruption`` with advice.
    static func readCheckpointsFile(_ path: String, io: any StorageIO) throws(LogStoreError) -> [String: [UInt8]] {
        let filePath = joinPath(path, CheckpointsFile.fileName)
        guard io.exists(filePath) else { return [:] }
        let bytes = try File(path: filePath, flags: O_RDONLY, io: io).readAll()
        let decoded = bytes.withUnsafeBytes { b in
            Result { () throws(FormatError) -> [String: [UInt8]] in try CheckpointsFile.decode(b) }
        }
        switch decoded {
        case .success(let values): return values
        case .failure(let error):
            if error.isUnsupportedVersion { throw LogStoreError.format(error, path: filePath, base: 0) }
            throw LogStoreError.corruption(
                "CHECKPOINTS is damaged (\(error.reason)): producers would resume from lost positions; restore the file from a backup, or move it away to resume every source from its start (records may be stored twice)",
                path: filePath, offset: error.offset)
        }
    }

    /// Saves the checkpoints of WAL files numbered up to `walNumber` to `CHECKPOINTS`, atomically.
    /// Called by a flush before it deletes those files; a failure is returned and makes the flush
    /// keep its WAL files (they still hold the checkpoints).
    func saveCheckpoints(throughWAL walNumber: UInt64) -> LogStoreError? {
        let values = state.withLock { () -> [String: [UInt8]]? in
            if shared.checkpoints.isEmpty { return nil }
            return shared.checkpoints.fold(throughWAL: walNumber)
        }
        guard let values else { return nil }
        do throws(LogStoreError) {
            try Self.writeCheckpointsFile(values, store: path, io: io)
            return nil
        } catch {
            return error
        }
    }

    /// Replaces `CHECKPOINTS` atomically (temporary file, fsync, rename, directory fsync).
    static func writeCheckpointsFile(_ values: [String: [UInt8]], store path: String, io: any StorageIO) throws(LogStoreError) {
        try replaceFileAtomically(CheckpointsFile.fileName, in: path, with: CheckpointsFile.encode(values), io: io)
    }
}
