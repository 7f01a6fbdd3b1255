import Glibc
import CLogStoreSystem
import LogStoreFormat

/// What one compaction pass did.
public struct CompactionReport: Sendable {
    /// Segment files replaced (read and then removed).
    public var segmentsReplaced = 0
    /// Compacted segment files written.
    public var segmentsWritten = 0
    /// Records written into compacted segments.
    public var recordsWritten = 0
    /// Bytes of the replaced segment files.
    public var bytesBefore: Int64 = 0
    /// Bytes of the compacted segment files written.
    public var bytesAfter: Int64 = 0
    /// Replaced files that could not be unlinked yet (covered by their compacted segment, so never
    /// counted; retried by the next pass and deleted by the next open).
    public var leftoverFiles = 0
}

extension LogStore {
    /// Compacts now: merges the small segments of every compaction window that holds two or more of
    /// them into larger compacted segments (docs/FORMAT.md, section 10), without the CPU share limit
    /// of background compaction. Appends and queries carry on meanwhile; queries already running keep
    /// reading the segments they started on.
    ///
    /// ```swift
    /// let store = try LogStore.open(at: "/var/lib/collector/logs")
    /// let report = try store.compact()
    /// print("\(report.segmentsReplaced) segments became \(report.segmentsWritten)")
    /// try store.close()
    /// ```
    @discardableResult
    public func compact() throws(LogStoreError) -> CompactionReport {
        guard committer != nil else { throw readOnlyError() }
        if state.withLock({ shared.closing }) { throw LogStoreError(.closed, "the store is closed", path: path) }
        return try compactionPass(eager: true, cpuShare: 1)
    }

    /// Starts the background compaction thread (``StoreOptions/compactInBackground``).
    func startCompactor() throws(LogStoreError) {
        guard options.compactInBackground else { return }
        guard startThread(name: "logstore-compact", { [self] in compactionLoop() }) else {
            throw LogStoreError(.io, "could not start the compaction thread")
        }
    }

    /// Ends background compaction and waits for a pass in progress to stop (it abandons its output).
    func stopCompactor() {
        compactionWake.withLock {
            compactionStopped = true
            compactionWake.broadcast()
        }
        // A pass holds `compactionSerial` for its whole run; taking it waits for the pass to end.
        compactionSerial.withLock {}
    }

    private func compactionLoop() {
        _ = logstore_lower_thread_priority(10)
        while true {
            let stop = compactionWake.withLock { () -> Bool in
                if !compactionStopped { compactionWake.wait(nanoseconds: options.compactionInterval.nanoseconds) }
                return compactionStopped
            }
            if stop { return }
            _ = try? compactionPass(eager: false, cpuShare: options.compactionCPUShare)
        }
    }

    private var compactionShouldStop: Bool {
        compactionWake.withLock { compactionStopped } || state.withLock { shared.closing }
    }

    /// One pass: plans every window, writes each task's output, installs it, removes its inputs.
    func compactionPass(eager: Bool, cpuShare: Double) throws(LogStoreError) -> CompactionReport {
        try compactionSerial.withLock { () throws(LogStoreError) -> CompactionReport in
            var report = CompactionReport()
            // A pass that starts after close began does nothing: close waits for running passes only.
            if compactionShouldStop { return report }
            removeCompactionLeftovers()
            // Flush groups whose WAL file still exists stay out (FORMAT.md 10.2, step 1).
            let walNumbers = Set(try Self.listWAL(walDirectory, io: io))
            let (candidates, settings) = state.withLock {
                (shared.segments.filter { $0.isCompacted || !walNumbers.contains($0.header.flushID) }, shared.settings)
            }
            let now = options.clock()
            let planner = CompactionPlanner(settings: settings, now: now, segmentMaxBytes: options.segmentMaxBytes, eager: eager)
            let level = Int32(options.compactionLZ4Level)
            let compactor = SegmentCompactor(directory: segmentDirectory, io: io, blockSize: options.compactionBlockSize,
                                             acceleration: level == 0 ? 1 : LZ4.highCompression(level: level),
                                             hook: options.compactionHook)
            for task in planner.plan(candidates) {
                if compactionShouldStop { break }
                let started = monotonicNanos()
                guard let id = reserve(task) else { continue }
                let output: Segment?
                do throws(LogStoreError) {
                    output = try compactor.write(task, id: id, oldestRetained: planner.oldestRetained, now: now,
                                                 shouldStop: { compactionShouldStop })
                } catch {
                    release(task)
                    if error.kind == .closed { break }
                    throw error
                }
                guard let output else {
                    release(task)  // every record expired: retention removes the inputs
                    continue
                }
                install(output, replacing: task, into: &report)
                throttle(since: started, cpuShare: cpuShare)
            }
            return report
        }
    }

    /// Marks the task's inputs as being compacted (retention leaves them alone meanwhile) and takes
    /// a segment id; nil when an input has left the segment set since planning.
    private func reserve(_ task: CompactionPlanner.Task) -> UInt64? {
        state.withLock { () -> UInt64? in
            let present = Set(shared.segments.map(\.id))
            guard task.inputs.allSatisfy({ present.contains($0.id) }) else { return nil }
            for s in task.inputs { shared.compactingSegments.insert(s.id) }
            let id = shared.nextSegmentID
            shared.nextSegmentID += 1
            return id
        }
    }

    private func release(_ task: CompactionPlanner.Task) {
        state.withLock { for s in task.inputs { shared.compactingSegments.remove(s.id) } }
    }

    /// Replaces the inputs by the output in the segment set, then unlinks the input files (10.2,
    /// steps 3 and 4). Queries holding an input keep reading it through its open descriptor.
    private func install(_ output: Segment, replacing task: CompactionPlanner.Task, into report: inout CompactionReport) {
        let ids = Set(task.inputs.map(\.id))
        state.withLock {
            shared.segments.removeAll { ids.contains($0.id) }
            shared.segments.append(output)
            for id in ids { shared.compactingSegments.remove(id) }
            shared.counters.segmentsCompacted += task.inputs.count
        }
        let hook = options.compactionHook
        hook?(.installed)
        var leftovers: [String] = []
        for (i, input) in task.inputs.enumerated() {
            do throws(LogStoreError) { try io.unlink(input.path) } catch { leftovers.append(input.path) }
            if i == 0 { hook?(.firstInputRemoved) }
        }
        // Unlinks that do not reach the disk leave covered files behind: never counted (10.2).
        try? io.fsyncDirectory(segmentDirectory)
        hook?(.inputsRemoved)
        publishManifest()
        hook?(.manifestWritten)
        if !leftovers.isEmpty { state.withLock { shared.compactionLeftovers.append(contentsOf: leftovers) } }
        report.segmentsReplaced += task.inputs.count
        report.segmentsWritten += 1
        report.recordsWritten += output.recordCount
        report.bytesBefore += task.inputs.reduce(0) { $0 + $1.fileSize }
        report.bytesAfter += output.fileSize
        report.leftoverFiles += leftovers.count
    }

    /// Unlinks replaced files an earlier pass could not (they are covered, so never counted).
    private func removeCompactionLeftovers() {
        let paths = state.withLock { shared.compactionLeftovers }
        guard !paths.isEmpty else { return }
        var removed: [String] = []
        for p in paths where (try? io.unlink(p)) != nil || !io.exists(p) { removed.append(p) }
        if !removed.isEmpty { try? io.fsyncDirectory(segmentDirectory) }
        state.withLock { shared.compactionLeftovers.removeAll { removed.contains($0) } }
    }

    /// Sleeps so that the work since `started` is at most `cpuShare` of the time (woken by close).
    private func throttle(since started: Int64, cpuShare: Double) {
        guard cpuShare < 1 else { return }
        let worked = Double(monotonicNanos() - started)
        let pause = Int64(worked * (1 - cpuShare) / max(cpuShare, 0.01))
        compactionWake.withLock { if !compactionStopped { compactionWake.wait(nanoseconds: pause) } }
    }
}
