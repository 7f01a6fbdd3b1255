import Glibc
import LogStoreFormat

/// Idempotency keys across restarts (docs/FORMAT.md, section 8): rebuilt at open from `KEYS` and the
/// keys frames of the WAL files replayed, and saved to `KEYS` by every flush.
extension LogStore {
    /// The keys to remember after an open: those of flushed records from `KEYS`, then those of the
    /// replayed WAL records, without the ones the window or the key limit has dropped. A damaged or
    /// unreadable `KEYS` is reported and skipped (duplicates become possible; nothing is lost).
    static func loadIdempotency(_ path: String, options: StoreOptions, replayed: [WALReadResult],
                                report: inout RecoveryReport) -> IdempotencyIndex {
        var index = IdempotencyIndex(window: options.idempotencyWindow, maxKeys: options.idempotencyMaxKeys)
        do throws(LogStoreError) {
            for e in try readKeysFile(path, io: options.io) { index.insert(e.key, sequence: e.sequence, acceptedAt: e.acceptedAt) }
        } catch {
            report.keysFileProblem = DamageReport(file: KeysFile.fileName, offset: error.offset ?? 0, length: 0,
                                                  reason: error.message + "; keys of flushed records are forgotten until the next flush rewrites the file")
        }
        for result in replayed {
            for e in result.keys { index.insert(e.key, sequence: e.sequence, acceptedAt: e.acceptedAt) }
        }
        index.trim(now: options.clock())
        return index
    }

    /// The entries of the store's `KEYS` file (none when it does not exist).
    static func readKeysFile(_ path: String, io: any StorageIO) throws(LogStoreError) -> [KeysFile.Entry] {
        let keysPath = joinPath(path, KeysFile.fileName)
        guard io.exists(keysPath) else { return [] }
        let bytes = try File(path: keysPath, flags: O_RDONLY, io: io).readAll()
        let decoded = bytes.withUnsafeBytes { b in
            Result { () throws(FormatError) -> [KeysFile.Entry] in try KeysFile.decode(b) }
        }
        switch decoded {
        case .success(let entries): return entries
        case .failure(let error): throw LogStoreError.format(error, path: keysPath, base: 0)
        }
    }

    /// Saves the remembered keys of records with a sequence of at most `sequence` (those now in
    /// segments) to `KEYS`, atomically. Called by a flush before it deletes its WAL files. A failure
    /// is returned to be counted, never fatal: it only weakens deduplication after a restart.
    func saveKeys(through sequence: UInt64) -> LogStoreError? {
        let now = options.clock()
        let entries = state.withLock { () -> [KeysFile.Entry]? in
            shared.idempotency.trim(now: now)
            return shared.idempotency.count == 0 && !shared.keysFileExists ? nil : shared.idempotency.entries(through: sequence)
        }
        guard let entries else { return nil }
        do throws(LogStoreError) {
            try Self.writeKeysFile(entries, store: path, io: io)
            state.withLock { shared.keysFileExists = true }
            return nil
        } catch {
            return error
        }
    }

    /// Replaces `KEYS` atomically (temporary file, fsync, rename, directory fsync).
    static func writeKeysFile(_ entries: [KeysFile.Entry], store path: String, io: any StorageIO) throws(LogStoreError) {
        try replaceFileAtomically(KeysFile.fileName, in: path, with: KeysFile.encode(entries), io: io)
    }
}
