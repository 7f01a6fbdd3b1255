import LogStore
import LogStoreIngest

/// Files known by identity across followed paths: a file is read by one follower at a time, and a file
/// renamed from one followed path to another is continued there, not read again.
extension FileTailer {
    /// Gives a new follower the tailer's view of the files the others know.
    func connect(_ follower: FollowedFile) {
        follower.isKnownElsewhere = { [unowned self, unowned follower] opened in
            isKnown(opened, besides: follower)
        }
        follower.handOver = { [unowned self, unowned follower] file in
            handOver(file, from: follower)
        }
        follower.finishedFile = { [unowned self] file, _ in
            // A deleted file's inode may be given to a new file: only a file that still has a name is
            // remembered, with the fingerprint of as many first bytes as it has.
            guard file.isLinked else { return }
            file.extendFingerprint()
            remember(finished: file.identity, at: file.position)
        }
    }

    /// Whether another follower has this file open or queued, or it was finished (read to its end
    /// after a rotation) and still begins with the bytes read then.
    private func isKnown(_ opened: OpenFile, besides asker: FollowedFile) -> Bool {
        let identity = opened.identity
        for other in followed where other !== asker {
            if other.file?.identity == identity || other.successors.contains(where: { $0.identity == identity }) { return true }
        }
        if let position = finished[identity] { return opened.accepts(position) }
        return false
    }

    /// Offers `file`, rotated away from `giver`'s path, to the follower of the followed path that names
    /// it now (created if the path matches a pattern and is not followed yet), if that follower reads
    /// nothing else; returns its checkpoint with the file's position.
    private func handOver(_ file: OpenFile, from giver: FollowedFile) -> Checkpoint? {
        var taker = followed.first { other in
            other !== giver && other.isIdle && FileStatus.of(path: other.path)?.identity == file.identity
        }
        if taker == nil {
            let followedNow = Set(followed.map { PathPatterns.absolute($0.path) })
            for path in patterns.expand() where !followedNow.contains(PathPatterns.absolute(path))
                && FileStatus.of(path: path)?.identity == file.identity {
                try? appender.waitIdle()
                let stored = try? store.checkpoint(named: TailPosition.checkpointName(for: PathPatterns.absolute(path)))
                var events: [TailEvent] = []
                taker = try? follow(path, stored: stored, report: { events.append($0) })
                pending += events
                break
            }
        }
        guard let taker, taker.isIdle else { return nil }
        taker.adopt(file)
        finished[file.identity] = nil
        return Checkpoint(name: taker.checkpointName, value: file.position.encoded())
    }

    /// Positions stored for paths that match the patterns but no longer exist (their file was renamed
    /// away or deleted while the tailer was stopped): the file is looked for by its identity in the
    /// followed directories and finished; if it is gone, the bytes known unread are reported lost and
    /// the position is removed.
    func resumeVanished(report: (TailEvent) -> Void) throws(TailError) {
        let stored: [String: [UInt8]]
        try appender.waitIdle()
        do { stored = try store.checkpoints() } catch {
            throw TailError(message: "cannot read the stored positions: \(error)")
        }
        let prefix = TailPosition.checkpointName(for: "")
        for (name, value) in stored.sorted(by: { $0.key < $1.key }) where name.hasPrefix(prefix) && !value.isEmpty {
            let path = String(name.dropFirst(prefix.count))
            guard path.hasPrefix("/"), !followedPaths.contains(path), patterns.matches(absolute: path),
                  let follower = try follow(path, stored: value, report: report), follower.isIdle else { continue }
            followed.removeAll { $0 === follower }
            followedPaths.remove(path)
            do { _ = try store.append(rows: EncodedRows(), checkpoints: [Checkpoint(name: name, value: [])]) } catch {
                throw TailError(message: "removing the stored position of \(path) failed: \(error)")
            }
        }
    }

    private func remember(finished identity: FileIdentity, at position: TailPosition) {
        if finished.updateValue(position, forKey: identity) == nil { finishedOrder.append(identity) }
        if finishedOrder.count > finishedLimit {
            finished[finishedOrder.removeFirst()] = nil
        }
    }
}
