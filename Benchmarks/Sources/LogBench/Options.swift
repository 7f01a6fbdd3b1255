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
