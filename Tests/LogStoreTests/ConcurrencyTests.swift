import Foundation
import Synchronization
import Testing
@testable import LogStore

/// Appenders, a reader and retention running at the same time on real threads: sequences stay
/// unique, nothing is lost, and every query result is sorted.
@Suite struct ConcurrencyTests {
    /// Runs `bodies` on their own OS threads at once and waits for all.
    static func runThreads(_ bodies: [@Sendable () -> Void]) {
        let group = DispatchGroup()
        for body in bodies {
            group.enter()
            let t = Thread {
                body()
                group.leave()
            }
            t.start()
        }
        group.wait()
    }

    @Test func concurrentAppendsQueriesAndExpiryKeepSequencesUniqueAndResultsSorted() throws {
        let dir = TempDir()
        var opts = StoreOptions(durability: .batch)
        opts.batchInterval = .milliseconds(2)
        opts.blockSize = 2048
        opts.headFlushBytes = 64 << 10
        let store = try LogStore.open(at: dir.path, options: opts)
        let appenders = 4
        let batches = 25
        let perBatch = 40
        let failures = Locked<[String]>([])
        let receipts = Locked<[Int: [(UInt64, UInt64)]]>([:])
        let appendersDone = Locked<Int>(0)
        let queriesRun = Locked<Int>(0)
        let expiriesRun = Locked<Int>(0)
        let now = nowNanos()

        var bodies: [@Sendable () -> Void] = []
        for a in 0..<appenders {
            bodies.append {
                var rng = SeededRandom(seed: UInt64(a + 1))
                for b in 0..<batches {
                    let batch = (0..<perBatch).map { i in
                        LogRecord(timestamp: now - Int64.random(in: 0..<3_600_000_000_000, using: &rng),
                                  level: LogLevel.allCases[(a + i) % LogLevel.count], source: "appender-\(a)",
                                  correlationID: "a\(a)-b\(b)", message: "appender \(a) batch \(b) record \(i)")
                    }
                    do {
                        let r = try store.append(batch)
                        if r.accepted != perBatch { failures.update { $0.append("appender \(a): \(r.accepted) accepted") } }
                        receipts.update { $0[a, default: []].append((r.firstSequence, r.lastSequence)) }
                    } catch {
                        failures.update { $0.append("appender \(a) batch \(b): \(error)") }
                    }
                }
                appendersDone.update { $0 += 1 }
            }
        }
        bodies.append {
            var rng = SeededRandom(seed: 99)
            while appendersDone.value < appenders {
                do {
                    let descending = Bool.random(using: &rng)
                    var q = LogQuery(order: descending ? .descending : .ascending)
                    if Bool.random(using: &rng) { q.sources = ["appender-\(Int.random(in: 0..<appenders, using: &rng))"] }
                    let result = try store.records(q)
                    if !isStrictlySorted(result, descending: descending) {
                        failures.update { $0.append("a query result of \(result.count) records is not sorted") }
                    }
                    if Set(result.map(\.sequence)).count != result.count {
                        failures.update { $0.append("a query result holds a sequence twice") }
                    }
                    let n = try store.count(q)
                    if n < result.count { failures.update { $0.append("count \(n) after a query saw \(result.count)") } }
                    queriesRun.update { $0 += 1 }
                } catch {
                    failures.update { $0.append("query: \(error)") }
                }
            }
        }
        bodies.append {
            while appendersDone.value < appenders {
                do {
                    let report = try store.expire()
                    if report.segmentsRemoved != 0 { failures.update { $0.append("expire removed live segments") } }
                    expiriesRun.update { $0 += 1 }
                } catch {
                    failures.update { $0.append("expire: \(error)") }
                }
                // Expiry runs now and then beside the appends, not in a tight loop (a pace, not a wait).
                pace(.milliseconds(2))
            }
        }
        Self.runThreads(bodies)

        for f in failures.value { Issue.record(Comment(rawValue: f)) }
        #expect(queriesRun.value > 0)
        #expect(expiriesRun.value > 0)

        let total = appenders * batches * perBatch
        // Each batch got a consecutive range; all ranges together are exactly 1...total.
        var ranges = receipts.update { $0.values.flatMap { $0 } }
        ranges.sort { $0.0 < $1.0 }
        #expect(ranges.count == appenders * batches)
        #expect(ranges.allSatisfy { $0.1 - $0.0 + 1 == UInt64(perBatch) })
        #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.1 + 1 == $1.0 })
        #expect(ranges.first?.0 == 1)

        func checkAll(_ s: LogStore, _ phase: String) throws {
            let all = try s.records(LogQuery())
            #expect(all.count == total, "\(phase)")
            #expect(try s.count(LogQuery()) == total, "\(phase)")
            #expect(isStrictlySorted(all), "\(phase)")
            #expect(Set(all.map(\.sequence)) == Set(1...UInt64(total)), "\(phase)")
            // Within one batch, sequence order is the order the batch was given in.
            for a in 0..<appenders {
                let mine = try s.records(LogQuery(correlationID: "a\(a)-b7"))
                #expect(mine.sorted { $0.sequence < $1.sequence }.map(\.message)
                        == (0..<perBatch).map { "appender \(a) batch 7 record \($0)" }, "\(phase)")
            }
        }
        try checkAll(store, "open")
        try store.close()
        let reopened = try LogStore.open(at: dir.path, options: opts)
        defer { try? reopened.close() }
        try checkAll(reopened, "reopened")
        #expect(try LogStore.verify(at: dir.path).isClean)
    }

    @Test func readOnlyOpenRacingAFlushStillSeesEveryDurableRecord() throws {
        // docs/FORMAT.md section 6, "Open (reader in another process)": the reader lists segments,
        // then WAL files. Here the writer's flush completes exactly between the two listings (moving
        // the records from the WAL file into a new segment and deleting the WAL file).
        let dir = TempDir()
        let path = dir.path
        let writer = try LogStore.open(at: path, options: StoreOptions(durability: .sync))
        defer { try? writer.close() }
        let now = nowNanos()
        let stored = try appendInBatches(writer, (0..<100).map {
            LogRecord(timestamp: now - Int64($0) * 1_000, level: .info, source: "race", message: "durable \($0)")
        }, batches: 4)
        let flushed = Locked(false)
        var ro = StoreOptions()
        ro.readOnly = true
        ro.io = ListingHookIO { listed in
            guard listed.hasSuffix("/wal"), !flushed.update({ was in defer { was = true }; return was }) else { return }
            do { try writer.flush() } catch { Issue.record("flush: \(error)") }
            // flush() returns once the segments are installed; the WAL file goes right after.
            _ = waitUntil(timeout: .seconds(30), every: .milliseconds(2)) {
                !walNames(path).contains(where: { $0.hasPrefix("0000000000000001") })
            }
        }
        let reader = try LogStore.open(at: path, options: ro)
        defer { try? reader.close() }
        #expect(flushed.value, "the hook ran")
        #expect(segmentNames(path).count >= 1)
        expectSameRecords(try reader.records(LogQuery()), reference(stored, LogQuery()),
                          "a reader whose open raced a flush")
    }

    @Test func concurrentReadOnlyOpensBesideAFlushingWriterSeeEveryDurableRecord() throws {
        // The same rule under real concurrency, without a hook: fails intermittently while the race exists.
        let dir = TempDir()
        var opts = StoreOptions(durability: .sync)
        opts.blockSize = 2048
        opts.headFlushBytes = 64 << 10
        let path = dir.path
        let store = try LogStore.open(at: path, options: opts)
        defer { try? store.close() }
        let durable = Locked<Int>(0)
        let done = Locked<Bool>(false)
        let failures = Locked<[String]>([])
        let now = nowNanos()
        Self.runThreads([
            {
                for b in 0..<60 {
                    let batch = (0..<50).map { LogRecord(timestamp: now - Int64($0) * 1000, level: .info, source: "w",
                                                         message: "batch \(b) \($0) " + String(repeating: "x", count: 100)) }
                    do {
                        let r = try store.append(batch)
                        durable.update { $0 = Int(r.lastSequence) }
                    } catch { failures.update { $0.append("append: \(error)") } }
                }
                done.update { $0 = true }
            },
            {
                var ro = StoreOptions()
                ro.readOnly = true
                var opens = 0
                while !done.value || opens < 3 {
                    let before = durable.value
                    do {
                        let reader = try LogStore.open(at: path, options: ro)
                        let n = try reader.count(LogQuery())
                        if n < before { failures.update { $0.append("read-only open saw \(n) records, \(before) were durable") } }
                        try reader.close()
                    } catch { failures.update { $0.append("read-only open: \(error)") } }
                    opens += 1
                }
            },
        ])
        for f in failures.value.prefix(5) { Issue.record(Comment(rawValue: f)) }
    }

    @Test func closeDuringConcurrentAppendsKeepsEveryAcknowledgedRecord() throws {
        let dir = TempDir()
        let store = try LogStore.open(at: dir.path, options: StoreOptions(durability: .sync))
        let acknowledged = Locked<[UInt64]>([])
        let perAppender = Locked<[Int]>([0, 0, 0])
        let failures = Locked<[String]>([])
        let now = nowNanos()
        var bodies: [@Sendable () -> Void] = (0..<3).map { a in
            {
                var i = 0
                while true {
                    do {
                        let r = try store.append(LogRecord(timestamp: now + Int64(i), level: .info, source: "t\(a)", message: "\(a)-\(i)"))
                        if r.accepted == 1 {
                            acknowledged.update { $0.append(r.firstSequence) }
                            perAppender.update { $0[a] += 1 }
                        }
                    } catch {
                        if (error as? LogStoreError)?.kind != .closed { failures.update { $0.append("append: \(error)") } }
                        return
                    }
                    i += 1
                }
            }
        }
        bodies.append {
            // Close while the appenders are busy: once each has had 20 appends acknowledged.
            let busy = waitUntil { perAppender.value.allSatisfy { $0 >= 20 } }
            if !busy { failures.update { $0.append("the appenders had not all appended before close") } }
            do { try store.close() } catch { failures.update { $0.append("close: \(error)") } }
        }
        Self.runThreads(bodies)
        for f in failures.value.prefix(5) { Issue.record(Comment(rawValue: f)) }
        let acked = acknowledged.value
        #expect(acked.count >= 60)
        #expect(Set(acked).count == acked.count)
        let reopened = try LogStore.open(at: dir.path, options: StoreOptions(durability: .sync))
        defer { try? reopened.close() }
        let present = Set(try reopened.records(LogQuery()).map(\.sequence))
        let lost = acked.filter { !present.contains($0) }
        #expect(lost.isEmpty, "\(lost.count) acknowledged records lost by close")
        #expect(try LogStore.verify(at: dir.path).isClean)
    }
}
