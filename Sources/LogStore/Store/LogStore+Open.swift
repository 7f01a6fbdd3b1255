import Glibc
import LogStoreFormat

extension LogStore {
    static func openWriter(at path: String, options: StoreOptions) throws(LogStoreError) -> LogStore {
        let io = options.io
        if !io.exists(path) {
            guard options.createIfMissing else {
                throw LogStoreError(.notFound, "no store at this path; pass createIfMissing or run `logstore ingest` first", path: path)
            }
        }
        try io.makeDirectory(path)
        let walDir = joinPath(path, "wal")
        let segDir = joinPath(path, "segments")
        try io.makeDirectory(walDir)
        try io.makeDirectory(segDir)
        let lock = try StoreLock(directory: path, io: io)
        var settings = try loadSettings(path, io: io)
        let wanted = options.applied(to: settings)
        if wanted != settings {
            try saveSettings(wanted, directory: path, io: io)
            settings = wanted
        }

        var report = RecoveryReport()
        // First read everything without changing anything, so that a store holding files of a newer
        // format version is refused untouched.
        let catalog = try SegmentCatalog.load(directory: segDir, io: io, manifest: manifestPath(path), report: &report)
        let walNumbers = try listWAL(walDir, io: io)
        let (committed, interrupted, maxCommitted) = catalog.classify(walNumbers: Set(walNumbers))
        var reads: [(number: UInt64, file: File, result: WALReadResult)] = []
        for (i, number) in walNumbers.enumerated() where number > maxCommitted {
            let filePath = joinPath(walDir, WALFormat.fileName(number))
            let file = try File(path: filePath, flags: O_RDWR, io: io)
            let result = WALReader.read(try file.readAll(), name: "wal/" + WALFormat.fileName(number),
                                        isNewest: i == walNumbers.count - 1)
            if let unsupported = result.unsupported { throw .format(unsupported, path: filePath, base: 0) }
            if options.walDamagePolicy == .refuse, let first = result.damage.first {
                throw .corruption("WAL damage before the tail: \(first.reason)", path: filePath, offset: first.offset)
            }
            reads.append((number, file, result))
        }
        // A damaged CHECKPOINTS refuses the store before anything changes (docs/FORMAT.md, 9.2).
        var flushedCheckpoints = try readCheckpointsFile(path, io: io)

        // Leftovers of a segment write that never got renamed.
        for name in try io.listDirectory(segDir) where name.hasSuffix(".seg.tmp") {
            try io.unlink(joinPath(segDir, name))
        }
        // An interrupted flush: its WAL file still holds every record, so the partial group goes.
        for group in interrupted {
            for s in group.segments {
                try io.unlink(s.path)
                report.removedIncompleteSegments.append("segments/" + s.name)
            }
        }
        // Inputs of a compaction a crash interrupted after its output was renamed into place (10.2).
        for s in catalog.covered {
            try io.unlink(s.path)
            report.removedCompactedSegments.append("segments/" + s.name)
        }
        if !interrupted.isEmpty || !catalog.covered.isEmpty { try io.fsyncDirectory(segDir) }
        let segments = committed
        // WAL files a committed flush group covers are deleted below. A crash after a flush renamed its
        // segments but before it saved their keys to KEYS leaves those keys only in these files' keys
        // frames (FORMAT.md 8.2): carry them into KEYS first.
        let flushedThrough = segments.reduce(UInt64(0)) { max($0, $1.summary.maxSequence) }
        // The same holds for their checkpoints and CHECKPOINTS (9.2).
        var covered: [WALReadResult] = []
        var coveredCheckpoints = false
        for number in walNumbers where number <= maxCommitted {
            let bytes = try File(path: joinPath(walDir, WALFormat.fileName(number)), flags: O_RDONLY, io: io).readAll()
            var result = WALReader.read(bytes, name: "wal/" + WALFormat.fileName(number), isNewest: false)
            result.keys.removeAll { $0.sequence > flushedThrough }
            if !result.keys.isEmpty { covered.append(result) }
            for c in result.checkpoints {
                flushedCheckpoints[c.name] = c.value.isEmpty ? nil : c.value
                coveredCheckpoints = true
            }
        }
        if !covered.isEmpty {
            let index = Self.loadIdempotency(path, options: options, replayed: covered, report: &report)
            try Self.writeKeysFile(index.entries(through: flushedThrough), store: path, io: io)
        }
        if coveredCheckpoints { try Self.writeCheckpointsFile(flushedCheckpoints, store: path, io: io) }
        var deletedObsolete = false
        for number in walNumbers where number <= maxCommitted {
            try io.unlink(joinPath(walDir, WALFormat.fileName(number)))
            deletedObsolete = true
        }
        if deletedObsolete { try io.fsyncDirectory(walDir) }

        var replayed: [WALReadResult] = []
        var checkpoints = CheckpointTable(flushed: flushedCheckpoints)
        var maxSequence = segments.reduce(UInt64(0)) { max($0, $1.summary.maxSequence) }
        var lastReplayed: UInt64 = 0
        for (number, file, result) in reads {
            let name = WALFormat.fileName(number)
            if !result.damage.isEmpty {
                let bytes = try file.readAll()
                report.quarantined.append(try quarantine(bytes, name: name, store: path, io: io))
                report.walDamage.append(contentsOf: result.damage)
            } else if result.tornTailBytes > 0 {
                try file.truncate(to: Int64(result.validEnd))
                try file.sync()
                report.tornTails.append(("wal/" + name, result.tornTailBytes))
            }
            if let h = result.header { maxSequence = max(maxSequence, h.firstSequence &- 1) }
            if let last = result.rows.last { maxSequence = max(maxSequence, last.sequence) }
            report.replayedRecords += result.rows.count
            report.replayedFiles += 1
            replayed.append(result)
            if !result.checkpoints.isEmpty {
                checkpoints.record(result.checkpoints, lsn: 0, walNumber: number, durableLSN: 0)
            }
            lastReplayed = number
        }

        let nextWAL = max(walNumbers.last ?? 0, catalog.maxFlushID) + 1
        var state = StoreState(head: Head(walNumber: nextWAL), settings: settings)
        state.segments = segments
        state.unreadableSegments = catalog.unreadable
        state.nextSequence = maxSequence + 1
        state.nextWALNumber = nextWAL + 1
        state.nextSegmentID = catalog.maxSegmentID + 1
        state.idempotency = Self.loadIdempotency(path, options: options, replayed: replayed, report: &report)
        state.keysFileExists = io.exists(joinPath(path, KeysFile.fileName))
        state.checkpoints = checkpoints
        try Self.refreshManifest(catalog: catalog, committed: segments, store: path, io: io, report: &report)
        let replayedHead = Self.head(from: replayed, walNumber: lastReplayed)
        if !replayedHead.isEmpty { state.immutables.append(replayedHead.snapshot()) }

        let committer = WALCommitter(directory: walDir, io: io, durability: options.durability, interval: options.batchInterval)
        committer.rotate(to: nextWAL, firstSequence: state.nextSequence)
        try committer.start()
        do throws(LogStoreError) {
            try committer.waitForRotation(to: nextWAL)
        } catch {
            committer.close()
            throw error
        }
        let store = LogStore(path: path, options: options, recovered: RecoveredStore(state: state, report: report),
                             lock: lock, committer: committer)
        store.installWALFailureHandler()
        try store.startFlusher()
        try store.startCompactor()
        return store
    }

    static func openReadOnly(at path: String, options: StoreOptions) throws(LogStoreError) -> LogStore {
        let io = options.io
        guard io.exists(path) else {
            throw LogStoreError(.notFound, "no store at this path; check --store or $LOGSTORE_DIR", path: path)
        }
        let settings = try loadSettings(path, io: io)
        let walDir = joinPath(path, "wal")
        let segDir = joinPath(path, "segments")
        var attempt = 0
        while true {
            attempt += 1
            var report = RecoveryReport()
            let catalog = try SegmentCatalog.load(directory: segDir, io: io, manifest: manifestPath(path), report: &report)
            let numbers = io.exists(walDir) ? try listWAL(walDir, io: io) : []
            let (committed, _, maxCommitted) = catalog.classify(walNumbers: Set(numbers))
            var replayed: [WALReadResult] = []
            var checkpointsFileProblem: LogStoreError?
            var checkpoints = CheckpointTable()
            do throws(LogStoreError) {
                checkpoints = CheckpointTable(flushed: try readCheckpointsFile(path, io: io))
            } catch {
                checkpointsFileProblem = error
            }
            var changed = false
            for (i, number) in numbers.enumerated() where number > maxCommitted {
                let name = WALFormat.fileName(number)
                let filePath = joinPath(walDir, name)
                let bytes: RowBatch
                do throws(LogStoreError) {
                    bytes = try File(path: filePath, flags: O_RDONLY, io: io).readAllIntoBatch()
                } catch {
                    if error.code == ENOENT { changed = true; break }
                    throw error
                }
                // Beside a live writer a partial last frame is simply not written yet.
                // Appends with a summary frame stay undecoded until a query may need them (FORMAT.md 4.4).
                let result = WALReader.readDeferring(bytes, name: "wal/" + name, isNewest: i == numbers.count - 1)
                if let unsupported = result.unsupported { throw .format(unsupported, path: filePath, base: 0) }
                report.walDamage.append(contentsOf: result.damage)
                replayed.append(result)
                if !result.checkpoints.isEmpty {
                    checkpoints.record(result.checkpoints, lsn: 0, walNumber: number, durableLSN: 0)
                }
                report.replayedRecords += result.recordCount
                report.replayedFiles += 1
            }
            // A flush or expiry that finished while we read changes the listing: read again.
            if !changed, io.exists(segDir) {
                let now = Set(try io.listDirectory(segDir).filter { SegmentFormat.segmentID($0) != nil })
                changed = now != catalog.names
            }
            if changed && attempt < 20 { continue }
            var state = StoreState(head: Head(walNumber: 0), settings: settings)
            state.segments = committed
            state.checkpoints = checkpoints
            state.checkpointsFileProblem = checkpointsFileProblem
            let head = Self.head(from: replayed, walNumber: 0, indexesCorrelation: false).snapshot()
                .adding(deferred: replayed.flatMap(\.deferred))
            if !head.isEmpty { state.immutables.append(head) }
            return LogStore(path: path, options: options, recovered: RecoveredStore(state: state, report: report),
                            lock: nil, committer: nil)
        }
    }

    /// A head holding the rows replayed from WAL files, in sequence order. `indexesCorrelation: false`
    /// (a read-only open) leaves the full chunks without a sorted correlation index.
    static func head(from results: [WALReadResult], walNumber: UInt64, indexesCorrelation: Bool = true) -> Head {
        var head = Head(walNumber: walNumber, indexesCorrelation: indexesCorrelation)
        let now = monotonicNanos()
        // WAL files are read in file order and every file's rows increase (WALReader refuses a frame
        // that does not follow), so the rows are nearly always in order already: append them directly.
        var last: UInt64 = 0
        var ordered = true
        for result in results {
            if let batch = result.batch, !result.rows.isEmpty { head.retain(batch) }
            if let first = result.rows.first, first.sequence <= last { ordered = false }
            if let end = result.rows.last { last = end.sequence }
        }
        if ordered {
            for result in results {
                for (row, hash) in zip(result.rows, result.correlationHashes) { head.append(row, correlationHash: hash, now: now) }
            }
            return head
        }
        var rows: [(RowRef, UInt64)] = []
        for result in results {
            for (row, hash) in zip(result.rows, result.correlationHashes) { rows.append((row, hash)) }
        }
        rows.sort { $0.0.sequence < $1.0.sequence }
        for (row, hash) in rows { head.append(row, correlationHash: hash, now: now) }
        return head
    }

    static func listWAL(_ dir: String, io: any StorageIO) throws(LogStoreError) -> [UInt64] {
        try io.listDirectory(dir).compactMap(WALFormat.fileNumber).sorted()
    }

    static func quarantine(_ bytes: [UInt8], name: String, store: String, io: any StorageIO) throws(LogStoreError) -> String {
        let dir = joinPath(store, "quarantine")
        try io.makeDirectory(dir)
        var target = name
        var n = 1
        while io.exists(joinPath(dir, target)) {
            n += 1
            target = "\(name).\(n)"
        }
        let file = try File(path: joinPath(dir, target), flags: O_WRONLY | O_CREAT | O_EXCL, io: io)
        try file.write(bytes)
        try file.sync()
        try io.fsyncDirectory(dir)
        return "quarantine/" + target
    }

    static func loadSettings(_ directory: String, io: any StorageIO) throws(LogStoreError) -> StoreSettings {
        let p = joinPath(directory, StoreSettings.fileName)
        guard io.exists(p) else { return StoreSettings() }
        let bytes = try File(path: p, flags: O_RDONLY, io: io).readAll()
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .corruption("the settings file is not UTF-8 text", path: p, offset: 0)
        }
        return try StoreSettings.decode(text, path: p)
    }

    static func saveSettings(_ settings: StoreSettings, directory: String, io: any StorageIO) throws(LogStoreError) {
        try replaceFileAtomically(StoreSettings.fileName, in: directory, with: Array(settings.encode().utf8), io: io)
    }
}

extension StoreOptions {
    /// `settings` with this open's overrides applied.
    func applied(to settings: StoreSettings) -> StoreSettings {
        var s = settings
        if let retention { s.retentionSeconds = max(1, retention.nanoseconds / 1_000_000_000) }
        if let maxBytes { s.maxBytes = Int64(maxBytes) }
        if let segmentSpan { s.segmentSpanSeconds = max(1, segmentSpan.nanoseconds / 1_000_000_000) }
        return s
    }
}
