import Foundation
import Testing
@testable import LogStore

/// Background compaction (docs/FORMAT.md 10.4) beside a writer's appends and concurrent queries.
@Suite struct BackgroundCompactionTests {
    @Test(.timeLimit(.minutes(2))) func compactsWhileAppendsAndQueriesCarryOn() throws {
        let dir = TempDir()
        let old = try makeFragmentedStore(dir.path, records: 2_000, batches: 20, hours: 3)
        var options = compactionOptions(background: true)
        options.compactionInterval = .milliseconds(20)
        let store = try LogStore.open(at: dir.path, options: options)

        let oldEnd = (old.last?.timestamp ?? 0) + 1
        let stop = Locked(false)
        let appended = Locked<[LogRecord]>([])
        let failures = Locked<[String]>([])
        let appender = Thread {
            var i = 0
            while !stop.value {
                let records = makeRecords(20, seed: UInt64(1_000 + i), base: nowNanos() - nanosPerMinute, spread: nanosPerSecond)
                do {
                    let r = try store.append(records)
                    appended.update { list in
                        for (k, var rec) in records.enumerated() {
                            rec.sequence = r.firstSequence + UInt64(k)
                            list.append(rec)
                        }
                    }
                } catch { failures.update { $0.append("append: \(error)") } }
                i += 1
            }
        }
        let reader = Thread {
            while !stop.value {
                do {
                    // The old records are always all there, exactly once, whatever the compaction is doing.
                    let got = try store.records(LogQuery(until: oldEnd))
                    if got.count != old.count || Set(got.map(\.sequence)).count != got.count {
                        failures.update { $0.append("query saw \(got.count) of \(old.count) old records") }
                    }
                } catch { failures.update { $0.append("query: \(error)") } }
            }
        }
        appender.start()
        reader.start()
        let compacted = waitUntil(timeout: .seconds(60)) { store.statistics.counters.segmentsCompacted >= 20 }
        #expect(compacted, "background compaction did not replace the small segments in time")
        stop.update { $0 = true }
        #expect(waitUntil(timeout: .seconds(30)) { appender.isFinished && reader.isFinished })
        #expect(failures.value.isEmpty, "\(failures.value.prefix(5))")

        let newer = appended.value
        let expected = (old + newer).sorted { ($0.timestamp, $0.sequence) < ($1.timestamp, $1.sequence) }
        expectSameRecords(try store.records(LogQuery()), expected, "after background compaction")
        try store.close()
        expectSameRecords(try readAllReadOnly(dir.path), expected, "reopened read-only")
        #expect(try LogStore.verify(at: dir.path).isClean)
    }
}
