import Foundation
import LogStore
import LogStoreFormat

/// `--compaction` (issue 14): what compaction does to size, open and lookups, side by side in one run.
///
/// 1. **Slow week.** `records` request records spanning 7 days, appended in `flushes` batches with a
///    flush after each (a collector that flushes by age), against the same records appended at once.
///    Files, bytes, whole-process `logstore count` and `logstore query --correlation` before and after
///    `LogStore.compact()`.
/// 2. **Encodings.** A copy of the dense store (6 hours of `dense` records, appended at once) compacted
///    with each candidate encoding: bytes per record, compaction time, in-process lookup p50/p99.
/// 3. **Cost on ingest.** The dense records appended into a copy of the fragmented slow-week store,
///    with background compaction off and on (default CPU share), records/s of each.
enum CompactionBench {
    struct Variant {
        var name: String
        var level: Int
        var blockSize: Int
    }

    static let variants = [Variant(name: "LZ4 fast, 64 KiB blocks", level: 0, blockSize: 64 << 10),
                           Variant(name: "LZ4 HC 9, 64 KiB blocks", level: 9, blockSize: 64 << 10),
                           Variant(name: "LZ4 HC 9, 256 KiB blocks", level: 9, blockSize: 256 << 10),
                           Variant(name: "LZ4 HC 12, 256 KiB blocks", level: 12, blockSize: 256 << 10)]

    static func say(_ s: String) { print(s); fflush(nil) }

    static func generate(_ count: Int, span: Int64, seed: UInt64, workdir: String) throws -> [LogRecord] {
        var g = DatasetGenerator(count: count, seed: seed)
        g.span = span
        let d = try g.generate(now: wallClockNanosNow(), ndjsonPath: workdir + "/compaction-scratch.ndjson")
        Files.remove(workdir + "/compaction-scratch.ndjson")
        return d.records
    }

    static func options(background: Bool = false) -> StoreOptions {
        var o = StoreOptions(durability: .batch)
        o.compactInBackground = background
        o.retention = .seconds(8 * 86_400)
        return o
    }

    static func append(_ records: [LogRecord], into path: String, batches: Int, flushEach: Bool,
                       background: Bool = false) throws -> Double {
        let store = try LogStore.open(at: path, options: options(background: background))
        let size = max(1, (records.count + batches - 1) / batches)
        let (_, d) = try timed {
            var i = 0
            while i < records.count {
                _ = try store.append(Array(records[i..<min(records.count, i + size)]))
                if flushEach { try store.flush() }
                i += size
            }
            try store.sync()
        }
        try store.close()
        return Double(records.count) / d.seconds
    }

    struct Shape { var files: Int; var bytes: Int64 }
    static func shape(_ path: String) -> Shape {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path + "/segments")) ?? []
        return Shape(files: names.filter { $0.hasSuffix(".seg") }.count, bytes: Files.treeSize(path))
    }

    /// Median ms of whole-process runs of `logstore ARGS`.
    static func wholeProcess(_ exe: String, _ args: (Int) -> [String], runs: Int, workdir: String) -> Double {
        var s = Samples()
        for i in 0..<runs {
            // Spawn to exit, waited on directly (ChildProcess samples memory every 10 ms, too coarse here).
            let p = Process()
            p.executableURL = URL(fileURLWithPath: exe)
            p.arguments = args(i)
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            let (ok, d) = timed { () -> Bool in
                guard (try? p.run()) != nil else { return false }
                p.waitUntilExit()
                return p.terminationStatus == 0
            }
            if ok { s.add(d.milliseconds) }
        }
        return s.median
    }

    /// In-process correlation lookups on a read-only open: p50 and p99 in ms.
    static func lookups(_ path: String, ids: [String]) throws -> (Double, Double) {
        var o = StoreOptions()
        o.readOnly = true
        let store = try LogStore.open(at: path, options: o)
        defer { try? store.close() }
        var s = Samples()
        for id in ids {
            let (_, d) = try timed { try store.records(LogQuery(correlationID: id)) }
            s.add(d.milliseconds)
        }
        return (s.median, s.percentile(99))
    }

    static func run(options: Options, workdir: String) -> Int32 {
        do {
            try runAll(options: options, workdir: workdir)
            return 0
        } catch {
            FileHandle.standardError.write(Data("compaction benchmark failed: \(error)\n".utf8))
            return 1
        }
    }

    static func runAll(options: Options, workdir: String) throws {
        let day: Int64 = 86_400 * 1_000_000_000
        let slowCount = options.records
        let exe = CLIIngest.locate(override: options.logstore)
        let runs = max(5, options.reps)
        say("# compaction benchmark: \(slowCount) records over 7 days in \(options.compactionFlushes) flushes; dense \(options.compactionDense) records over 6 h; \(runs) whole-process runs per figure")
        say("# logstore binary: \(exe ?? "none (whole-process figures skipped)")")

        // 1. Slow week.
        let week = try generate(slowCount, span: 7 * day, seed: options.seed, workdir: workdir)
        let ids = Array(Set(week.compactMap(\.correlationID))).sorted()
        let slow = workdir + "/stores/slow", once = workdir + "/stores/once"
        Files.remove(slow); Files.remove(once)
        _ = try append(week, into: slow, batches: options.compactionFlushes, flushEach: true)
        _ = try append(week, into: once, batches: max(1, week.count / 10_000), flushEach: false)
        let fragmented = workdir + "/stores/slow-fragmented"
        Files.remove(fragmented)
        try FileManager.default.copyItem(atPath: slow, toPath: fragmented)
        func cli(_ path: String) -> (Double, Double) {
            guard let exe else { return (.nan, .nan) }
            let count = wholeProcess(exe, { _ in ["count", "--store", path] }, runs: runs, workdir: workdir)
            let lookup = wholeProcess(exe, { i in ["query", "--store", path, "--correlation", ids[(i * 7919) % ids.count], "--format", "ndjson"] },
                                      runs: runs, workdir: workdir)
            return (count, lookup)
        }
        let before = shape(slow), onceShape = shape(once)
        let (countBefore, lookupBefore) = cli(slow)
        let (countOnce, lookupOnce) = cli(once)
        let store = try LogStore.open(at: slow, options: Self.options())
        let (report, compactTime) = try timed { try store.compact() }
        try store.close()
        let after = shape(slow)
        let (countAfter, lookupAfter) = cli(slow)
        say("\n## Slow week: \(week.count) records, \(options.compactionFlushes) flushes over 7 days (compaction took \(String(format: "%.2f", compactTime.seconds)) s, \(report.segmentsReplaced) segments → \(report.segmentsWritten))")
        say("| store | segment files | bytes | bytes/record | `logstore count` ms | `logstore query --correlation` ms |")
        say("|---|---:|---:|---:|---:|---:|")
        for (name, s, c, l) in [("slow, before compaction", before, countBefore, lookupBefore),
                                ("slow, after compaction", after, countAfter, lookupAfter),
                                ("same records at once", onceShape, countOnce, lookupOnce)] {
            say("| \(name) | \(s.files) | \(s.bytes) | \(String(format: "%.1f", Double(s.bytes) / Double(week.count))) | \(String(format: "%.1f", c)) | \(String(format: "%.1f", l)) |")
        }
        say(String(format: "after/at once: size %.2f×, count %.2f×, lookup %.2f×", Double(after.bytes) / Double(onceShape.bytes),
                   countAfter / countOnce, lookupAfter / lookupOnce))

        // 2. Encodings on the dense store.
        let dense = try generate(options.compactionDense, span: 6 * 3_600 * 1_000_000_000, seed: options.seed &+ 1, workdir: workdir)
        let denseIDs = Array(Array(Set(dense.compactMap(\.correlationID))).sorted().prefix(1_000))
        let densePath = workdir + "/stores/dense"
        Files.remove(densePath)
        let denseRate = try append(dense, into: densePath, batches: max(1, dense.count / 10_000), flushEach: false)
        let denseShape = shape(densePath)
        let (p50, p99) = try lookups(densePath, ids: denseIDs)
        say("\n## Encodings: \(dense.count) dense records (6 h), compacted into a copy per encoding")
        say("| encoding | segment files | bytes/record | compaction s | lookup p50 ms | lookup p99 ms |")
        say("|---|---:|---:|---:|---:|---:|")
        say("| flushed, before compaction (LZ4 fast, 64 KiB) | \(denseShape.files) | \(String(format: "%.1f", Double(denseShape.bytes) / Double(dense.count))) | – | \(String(format: "%.3f", p50)) | \(String(format: "%.3f", p99)) |")
        for v in variants {
            let copy = workdir + "/stores/dense-\(v.level)-\(v.blockSize)"
            Files.remove(copy)
            try FileManager.default.copyItem(atPath: densePath, toPath: copy)
            var o = Self.options()
            o.compactionLZ4Level = v.level
            o.compactionBlockSize = v.blockSize
            let s = try LogStore.open(at: copy, options: o)
            let (_, d) = try timed { try s.compact() }
            try s.close()
            let sh = shape(copy)
            let (a, b) = try lookups(copy, ids: denseIDs)
            say("| \(v.name) | \(sh.files) | \(String(format: "%.1f", Double(sh.bytes) / Double(dense.count))) | \(String(format: "%.2f", d.seconds)) | \(String(format: "%.3f", a)) | \(String(format: "%.3f", b)) |")
            Files.remove(copy)
        }

        // 3. Cost on concurrent ingest: the dense records appended into the fragmented week, compaction off, then on.
        var rates: [(String, Double)] = []
        for background in [false, true] {
            let copy = workdir + "/stores/ingest-\(background)"
            Files.remove(copy)
            try FileManager.default.copyItem(atPath: fragmented, toPath: copy)
            var fresh = dense
            let now = wallClockNanosNow()
            let shift = now - 60_000_000_000 - (dense.last?.timestamp ?? now)
            for i in fresh.indices { fresh[i].timestamp += shift }
            let rate = try appendWithCompactor(fresh, into: copy, background: background)
            rates.append((background ? "background compaction on (CPU share 0.25)" : "compaction off", rate))
            Files.remove(copy)
        }
        say("\n## Cost on concurrent ingest: \(dense.count) records appended into the fragmented week (dense ingest alone, fresh store: \(String(format: "%.0f", denseRate)) records/s)")
        say("| run | records/s |")
        say("|---|---:|")
        for (name, rate) in rates { say("| \(name) | \(String(format: "%.0f", rate)) |") }
        say(String(format: "cost: %.1f %%", (1 - rates[1].1 / rates[0].1) * 100))
    }

    /// Appends with background compaction waking every 10 ms when on; the compaction has the whole
    /// ingest to work (its windows ended days ago).
    static func appendWithCompactor(_ records: [LogRecord], into path: String, background: Bool) throws -> Double {
        var o = options(background: background)
        o.compactionInterval = .milliseconds(10)
        let store = try LogStore.open(at: path, options: o)
        let (_, d) = try timed {
            var i = 0
            while i < records.count {
                _ = try store.append(Array(records[i..<min(records.count, i + 10_000)]))
                i += 10_000
            }
            try store.sync()
        }
        say("# ingest with background compaction \(background ? "on" : "off"): segments compacted during it: \(store.statistics.counters.segmentsCompacted)")
        try store.close()
        return Double(records.count) / d.seconds
    }
}
