import Foundation
import LogStore
import Glibc
import LogStoreFormat

struct TailSummary: Codable, Sendable {
    var records: Int
    var fileBytes: Int
    var command: String
    /// MB/s of the followed file: bytes ÷ (writer start → every line queryable), per rep.
    var throughputMBps: [Double]
    var throughputRecordsPerSecond: [Double]
    /// `logstore ingest FILE` (no --follow) of the same complete file in the same rep, MB/s, for reference.
    var oneShotMBps: [Double]
    /// How fast the writer alone appended the file, MB/s per rep.
    var writerMBps: [Double]
    /// From the writer's last write until every line was queryable, s per rep.
    var drainSeconds: [Double]
    /// CPU (user + system) of the `logstore ingest --follow` process per record, µs per rep.
    var followerCPUMicrosPerRecord: [Double]
    /// CPU of the one-shot `logstore ingest FILE` per record, µs per rep.
    var oneShotCPUMicrosPerRecord: [Double] = []
    /// CPU of this benchmark process (the writer thread and the completion follower) during the
    /// throughput part, µs per record, per rep.
    var harnessCPUMicrosPerRecord: [Double] = []
    var followerPeakRSSBytes: Int
    var latency: [TailLatencyRow]
    var probeIntervalMs: Double
    var pollPauseMs: Double
    var countPauseMs: Double
    var queryable: String
}

/// `--tail`: a growing NDJSON file followed by `logstore ingest --follow` as a child process.
final class TailBench {
    let options: Options
    let dataset: Dataset
    let workdir: String
    let executable: String
    var problems: [String] = []

    /// One probe line every this many ms, and this many probes per rep and background rate.
    let probeIntervalNanos: Int64 = 50_000_000
    var probes: Int { options.smoke ? 40 : options.tailProbes }
    /// Pause between two polls of the latency reader (which polls only while a probe is outstanding).
    let pollPauseMicros: UInt32 = 1_000
    /// Pause between two counts of the throughput reader (a count of a large store costs more).
    let countPauseMicros: UInt32 = 50_000

    static let queryableDefinition = "a record is queryable when a separate reader that opens the store read-only "
        + "(LogStore.open with readOnly, as `logstore query` and `tail -f` do beside a running writer) and looks its "
        + "correlation ID up gets it back; while a probe is outstanding the reader polls with 1 ms pauses (open, a lookup per "
        + "outstanding probe, close)"

    init(options: Options, dataset: Dataset, workdir: String, executable: String) {
        self.options = options
        self.dataset = dataset
        self.workdir = workdir
        self.executable = executable
    }

    struct Failure: Error, CustomStringConvertible { var description: String }

    func progress(_ s: String) { FileHandle.standardError.write(Data(("[logbench] " + s + "\n").utf8)) }

    func problem(_ s: String) {
        progress("PROBLEM: " + s)
        problems.append(s)
    }

    /// The follower's command line for `file` and `store`.
    func followArguments(file: String, store: String) -> [String] {
        ["ingest", "--follow", file, "--store", store, "--durability", "batch"]
    }

    /// Whether the binary's `ingest` takes `--follow`.
    static func supportsFollow(_ executable: String, scratch: String) -> Bool {
        guard let out = try? ChildProcess.run(executable, ["ingest", "--help"], logPath: scratch + "/ingest-help.log") else { return false }
        return out.status == 0 && out.output.contains("--follow")
    }

    /// Starts the follower on an empty `file` and waits until its store can be opened.
    func startFollower(file: String, store: String, label: String) throws -> Follower {
        Files.remove(file)
        Files.remove(store)
        guard FileManager.default.createFile(atPath: file, contents: nil) else {
            throw Failure(description: "cannot create \(file)")
        }
        let f = try Follower(executable: executable, arguments: followArguments(file: file, store: store),
                             logPath: "\(workdir)/tail-\(label).log")
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if !f.isRunning { throw Failure(description: "`logstore ingest --follow` exited at start: \(f.logTail)") }
            if let s = Self.openReader(store) { try? s.close(); return f }
            usleep(20_000)
        }
        _ = f.stop()
        throw Failure(description: "`logstore ingest --follow` created no store in 20 s: \(f.logTail)")
    }

    // MARK: Runs

    func run() -> TailSummary {
        var mbps: [Double] = [], rps: [Double] = [], writer: [Double] = [], drain: [Double] = [], cpu: [Double] = []
        var oneShot: [Double] = [], oneShotCPU: [Double] = [], harnessCPU: [Double] = []
        var peak = 0
        let rates = options.tailRates
        var pooled: [Int: (upper: Samples, lower: Samples, polls: Samples, written: Int, p50: Samples, p99: Samples, follow: Samples,
                            cli: Samples, query: Samples, queryProcesses: Samples)] = [:]
        for rep in 0..<options.reps {
            do {
                let t = try throughputRep(rep)
                mbps.append(t.mbps); rps.append(t.rps); writer.append(t.writerMBps); drain.append(t.drain)
                cpu.append(t.cpuMicros); peak = max(peak, t.peak); harnessCPU.append(t.harnessCPUMicros)
                if let o = t.oneShot { oneShot.append(o.mbps); oneShotCPU.append(o.cpuMicros) }
            } catch {
                problem("tail throughput, rep \(rep + 1): \(error)")
            }
            for rate in rates {
                do {
                    let l = try latencyRep(rep, rate: rate)
                    var p = pooled[rate] ?? (Samples(), Samples(), Samples(), 0, Samples(), Samples(), Samples(), Samples(), Samples(), Samples())
                    for v in l.follow.values { p.follow.add(v) }
                    for v in l.query.values { p.query.add(v) }
                    for v in l.queryProcesses.values { p.queryProcesses.add(v) }
                    for v in l.cli.values { p.cli.add(v) }
                    for v in l.upper.values { p.upper.add(v) }
                    for v in l.lower.values { p.lower.add(v) }
                    for v in l.polls.values { p.polls.add(v) }
                    p.written += l.written
                    p.p50.add(l.upper.median)
                    p.p99.add(l.upper.percentile(99))
                    pooled[rate] = p
                } catch {
                    problem("tail latency at \(rate) lines/s, rep \(rep + 1): \(error)")
                }
            }
        }
        let rows = rates.compactMap { rate -> TailLatencyRow? in
            guard let p = pooled[rate] else { return nil }
            return TailLatencyRow(backgroundLinesPerSecond: rate, probesWritten: p.written, probesSeen: p.upper.count,
                                  p50Ms: p.upper.median, p99Ms: p.upper.percentile(99), maxMs: p.upper.max,
                                  p50LowerMs: p.lower.median, p99LowerMs: p.lower.percentile(99),
                                  followSeen: p.follow.count, followP50Ms: p.follow.median,
                                  followP99Ms: p.follow.percentile(99), followMaxMs: p.follow.max,
                                  tailCLISeen: p.cli.count, tailCLIP50Ms: p.cli.median, tailCLIP99Ms: p.cli.percentile(99),
                                  tailCLIMaxMs: p.cli.max,
                                  querySeen: p.query.count, queryP50Ms: p.query.median, queryP99Ms: p.query.percentile(99),
                                  queryMaxMs: p.query.max, queryProcessMedianMs: p.queryProcesses.median,
                                  queryProcessP99Ms: p.queryProcesses.percentile(99),
                                  pollMedianMs: p.polls.median, pollP99Ms: p.polls.percentile(99),
                                  repP50Ms: p.p50.values, repP99Ms: p.p99.values)
        }
        return TailSummary(records: dataset.count, fileBytes: dataset.ndjsonBytes,
                           command: ([executable] + followArguments(file: "FILE", store: "DIR")).joined(separator: " "),
                           throughputMBps: mbps, throughputRecordsPerSecond: rps, oneShotMBps: oneShot, writerMBps: writer, drainSeconds: drain,
                           followerCPUMicrosPerRecord: cpu, oneShotCPUMicrosPerRecord: oneShotCPU,
                           harnessCPUMicrosPerRecord: harnessCPU, followerPeakRSSBytes: peak, latency: rows,
                           probeIntervalMs: Double(probeIntervalNanos) / 1e6, pollPauseMs: Double(pollPauseMicros) / 1e3,
                           countPauseMs: Double(countPauseMicros) / 1e3,
                           queryable: Self.queryableDefinition)
    }

    /// The whole dataset appended to the followed file at full speed; time until all of it is queryable.
    private func throughputRep(_ rep: Int) throws -> (mbps: Double, rps: Double, writerMBps: Double, drain: Double, cpuMicros: Double,
                                                      harnessCPUMicros: Double, peak: Int, oneShot: (mbps: Double, cpuMicros: Double)?) {
        let file = "\(workdir)/tail-followed.ndjson", store = "\(workdir)/stores/tail-throughput"
        defer { Files.remove(file); Files.remove(store) }
        sync()
        let follower = try startFollower(file: file, store: store, label: "throughput-\(rep)")
        var stopped = false
        defer { if !stopped { _ = follower.stop() } }
        let cpu0 = follower.cpuSeconds
        let ownCPU0 = Self.ownCPUSeconds()
        progress("rep \(rep + 1)/\(options.reps): tail throughput: \(Fmt.bytes(dataset.ndjsonBytes)) appended at full speed")
        let clock = ContinuousClock()
        let start = clock.now
        let writerDone = Locked<ContinuousClock.Instant?>(nil)
        let writeError = Locked<String?>(nil)
        let source = dataset.ndjsonPath
        // The writer runs on its own thread; this thread polls.
        let writerThread = Thread {
            do { try Self.copyLines(from: source, to: file) } catch { writeError.withLock { $0 = "\(error)" } }
            writerDone.withLock { $0 = clock.now }
        }
        writerThread.stackSize = 8 << 20
        writerThread.start()
        let n = dataset.count
        let timeout = clock.now + .seconds(max(120, n / 5_000))
        // Completion seen by the store's incremental follower (each WAL frame read once, a record delivered
        // once committed), not by a read-only reopen every 50 ms that replayed the whole WAL each time. It
        // delivers only the record with sequence number n, the last line's (sequences are given in append
        // order from 1, and the tailer appends the file's lines in order): the rows before it are skipped
        // without being decoded. Delivering all n records as events cost this process 4.3–6.0 µs of CPU per
        // line, twice what the follower spent ingesting them, on the same two cores, and the ratio to one-shot
        // ingest read 0.77–0.83× instead of 1.29–1.52× for the same binary (docs/BENCHMARKS-HISTORY.md,
        // 2026-12-07 16:08; `--tail-count-all` restores that detector). A rejected or lost record leaves
        // sequence n unassigned: completion then times out and the read-only count below reports it.
        let delivered = Locked(0)
        let countAll = options.tailCountAll
        let storeFollower = try LogStore.follow(directory: store, filter: LogQuery(), after: countAll ? 0 : UInt64(n - 1))
        let counter = Task.detached {
            do {
                for try await event in storeFollower {
                    switch event {
                    case .record(let r):
                        if countAll { delivered.withLock { $0 += 1 } } else if r.sequence >= UInt64(n) { delivered.withLock { $0 = n } }
                    case .lagged(let skipped): if countAll { delivered.withLock { $0 += skipped } }
                    // Never expected in a fresh store; then completion times out and the rep is reported.
                    case .damaged: break
                    }
                }
            } catch {}
        }
        defer { storeFollower.cancel(); counter.cancel() }
        var done: ContinuousClock.Instant?
        var lastCount = 0
        while done == nil {
            if let e = writeError.withLock({ $0 }) { throw Failure(description: "writing \(file): \(e)") }
            if !follower.isRunning { throw Failure(description: "the follower exited: \(follower.logTail)") }
            if clock.now > timeout {
                throw Failure(description: "only \(lastCount) of \(n) records delivered after \(timeout - start)")
            }
            lastCount = delivered.withLock { $0 }
            if lastCount >= n { done = clock.now } else { usleep(1_000) }
        }
        // Queryable as well: one read-only count, not timed.
        if let s = Self.openReader(store) {
            lastCount = (try? s.count(LogQuery())) ?? -1
            try? s.close()
        }
        let end = done ?? clock.now
        // Wait for the writer thread's timestamp (it finished before everything could be queryable).
        while writerDone.withLock({ $0 }) == nil { usleep(1_000) }
        let written = writerDone.withLock { $0 } ?? end
        let cpu = follower.cpuSeconds - cpu0
        // This process's CPU over the same span (the writer thread's copy and the completion follower).
        let ownCPU = Self.ownCPUSeconds() - ownCPU0
        let peak = follower.peakRSS
        stopped = true
        let status = follower.stop()
        if status != 0 && status != SIGINT { problem("tail throughput: follower exit status \(status): \(follower.logTail)") }
        if lastCount != n { problem("tail throughput: a read-only count gives \(lastCount) records, expected \(n)") }
        let total = (end - start).seconds
        let mb = Double(dataset.ndjsonBytes) / 1e6
        // For reference: `logstore ingest FILE` of the same, now complete, file into a fresh store.
        var oneShot: (mbps: Double, cpuMicros: Double)?
        let oneShotStore = store + "-oneshot"
        Files.remove(oneShotStore)
        sync()
        do {
            let cpuBefore = Follower.childrenCPUSeconds()
            let r = try CLIIngest(executable: executable).run(file: file, store: oneShotStore, expectedRecords: n,
                                                              logPath: "\(workdir)/tail-oneshot-\(rep).log")
            oneShot = (mb / r.wall.seconds, (Follower.childrenCPUSeconds() - cpuBefore) / Double(n) * 1e6)
        } catch {
            problem("tail throughput: logstore ingest FILE (reference) failed: \(error)")
        }
        Files.remove(oneShotStore)
        progress(String(format: "  %.1f MB/s until queryable (writer %.1f MB/s, drain %.2f s), follower CPU %.2f µs/record, "
                        + "this process %.2f µs/record; logstore ingest FILE %.1f MB/s",
                        mb / total, mb / (written - start).seconds, (end - written).seconds, cpu / Double(n) * 1e6,
                        ownCPU / Double(n) * 1e6, oneShot?.mbps ?? .nan))
        return (mb / total, Double(n) / total, mb / (written - start).seconds, (end - written).seconds,
                cpu / Double(n) * 1e6, ownCPU / Double(n) * 1e6, peak, oneShot)
    }

    /// Probe lines every 50 ms beside `rate` dataset lines per second; latency until each is queryable.
    private func latencyRep(_ rep: Int, rate: Int) throws -> (upper: Samples, lower: Samples, polls: Samples, written: Int, follow: Samples,
                                                             cli: Samples, query: Samples, queryProcesses: Samples) {
        let file = "\(workdir)/tail-latency.ndjson", store = "\(workdir)/stores/tail-latency"
        defer { Files.remove(file); Files.remove(store) }
        sync()
        let follower = try startFollower(file: file, store: store, label: "latency-\(rate)-\(rep)")
        var stopped = false
        defer { if !stopped { _ = follower.stop() } }
        // A second reader: the store's cross-process follower, filtered to the probes.
        let followed = Locked<[Double]>([])
        let followedIDs = Locked<Set<String>>([])
        let storeFollower = try LogStore.follow(directory: store, filter: LogQuery(sources: ["logbench-probe"]), after: 0)
        let followTask = Task.detached {
            do {
                for try await event in storeFollower {
                    if case .record(let r) = event {
                        let now = wallClockNanosNow()
                        followed.withLock { $0.append(Double(now - r.timestamp) / 1e6) }
                        if let id = r.correlationID { followedIDs.withLock { _ = $0.insert(id) } }
                    }
                }
            } catch {}
        }
        defer { storeFollower.cancel(); followTask.cancel() }
        // A third: `logstore tail -f` in a second process.
        let tailCLI = try TailCLIReader(executable: executable, store: store)
        defer { tailCLI.stop() }
        progress("rep \(rep + 1)/\(options.reps): tail latency: \(probes) probes every \(probeIntervalNanos / 1_000_000) ms beside \(rate) lines/s")
        let lines = try Self.datasetLines(dataset.ndjsonPath, count: rate * (probes + 20) / 20 + 1)
        let probeCount = probes, interval = probeIntervalNanos
        let written = Locked<[(id: String, ns: Int64)]>([])
        let writerFinished = Locked(false)
        let writeError = Locked<String?>(nil)
        let runTag = "\(rate)-\(rep)"
        let writerThread = Thread {
            do {
                try Self.pacedWriter(file: file, lines: lines, rate: rate, probes: probeCount, interval: interval, tag: runTag) { id, ns in
                    written.withLock { $0.append((id, ns)) }
                }
            } catch {
                writeError.withLock { $0 = "\(error)" }
            }
            writerFinished.withLock { $0 = true }
        }
        writerThread.stackSize = 8 << 20
        // A fourth: `logstore query --correlation ID` as a new process per poll, on its own thread.
        let queryReader = TailQueryReader(executable: executable, store: store) { [written] in written.withLock { $0 } }
        writerThread.start()
        queryReader.start()
        defer { queryReader.stop() }

        var upper = Samples(), lower = Samples(), polls = Samples()
        var seen = Set<String>()
        let clock = ContinuousClock()
        var deadline: ContinuousClock.Instant?
        while true {
            if let e = writeError.withLock({ $0 }) { throw Failure(description: "writing \(file): \(e)") }
            if !follower.isRunning { throw Failure(description: "the follower exited: \(follower.logTail)") }
            let finished = writerFinished.withLock { $0 }
            let outstanding = written.withLock { $0 }.filter { !seen.contains($0.id) }
            if finished && outstanding.isEmpty && queryReader.count >= written.withLock({ $0.count }) { break }
            if finished && deadline == nil { deadline = clock.now + .seconds(30) }
            if let deadline, clock.now > deadline { break }
            if outstanding.isEmpty { usleep(1_000); continue }
            let pollStart = wallClockNanosNow()
            let t0 = clock.now
            if let s = Self.openReader(store) {
                for probe in outstanding {
                    guard let found = try? s.records(LogQuery(correlationID: probe.id)), let record = found.first else { continue }
                    let now = wallClockNanosNow()
                    // The write time is embedded in the line as its timestamp.
                    upper.add(Double(now - record.timestamp) / 1e6)
                    lower.add(Double(max(0, pollStart - record.timestamp)) / 1e6)
                    seen.insert(probe.id)
                }
                try? s.close()
                polls.add((clock.now - t0).milliseconds)
            }
            usleep(pollPauseMicros)
        }
        let count = written.withLock { $0.count }
        queryReader.stop()
        if let e = queryReader.error { problem("tail latency at \(rate) lines/s: \(e)") }
        var query = Samples()
        for probe in written.withLock({ $0 }) {
            if let at = queryReader.arrival(of: probe.id) { query.add(Double(at - probe.ns) / 1e6) }
        }
        if query.count < count { problem("tail latency at \(rate) lines/s: `logstore query --correlation` processes found \(query.count) of \(count) probes") }
        // Give the store follower up to 5 s more for the last probes.
        let followDeadline = clock.now + .seconds(5)
        while followed.withLock({ $0.count }) < count && clock.now < followDeadline { usleep(5_000) }
        let follow = Samples(followed.withLock { $0 })
        while tailCLI.count < count && clock.now < followDeadline + .seconds(2) { usleep(5_000) }
        var cli = Samples()
        for probe in written.withLock({ $0 }) {
            if let at = tailCLI.arrival(of: probe.id) { cli.add(Double(at - probe.ns) / 1e6) }
        }
        if cli.count < count { problem("tail latency at \(rate) lines/s: `logstore tail -f` printed \(cli.count) of \(count) probes") }
        // Diagnosis when probes are missing: does a fresh follower (after: 0) get them from the same files
        // now, and does the first one get them once the writer closes the store?
        var diagnosis = ""
        if follow.count < count, let fresh = try? LogStore.follow(directory: store, filter: LogQuery(sources: ["logbench-probe"]), after: 0) {
            let freshIDs = Locked<Set<String>>([])
            let freshTask = Task.detached {
                do {
                    for try await event in fresh {
                        if case .record(let r) = event, let id = r.correlationID { freshIDs.withLock { _ = $0.insert(id) } }
                    }
                } catch {}
            }
            let freshDeadline = clock.now + .seconds(3)
            while freshIDs.withLock({ $0.count }) < count && clock.now < freshDeadline { usleep(5_000) }
            fresh.cancel()
            freshTask.cancel()
            diagnosis = "; a fresh LogStore.follow(after: 0) started then delivered \(freshIDs.withLock { $0.count }) of \(count) within 3 s"
        }
        stopped = true
        let status = follower.stop()
        if follow.count < count {
            let closedDeadline = clock.now + .seconds(3)
            while followed.withLock({ $0.count }) < count && clock.now < closedDeadline { usleep(5_000) }
            diagnosis += "; the first follower had \(followed.withLock { $0.count }) of \(count) 3 s after the writer closed the store"
        }
        if status != 0 && status != SIGINT { problem("tail latency: follower exit status \(status): \(follower.logTail)") }
        if seen.count < count { problem("tail latency at \(rate) lines/s: \(count - seen.count) of \(count) probes never became queryable within 30 s") }
        if follow.count < count {
            let got = followedIDs.withLock { $0 }
            let missing = written.withLock { $0 }.enumerated().filter { !got.contains($0.element.id) }.map { "#\($0.offset + 1)" }
            problem("tail latency at \(rate) lines/s: LogStore.follow delivered \(follow.count) of \(count) probes within 5 s "
                    + "after the last was written (missing: \(missing.prefix(5).joined(separator: ", ")); the read-only reader found them\(diagnosis))")
        }
        progress(String(format: "  p50 %.1f ms, p99 %.1f ms (poll %.1f ms median); LogStore.follow p50 %.1f ms, p99 %.1f ms; tail -f p50 %.1f ms, p99 %.1f ms; "
                        + "query process p50 %.1f ms, p99 %.1f ms (process %.1f ms median)",
                        upper.median, upper.percentile(99), polls.median, follow.median, follow.percentile(99),
                        cli.median, cli.percentile(99), query.median, query.percentile(99), Samples(queryReader.processMillis).median))
        return (upper, lower, polls, count, follow, cli, query, Samples(queryReader.processMillis))
    }
}
