import Glibc
import LogStore
import LogStoreIngest

/// Follows files as they grow and stores their lines, each batch of records together with the file's
/// position in one WAL frame (docs/FORMAT.md, section 9), so that after a crash or a restart nothing
/// is lost and nothing is stored twice.
///
/// ```swift
/// let tailer = FileTailer(store: store, patterns: ["/var/log/app/*.log"], format: .ndjson)
/// try tailer.run(shouldStop: { stopRequested.load(ordering: .relaxed) }, report: { print($0) })
/// ```
///
/// - Each followed path (a plain path, or each file matching a glob pattern; new matches are picked up)
///   has a checkpoint named `tail:` + its absolute path holding a ``TailPosition``.
/// - Files are known by identity (device and inode, confirmed by a fingerprint of the first bytes),
///   not by name: a file is read by one path's follower at a time; a path that names a file another
///   follower reads (or finished) does not read it again; a file renamed to another followed path
///   (`app.log` → `app-2026-12-07.log` under `*.log`) is handed over to that path's follower, which
///   continues it at its position, in the same frame that gives the old path its next file.
/// - Growth is noticed through inotify (``TailOptions/polling`` or an unavailable inotify: the files are
///   checked every ``TailOptions/pollInterval``). Each step reads at most ``TailOptions/readLimit`` bytes
///   of one file, so memory stays bounded, and appends what it parsed with the new position.
/// - Rotation by rename or delete: the old file is read to its end (its unterminated last line taken
///   as a line), then the new file is followed from byte 0. Copytruncate (a file that becomes shorter
///   than what was read or whose first bytes change): the lines not read yet are read from the copy (a
///   file of the same directory beginning with the fingerprinted bytes) from the stored offset, then the
///   file from byte 0; without a copy, the bytes known unread are reported lost
///   (``TailEvent/lost(path:bytes:reason:)``).
/// - Restart: the stored file is resumed if it is still at the path (same device, inode and
///   fingerprint, at least as long); else it is looked for by identity among every file of the followed
///   directories and finished first, then the files of that directory rotated after it (names starting
///   with the path's file name, modified later, compressed names excepted), oldest first; then the file
///   at the path from its beginning. Paths with a stored position are resumed before paths without
///   one, so a renamed file is claimed by its position before another path could read it from byte 0.
///
/// Limits: lines written to a rotated file after the tailer has finished it (``TailOptions/rotateWait``
/// after its last growth) are not read, unless it was renamed to a followed path; a file moved out of
/// the followed directories, compressed or deleted while the tailer was stopped cannot be read (the
/// bytes known unread are reported lost); a new file that reuses an inode and begins with the same
/// first bytes as the old one looks like it; with copytruncate, a pattern matching the copies reads a
/// copy noticed before the truncation as a file of its own, and a rewrite that repeats every byte read
/// so far (only a common header was read) is not noticed while running.
/// Not thread-safe: one thread calls ``run(shouldStop:report:)`` or ``catchUp(report:)``.
public final class FileTailer {
    public let store: LogStore
    public let format: LineFormat
    /// Default nil (every file in ``format``). The format of the file at a path (as matched), for
    /// per-path rules such as `--file-format '*access*.log=access'`.
    public var formatOfPath: ((String) -> LineFormat)?
    public let options: TailOptions
    /// What was stored so far (as far as appended: ``run(shouldStop:report:)`` and
    /// ``catchUp(report:)`` return once every batch is).
    public var totals: TailTotals {
        var t = counted
        (t.stored, t.rejected) = appender.counts
        return t
    }
    /// What the tailer counted itself (the appender counts what was stored).
    private var counted = TailTotals()
    /// Stores batches while the next one is read.
    let appender: BatchAppender

    let patterns: PathPatterns
    private let parserOptions: LineParserOptions
    private let watcher: ChangeWatcher
    var followed: [FollowedFile] = []
    /// Absolute paths followed.
    var followedPaths = Set<String>()
    private var started = false
    private var rows = EncodedRows()
    private var buffer: [UInt8] = []
    /// Files read to their end after they were rotated away and closed, with their last position: a
    /// followed path naming one later does not read it again (unless its first bytes changed).
    var finished: [FileIdentity: TailPosition] = [:]
    /// Most finished files remembered (the oldest are forgotten first).
    let finishedLimit = 4096
    var finishedOrder: [FileIdentity] = []
    /// Events of followers created while another one stepped (reported after that step).
    var pending: [TailEvent] = []

    /// A tailer of `patterns` (paths or glob patterns) into `store`. Records whose line names no source
    /// get `parserOptions.source`, or the file's path if that is empty.
    public init(store: LogStore, patterns: [String], format: LineFormat,
                parserOptions: LineParserOptions = LineParserOptions(), options: TailOptions = TailOptions()) {
        self.store = store
        appender = BatchAppender(store: store)
        self.format = format
        self.options = options
        self.patterns = PathPatterns(patterns)
        var parserOptions = parserOptions
        parserOptions.maxRecordBytes = min(parserOptions.maxRecordBytes, store.options.maxRecordBytes)
        self.parserOptions = parserOptions
        watcher = ChangeWatcher(polling: options.polling)
    }

    /// Whether changes are found by polling rather than inotify.
    public var isPolling: Bool { watcher.isPolling }

    /// Follows the files until `shouldStop()` returns true, which is checked after every batch and at
    /// least every ``TailOptions/checkInterval``. Returns after the batch in progress is stored; the
    /// caller closes the store. Throws when the store refuses a batch (nothing of that batch is stored).
    public func run(shouldStop: () -> Bool, report: (TailEvent) -> Void) throws(TailError) {
        defer { try? appender.waitIdle() }
        try start(report: report)
        while !shouldStop() {
            try appender.check()
            if try stepAll(report: report, shouldStop: shouldStop, rotateWait: options.rotateWait) { continue }
            let holding = followed.contains { $0.file?.stream.holdsRecord == true }
            var timeout = watcher.isPolling ? options.pollInterval : options.checkInterval
            if holding { timeout = min(timeout, options.holdTimeout) }
            if followed.contains(where: \.isDrainingRotated) { timeout = min(timeout, max(0.05, options.rotateWait / 4)) }
            let changes = watcher.wait(timeout: timeout)
            // Also when the wait timed out: a directory missing at the start (so not watched) may exist now.
            if changes.names || changes.overflow || !changes.any { discover(report: report) }
        }
        try appender.waitIdle()
    }

    /// Reads every followed file to its current end (one pass: patterns expanded, every file stepped
    /// until none has more), storing as ``run(shouldStop:report:)`` does, without waiting (also not
    /// for late lines of rotated files: ``TailOptions/rotateWait`` does not apply).
    public func catchUp(report: (TailEvent) -> Void) throws(TailError) {
        try start(report: report)
        discover(report: report)
        while try stepAll(report: report, shouldStop: { false }, rotateWait: 0) {}
        try appender.waitIdle()
    }

    /// One step of every followed file (tests: a tailer caught part of the way).
    func stepOnce(report: (TailEvent) -> Void) throws(TailError) {
        try start(report: report)
        _ = try stepAll(report: report, shouldStop: { false }, rotateWait: 0)
        try appender.waitIdle()
    }

    private func start(report: (TailEvent) -> Void) throws(TailError) {
        guard !started else { return }
        started = true
        for dir in patterns.directories() { watcher.watchDirectory(dir) }
        // Paths with a stored position first: they claim their files (wherever those were renamed to)
        // before a path without one could read such a file again from its beginning.
        var unstored: [String] = []
        for path in patterns.expand() {
            let value = try storedPosition(of: path)
            if let value, !value.isEmpty { try follow(path, stored: value, report: report) } else { unstored.append(path) }
        }
        try resumeVanished(report: report)
        for path in unstored { try follow(path, stored: nil, report: report) }
    }

    private func storedPosition(of path: String) throws(TailError) -> [UInt8]? {
        // Positions in flight are stored first (a path followed again finds its latest one).
        try appender.waitIdle()
        do { return try store.checkpoint(named: TailPosition.checkpointName(for: PathPatterns.absolute(path))) } catch {
            throw TailError(message: "cannot read the stored position of \(path): \(error)")
        }
    }

    /// Follows paths matching a pattern that are not followed yet.
    private func discover(report: (TailEvent) -> Void) {
        for dir in patterns.directories() { watcher.watchDirectory(dir) }
        for path in patterns.expand() where !followedPaths.contains(PathPatterns.absolute(path)) {
            report(.discovered(path: path))
            do { try follow(path, stored: try storedPosition(of: path), report: report) } catch {
                report(.readFailed(path: path, reason: error.message))
            }
        }
    }

    @discardableResult
    func follow(_ path: String, stored: [UInt8]?, report: (TailEvent) -> Void) throws(TailError) -> FollowedFile? {
        let absolute = PathPatterns.absolute(path)
        // One follower per file name (`a.log` and `./a.log` are one path, with one checkpoint).
        guard !followedPaths.contains(absolute) else { return nil }
        var fileOptions = parserOptions
        fileOptions.path = absolute   // container formats read Kubernetes metadata from it
        let file = FollowedFile(path: path, absolutePath: absolute, format: formatOfPath?(path) ?? format, options: fileOptions)
        connect(file)
        var events: [TailEvent] = []
        try file.resume(from: stored, candidates: { patterns.rotatedCandidates(of: path) },
                        now: monotonicNow(), events: &events)
        emit(events, report)
        followed.append(file)
        followedPaths.insert(absolute)
        watcher.watchDirectory(PathPatterns.directory(of: path))
        if file.file != nil { watcher.watchFile(path) }
        return file
    }

    private func emit(_ events: [TailEvent], _ report: (TailEvent) -> Void) {
        for event in events {
            if case .lost(_, let bytes, _) = event { counted.lostBytes += Int(bytes) }
            report(event)
        }
    }

    /// One step of every followed file; true if any read bytes or stored a position.
    private func stepAll(report: (TailEvent) -> Void, shouldStop: () -> Bool, rotateWait: Double) throws(TailError) -> Bool {
        var progressed = false
        for file in followed {
            if shouldStop() { return false }
            var events: [TailEvent] = []
            let before = file.file?.identity
            let batch = file.step(limit: options.readLimit, buffer: &buffer, rows: &rows, now: monotonicNow(),
                                  holdTimeout: options.holdTimeout, rotateWait: rotateWait, pieces: options.parseThreads,
                                  events: &events)
            emit(events + pending, report)
            pending.removeAll()
            if let identity = file.file?.identity, identity != before { watcher.watchFile(file.path) }
            guard let batch else { continue }
            progressed = true
            try store(batch, of: file, report: report)
        }
        return progressed
    }

    /// Hands the batch (the rows parsed into `rows`, with its positions) to the appender, which stores
    /// it while the next one is read; `rows` starts empty again.
    private func store(_ batch: TailBatch, of file: FollowedFile, report: (TailEvent) -> Void) throws(TailError) {
        for e in batch.errors { report(.badLine(path: file.file?.openedAs ?? file.path, error: e)) }
        let filled = rows
        rows = appender.emptyRows()
        try appender.submit(rows: filled, checkpoints: batch.checkpoints, source: file.path)
        for piece in batch.followingPieces {
            try appender.submit(rows: piece.rows, checkpoints: [Checkpoint(name: file.checkpointName, value: piece.position.encoded())],
                                source: file.path)
            counted.batches += 1
        }
        counted.bytesRead += batch.bytesRead
        counted.badLines += batch.errors.count
        counted.batches += 1
    }
}

/// Settings of a ``FileTailer``.
public struct TailOptions: Sendable {
    /// Default 2 MiB (as one-shot ingest reads). Most bytes read from one file per batch (bounds memory:
    /// up to three batches are held, one being parsed and two waiting for or in their append).
    public var readLimit = 2 << 20
    /// Default 1 s. A text record that a continuation line may still extend is stored once its file has
    /// been idle this long (a continuation arriving later becomes a record of its own).
    public var holdTimeout = 1.0
    /// Default false. Check files every ``pollInterval`` instead of using inotify (which is used
    /// unless it is unavailable).
    public var polling = false
    /// Default 0.25 s. How often files are checked when polling.
    public var pollInterval = 0.25
    /// Default 5 s. How long a file renamed or deleted away from its path is still read after the
    /// rotation was seen and after its last growth, for lines its writer adds until it reopens the path
    /// (logrotate renames, then signals the program). Lines added later than that are lost. The file
    /// now at the path is read after it.
    public var rotateWait = 5.0
    /// Default 1 (off). Above 1, a file behind by more than two reads (``readLimit``) is read this many
    /// reads at a time and parsed on as many threads, in order, each read stored with its own position
    /// (NDJSON and logfmt; text is parsed on one thread, a record may span lines). Off by default: on 2
    /// cores, 2 threads made `ingest --follow` about 10 % slower (docs/BENCHMARKS.md, "Issue 11: parallel
    /// parsing"); the follower is not bound by parsing.
    public var parseThreads = 1
    /// Default 1 s. With inotify, how long a wait for changes lasts before the files are checked anyway
    /// (also how soon a stop request is seen when nothing changes).
    public var checkInterval = 1.0

    public init() {}
}

/// What a ``FileTailer`` stored.
public struct TailTotals: Sendable, Hashable {
    /// Records stored.
    public var stored = 0
    /// File bytes read.
    public var bytesRead = 0
    /// Lines that could not be parsed.
    public var badLines = 0
    /// Records the store did not take (older than retention, timestamp too far ahead, too large).
    public var rejected = 0
    /// Appends made (each with a position).
    public var batches = 0
    /// File bytes known to have existed that could no longer be read (reported as
    /// ``TailEvent/lost(path:bytes:reason:)``).
    public var lostBytes = 0

    public init() {}
}

func monotonicNow() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}
