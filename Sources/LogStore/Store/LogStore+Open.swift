#if canImport(Glibc)
import Glibc
#endif

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
        // Leftovers of a segment write that never got renamed.
        for name in try io.listDirectory(segDir) where name.hasSuffix(".seg.tmp") {
            try io.unlink(joinPath(segDir, name))
        }
        let found = try SegmentCatalog.load(directory: segDir, io: io, report: &report)
        let walNumbers = try listWAL(walDir, io: io)
        let maxComplete = found.maxCompleteFlushID
        var segments = found.complete
        for group in found.incomplete {
            if walNumbers.contains(group.flushID) {
                for s in group.segments {
                    try io.unlink(s.path)
                    report.removedIncompleteSegments.append("segments/" + s.name)
                }
            } else {
                segments.append(contentsOf: group.segments)
                report.orphanSegments.append(contentsOf: group.segments.map { "segments/" + $0.name })
            }
        }
        if !report.removedIncompleteSegments.isEmpty { try io.fsyncDirectory(segDir) }

        var replayed: [WALReadResult] = []
        var maxSequence = segments.reduce(UInt64(0)) { max($0, $1.footer.maxSequence) }
        var lastReplayed: UInt64 = 0
        var deletedObsolete = false
        for (i, number) in walNumbers.enumerated() {
            let name = WALFormat.fileName(number)
            let filePath = joinPath(walDir, name)
            if number <= maxComplete {
                try io.unlink(filePath)
                deletedObsolete = true
                continue
            }
            let file = try File(path: filePath, flags: O_RDWR, io: io)
            let bytes = try file.readAll()
            let result = WALReader.read(bytes, name: "wal/" + name, isNewest: i == walNumbers.count - 1)
            if !result.damage.isEmpty {
                if options.walDamagePolicy == .refuse, let first = result.damage.first {
                    throw .corruption("WAL damage before the tail: \(first.reason)", path: filePath, offset: first.offset)
                }
                let quarantined = try quarantine(bytes, name: name, store: path, io: io)
                report.quarantined.append(quarantined)
                report.walDamage.append(contentsOf: result.damage)
            } else if result.tornTailBytes > 0 {
                try file.truncate(to: Int64(result.validEnd))
                try file.sync()
                report.tornTails.append(("wal/" + name, result.tornTailBytes))
            }
            if let h = result.header { maxSequence = max(maxSequence, h.firstSequence &- 1) }
            if let last = result.rows.last { maxSequence = max(maxSequence, last.sequence) }
            report.replayedRecords += result.rows.count
            replayed.append(result)
            report.replayedFiles += 1
            lastReplayed = number
        }
        if deletedObsolete { try io.fsyncDirectory(walDir) }

        let nextWAL = max(walNumbers.last ?? 0, maxComplete, found.maxFlushID) + 1
        var state = StoreState(head: Head(walNumber: nextWAL), settings: settings)
        state.segments = segments
        state.nextSequence = maxSequence + 1
        state.nextWALNumber = nextWAL + 1
        state.nextSegmentID = found.maxSegmentID + 1
        let replayedHead = Self.head(from: replayed, walNumber: lastReplayed)
        if !replayedHead.isEmpty { state.immutables.append(replayedHead.snapshot()) }

        let committer = WALCommitter(directory: walDir, io: io, durability: options.durability, interval: options.batchInterval)
        try committer.rotate(to: nextWAL, firstSequence: state.nextSequence)
        try committer.start()
        try committer.waitForRotation(to: nextWAL)
        let store = LogStore(path: path, options: options, recovered: RecoveredStore(state: state, report: report),
                             lock: lock, committer: committer)
        try store.startFlusher()
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
            let found = try SegmentCatalog.load(directory: segDir, io: io, report: &report)
            let maxComplete = found.maxCompleteFlushID
            var replayed: [WALReadResult] = []
            var vanished = false
            let numbers = io.exists(walDir) ? try listWAL(walDir, io: io) : []
            for (i, number) in numbers.enumerated() where number > maxComplete {
                let name = WALFormat.fileName(number)
                let bytes: [UInt8]
                do throws(LogStoreError) {
                    bytes = try File(path: joinPath(walDir, name), flags: O_RDONLY, io: io).readAll()
                } catch {
                    if error.code == ENOENT { vanished = true; break }
                    throw error
                }
                // A reader beside a live writer treats a partial last frame as not yet written.
                let result = WALReader.read(bytes, name: "wal/" + name, isNewest: i == numbers.count - 1)
                report.walDamage.append(contentsOf: result.damage)
                replayed.append(result)
                report.replayedRecords += result.rows.count
                report.replayedFiles += 1
            }
            if vanished && attempt < 20 { continue }
            var state = StoreState(head: Head(walNumber: 0), settings: settings)
            state.segments = found.complete
            let head = Self.head(from: replayed, walNumber: 0)
            if !head.isEmpty { state.immutables.append(head.snapshot()) }
            return LogStore(path: path, options: options, recovered: RecoveredStore(state: state, report: report),
                            lock: nil, committer: nil)
        }
    }

    /// A head holding the rows replayed from WAL files, in sequence order.
    static func head(from results: [WALReadResult], walNumber: UInt64) -> Head {
        var head = Head(walNumber: walNumber)
        let now = monotonicNanos()
        var rows: [(RowRef, UInt64)] = []
        for result in results {
            if let batch = result.batch, !result.rows.isEmpty { head.retain(batch) }
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
        let p = joinPath(directory, StoreSettings.fileName)
        let tmp = p + ".tmp"
        let file = try File(path: tmp, flags: O_WRONLY | O_CREAT | O_TRUNC, io: io)
        try file.write(Array(settings.encode().utf8))
        try file.sync()
        try io.rename(tmp, p)
        try io.fsyncDirectory(directory)
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
