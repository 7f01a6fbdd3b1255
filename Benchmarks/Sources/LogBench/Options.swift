import Foundation

/// Command-line options (parsed by hand to keep the harness dependency-free).
struct Options: Sendable {
    var records = 1_000_000
    var reps = 3
    var out: String?
    var workdir: String?
    var smoke = false
    var seed: UInt64 = 20_251_122
    var logstore: String?
    var keep = false
    var skipCLI = false
    /// Workloads to run besides the `.batch` ingest (which the others need): sync, groupcommit, cli,
    /// reopen, queries. Nil runs all.
    var only: Set<String>?
    /// Engines to run, in this order within each repetition.
    var contenders: [String] = ["logstore", "sqlite", "duckdb"]
    /// Whether to measure recovery after SIGKILL (one child process per contender, once per run).
    var recovery = true
    /// The Python interpreter for the DuckDB contender.
    var python = "python3"
    /// Folder of real log files (`loghub/`, `elastic-examples/`); nil means `<repository>/../shared/corpora`.
    var corpora: String?
    /// False with `--no-corpora`.
    var corporaEnabled = true
    /// MiB written by the sequential-write limit (nil: 256, or 64 in a smoke run).
    var limitsWriteMiB: Int?
    /// The dataset shape: request logs (default) or workflow logs.
    var shape: DatasetShape = .request
    /// Arrival span of the generated records in hours (nil: 6).
    var spanHours: Double?
    /// `--block-size KiB`: LogStore's raw block size for flushes (nil: the library's default, 64 KiB).
    var blockSizeKiB: Int?
    /// `--growth N1,N2,…`: one run per size in a child process, then a table of how the figures grow.
    var growth: [Int]?
    /// SQLite ingest variants to run (nil: all four); see `SQLiteContender.variantNames`.
    var sqliteVariants: [String]?
    /// `--pipeline`: direct appends, the Ingestor and the swift-log handler side by side (Pipeline.swift).
    var pipeline = false
    /// Producer counts for `--pipeline`.
    var producers = [1, 2, 8]
    /// `--pipeline-variants L`: which `PipelineVariant`s run (nil: all).
    var pipelineVariants: [String]?
    /// `--tail`: a growing NDJSON file followed by `logstore ingest --follow` (Tail.swift).
    var tail = false
    /// Probe lines per rep and background rate in `--tail` (one every 50 ms).
    var tailProbes = 200
    /// Background dataset lines per second beside the probes, one latency run per rate.
    var tailRates = [0, 2_000]
    /// `--tail-count-all`: the throughput part's completion follower delivers every record as an event
    /// and counts them (the detector before 2026-12-07 16:00), instead of only the last record.
    var tailCountAll = false
    /// `--tail-reopen`: only the cost of a read-only open (and one lookup) over a growing unflushed WAL,
    /// written by a writer in this process (TailReopen.swift); needs no logstore binary.
    var tailReopen = false
    /// `--ingestor-batch N`: the Ingestor's batchRecords in `--pipeline` (nil: its default).
    var ingestorBatchRecords: Int?
    /// `--compaction`: the compaction benchmark (Compaction.swift) and nothing else.
    var compaction = false
    /// Flushes of the slow week in `--compaction`.
    var compactionFlushes = 990
    /// Dense records in `--compaction` (encodings and the cost on ingest).
    var compactionDense = 300_000

    /// The arrival span in nanoseconds.
    var spanNanos: Int64 { Int64(((spanHours ?? 6) * 3.6e12).rounded()) }

    /// Whether only the real-corpora figures run (`--only corpora`): no dataset, no engines.
    var onlyCorpora: Bool { only == ["corpora"] }

    func runs(_ workload: String) -> Bool { only.map { $0.contains(workload) } ?? true }
    /// Query workload sizes.
    var correlationLookups = 1000
    var rangeWindows = 200
    var levelCountRuns = 20
    var substringRuns = 3
    var reopens = 10
    /// Records for the quick `.sync` group-commit comparison (1 vs 4 writers, batches of 100).
    var groupCommitRecords = 100_000

    static let usage = """
    USAGE: LogBench [--records N] [--reps R] [--out results.json] [--workdir DIR] [--smoke]
                    [--seed S] [--logstore PATH] [--skip-cli] [--only LIST] [--keep]
                    [--contenders LIST] [--no-recovery] [--python PATH]
                    [--corpora DIR] [--no-corpora] [--limits-write-mib N]
                    [--shape request|workflow] [--span-hours H] [--sqlite-variants LIST] [--block-size KiB]
                    [--compaction [--compaction-flushes N] [--compaction-dense N]]
                    [--growth N1,N2,…] [--pipeline [--producers 1,2,8] [--ingestor-batch N]]
                    [--tail [--tail-probes N] [--tail-rates 0,2000] [--tail-count-all] | --tail-reopen]

      --records N      records in the generated dataset (default 1,000,000; ~500 B each as NDJSON)
      --reps R         repetitions per workload; medians are reported (default 3)
      --out FILE       also write the results as JSON to FILE
      --workdir DIR    where the NDJSON file and the stores go (default: a new directory under /tmp)
      --smoke          quick run: 20,000 records, 1 rep, smaller query sets (CI)
      --seed S         dataset seed (default 20251122)
      --logstore PATH  the `logstore` binary for the CLI ingest figure
                       (default: <repo>/.build/release/logstore; build it with
                        `swift build -c release --product logstore` at the repository root)
      --skip-cli       leave out the CLI ingest workload
      --only LIST      run only these workloads (comma-separated: batch,none,sync,groupcommit,cli,
                       reopen,queries,limits,corpora); the .batch library ingest always runs, the others
                       use its store; `--only corpora` alone skips the dataset and the engines
      --keep           keep the dataset and stores in the workdir afterwards
      --contenders L   engines to compare, comma-separated (default logstore,sqlite,duckdb); run
                       Benchmarks/setup.sh first for the peers (GRDB's libsqlite3-dev, Python duckdb)
      --no-recovery    skip the recovery-after-SIGKILL figure (a child process per contender)
      --python PATH    Python interpreter with the duckdb package (default python3)
      --corpora DIR    real log files to ingest line by line (loghub/, elastic-examples/; read in place)
                       (default: <repo>/../shared/corpora; skipped with a message when absent)
      --no-corpora     leave out the real-corpora figures
      --limits-write-mib N  size of the sequential-write limit (default 256 MiB, 64 with --smoke)
      --shape S        dataset shape: request (default; tail_logs) or workflow (workflow_id, workflow_name,
                       workflow_instance_id, task_name, task_instance_id, timestamp_ms, level, payload)
      --span-hours H   arrival span of the generated records (default 6)
      --block-size KiB LogStore's raw block size for flushes (default the library's, 64 KiB): how block
                       size trades lookup time (a lookup decodes whole blocks) against bytes on disk
      --sqlite-variants L  SQLite ingest variants, comma-separated: normal100,normal10k,full100,full10k
                       (default all; the first one listed keeps its store for the queries)
      --growth LIST    growth mode: one run per record count (e.g. 100000,1000000,10000000), each in a
                       child process with a span of 6 h per million records (a constant arrival rate);
                       LogStore .batch + CLI ingest, reopen, index memory, queries; SQLite NORMAL tx 10,000;
                       DuckDB up to 1,000,000 records only; runs above 1,000,000 records do one rep
      --pipeline       pipeline mode: the dataset through direct LogStore.append (×1000), the Ingestor
                       (offer per record, submit per record, offer per 1,000) and the swift-log handler,
                       with each producer count, alternating per rep; records/s until written, CPU per
                       record, overhead against direct appends (nothing else runs)
      --producers L    producer counts for --pipeline (default 1,2,8)
      --ingestor-batch N  the Ingestor's batchRecords for --pipeline (default: its default, 1,000)
      --tail           tail mode: the dataset's NDJSON appended at full speed to a file that
                       `logstore ingest --follow FILE` (the --logstore binary, a child process) follows:
                       MB/s until every line is queryable; then probe lines every 50 ms beside each
                       background rate: latency from a line's write until a read-only reader finds it
      --tail-probes N  probes per rep and rate (default 200)
      --tail-rates L   background dataset lines/s beside the probes, one latency run each (default 0,2000)
      --tail-count-all completion of the throughput part seen by a LogStore.follow in this process that
                       delivers and counts every record (the old detector; default: only the last record)
      --tail-reopen    only the read-only open (+ one correlation lookup) over an unflushed WAL growing to
                       --records rows, written in this process; median / p99 of --reps opens per step
      --pipeline-variants L  variants for --pipeline, comma-separated (default all): direct,offerRecord,
                       submitRecord,offerBatch,handler,offerRecordUnbounded,handlerUnbounded
    """

    struct UsageError: Error, CustomStringConvertible { var description: String }

    static func parse(_ args: [String]) throws -> Options {
        var o = Options()
        var explicitRecords = false, explicitReps = false
        var i = 0
        func value(_ flag: String) throws -> String {
            i += 1
            guard i < args.count else { throw UsageError(description: "\(flag) needs a value") }
            return args[i]
        }
        func number(_ flag: String) throws -> Int {
            let v = try value(flag).replacingOccurrences(of: "_", with: "").replacingOccurrences(of: ",", with: "")
            guard let n = Int(v), n > 0 else { throw UsageError(description: "\(flag) needs a positive integer, got \(v)") }
            return n
        }
        while i < args.count {
            let a = args[i]
            switch a {
            case "--records", "-n": o.records = try number(a); explicitRecords = true
            case "--reps", "-r": o.reps = try number(a); explicitReps = true
            case "--out", "-o": o.out = try value(a)
            case "--workdir": o.workdir = try value(a)
            case "--seed": o.seed = UInt64(try number(a))
            case "--logstore": o.logstore = try value(a)
            case "--smoke": o.smoke = true
            case "--keep": o.keep = true
            case "--skip-cli": o.skipCLI = true
            case "--only":
                let list = Set(try value(a).split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) })
                let known: Set<String> = ["batch", "none", "sync", "groupcommit", "cli", "reopen", "queries", "limits", "corpora"]
                guard list.isSubset(of: known) else {
                    throw UsageError(description: "--only takes a comma-separated subset of \(known.sorted().joined(separator: ","))")
                }
                o.only = list
            case "--contenders":
                let list = try value(a).split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces).lowercased() }
                let known = ["logstore", "sqlite", "duckdb"]
                guard !list.isEmpty, list.allSatisfy(known.contains) else {
                    throw UsageError(description: "--contenders takes a comma-separated subset of \(known.joined(separator: ","))")
                }
                o.contenders = known.filter(list.contains)
            case "--no-recovery": o.recovery = false
            case "--python": o.python = try value(a)
            case "--corpora": o.corpora = try value(a)
            case "--no-corpora": o.corporaEnabled = false
            case "--limits-write-mib": o.limitsWriteMiB = try number(a)
            case "--shape":
                let v = try value(a)
                guard let shape = DatasetShape(rawValue: v) else {
                    throw UsageError(description: "--shape takes request or workflow, got \(v)")
                }
                o.shape = shape
            case "--block-size":
                let v = try value(a)
                guard let k = Int(v), k >= 1, k <= 8 << 10 else {
                    throw UsageError(description: "--block-size needs KiB in 1…8192 (StoreOptions.blockSize), got \(v)")
                }
                o.blockSizeKiB = k
            case "--span-hours":
                let v = try value(a)
                guard let h = Double(v), h > 0, h <= 24 * 6 else {
                    throw UsageError(description: "--span-hours needs a number of hours in (0, 144] (retention is 7 days), got \(v)")
                }
                o.spanHours = h
            case "--sqlite-variants":
                let list = try value(a).split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
                guard !list.isEmpty, list.allSatisfy(SQLiteContender.variantNames.contains) else {
                    throw UsageError(description: "--sqlite-variants takes a comma-separated subset of \(SQLiteContender.variantNames.joined(separator: ","))")
                }
                o.sqliteVariants = list
            case "--growth":
                let parts = try value(a).split(separator: ",").map { $0.replacingOccurrences(of: "_", with: "") }
                let sizes = parts.compactMap { Int($0) }
                guard !sizes.isEmpty, sizes.count == parts.count, sizes.allSatisfy({ $0 > 0 }) else {
                    throw UsageError(description: "--growth takes comma-separated record counts, e.g. 100000,1000000,10000000")
                }
                o.growth = sizes
            case "--pipeline": o.pipeline = true
            case "--producers":
                let parts = try value(a).split(separator: ",")
                let counts = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard !counts.isEmpty, counts.count == parts.count, counts.allSatisfy({ (1...64).contains($0) }) else {
                    throw UsageError(description: "--producers takes comma-separated counts from 1 to 64, e.g. 1,2,8")
                }
                o.producers = counts
            case "--tail": o.tail = true
            case "--tail-probes": o.tailProbes = try number(a)
            case "--tail-count-all": o.tailCountAll = true
            case "--tail-reopen": o.tailReopen = true
            case "--tail-rates":
                let parts = try value(a).split(separator: ",")
                let rates = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard !rates.isEmpty, rates.count == parts.count, rates.allSatisfy({ $0 >= 0 }) else {
                    throw UsageError(description: "--tail-rates takes comma-separated lines per second, e.g. 0,2000")
                }
                o.tailRates = rates
            case "--pipeline-variants":
                let list = try value(a).split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
                let known = PipelineVariant.allCases.map(\.rawValue)
                guard !list.isEmpty, list.allSatisfy(known.contains) else {
                    throw UsageError(description: "--pipeline-variants takes a comma-separated subset of \(known.joined(separator: ","))")
                }
                o.pipelineVariants = list
            case "--ingestor-batch": o.ingestorBatchRecords = try number(a)
            case "--compaction": o.compaction = true
            case "--compaction-flushes": o.compactionFlushes = try number(a)
            case "--compaction-dense": o.compactionDense = try number(a)
            case "--help", "-h": throw UsageError(description: "")
            default: throw UsageError(description: "unknown argument \(a)")
            }
            i += 1
        }
        if o.smoke {
            if !explicitRecords { o.records = 20_000 }
            if !explicitReps { o.reps = 1 }
            o.rangeWindows = 50
            o.levelCountRuns = 5
            o.substringRuns = 1
            o.reopens = 5
        }
        o.groupCommitRecords = min(o.groupCommitRecords, o.records)
        return o
    }
}
