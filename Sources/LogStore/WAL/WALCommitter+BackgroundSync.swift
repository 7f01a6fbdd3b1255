/// `.batch` interval syncs on a thread of their own, so that the committer keeps writing frames while
/// a sync runs (see ``WALCommitter``). The committer thread hands a sync over and takes its outcome
/// back; everything else (what is durable, failures, rotations) stays on the committer thread.
extension WALCommitter {
    /// The sync thread: syncs each file handed over by ``requestBackgroundSync(through:)`` and leaves
    /// the outcome for the committer thread, until the committer stops.
    func syncLoop() {
        while true {
            let next = monitor.withLock { () -> File? in
                while backgroundSyncRequest == nil && !syncThreadExit { monitor.wait() }
                defer { backgroundSyncRequest = nil }
                return backgroundSyncRequest
            }
            guard let next else { return }
            let outcome = Result { () throws(LogStoreError) in try next.sync() }
            monitor.withLock {
                backgroundSyncOutcome = outcome
                monitor.broadcast()
            }
        }
    }

    /// Committer thread, after writing everything up to `target` to the current file: asks the sync
    /// thread to make it durable.
    func requestBackgroundSync(through target: Int64) {
        guard let file else {
            // Nothing open to sync (a failed file not replaced yet); try again after an interval.
            monitor.withLock { lastSync = monotonicNanos() }
            return
        }
        backgroundSync = (file, target, fileWritten)
        monitor.withLock {
            backgroundSyncRequest = file
            monitor.broadcast()
        }
    }

    /// Committer thread: takes the outcome of the sync thread's sync. Success makes durable what was
    /// written before it started; a failure is handled as a failed sync of the committer's own, unless
    /// the file was abandoned meanwhile (a failed write), which already failed every append in it.
    func finishBackgroundSync(_ outcome: Result<Void, LogStoreError>) {
        guard let done = backgroundSync else { return }
        backgroundSync = nil
        let sameFile = file === done.file
        switch outcome {
        case .success:
            if sameFile { fileKept = max(fileKept, done.kept) }
            monitor.withLock {
                markDurable(through: done.target)
                lastSync = monotonicNanos()
                resumeWaiters()
                monitor.broadcast()
            }
        case .failure(let error):
            if sameFile { handleFailure(error, items: []) }
        }
        publishDurable()
    }
}

extension WALCommitter.Item {
    var isRotation: Bool { if case .rotate = self { true } else { false } }
}
