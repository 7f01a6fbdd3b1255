import Foundation
import LogStore
import LogStoreFormat

/// Recovery after a kill: a child process (this executable, `--crash-child`) regenerates the dataset
/// from the seed, ingests all of it without closing and SIGKILLs itself; the parent then times the
/// first open of the store it left behind (LogStore replays its WAL, SQLite rebuilds its WAL index
/// and reads the un-checkpointed WAL tail).
enum CrashChild {
    static let flag = "--crash-child"

    /// A private copy of this executable to run as the child: the file behind a running LogBench may be
    /// replaced by a rebuild in the meantime (then /proc/self/exe names a deleted file).
    static func executableCopy(workdir: String) throws -> String {
        let path = workdir + "/LogBench-crash-child"
        if !Files.isExecutable(path) {
            try Data(contentsOf: URL(fileURLWithPath: "/proc/self/exe")).write(to: URL(fileURLWithPath: path))
            chmod(path, 0o755)
        }
        return path
    }

    /// Child side: `LogBench --crash-child NAME DIR RECORDS SEED SHAPE SPAN_NS`. Never returns.
    static func runIfRequested() {
        let args = CommandLine.arguments
        guard args.count == 8, args[1] == flag, let n = Int(args[4]), let seed = UInt64(args[5]),
              let shape = DatasetShape(rawValue: args[6]), let span = Int64(args[7]) else { return }
        let contender: any Contender = args[2] == "sqlite" ? SQLiteContender(shape: shape) : LogStoreContender()
        do {
            var generator = DatasetGenerator(count: n, seed: seed)
            generator.shape = shape
            generator.span = span
            let dataset = try generator.generate(now: wallClockNanosNow(), ndjsonPath: "/dev/null")
            try contender.ingestAndCrash(dataset, into: args[3], plan: contender.crashPlan)
        } catch {
            FileHandle.standardError.write(Data("crash child: \(error)\n".utf8))
            exit(3)
        }
    }
}

extension BenchmarkRun {
    /// Runs the crash child once, then times the first and a second open of what it left.
    func runRecovery() throws {
        let dir = storeDir("crash", 0)
        Files.remove(dir)
        let exe = try CrashChild.executableCopy(workdir: workdir)
        progress("recovery: child ingests \(dataset.count) records (\(contender.crashPlan)) and is killed with SIGKILL")
        settle()
        let child = try ChildProcess.run(exe, [CrashChild.flag, name, dir, String(dataset.count), String(options.seed),
                                               dataset.shape.rawValue, String(options.spanNanos)],
                                         logPath: "\(workdir)/crash-\(name).log")
        guard child.signaled && child.status == SIGKILL else {
            problem("recovery: the crash child ended with \(child.signaled ? "signal" : "status") \(child.status): \(child.output.suffix(300))")
            return
        }
        let leftBytes = Files.treeSize(dir)
        let (first, second) = try phase("recovery after SIGKILL") {
            (try contender.reopenTime(at: dir, readOnly: false), try contender.reopenTime(at: dir, readOnly: false))
        }
        let reader = try contender.openReader(at: dir)
        let recovered = try reader.countAll()
        try reader.close()
        Files.remove(dir)
        progress(String(format: "  first open %.1f ms, second %.1f ms, %d of %d records recovered",
                        first.milliseconds, second.milliseconds, recovered, dataset.count))
        let w = "recovery after SIGKILL"
        report.metrics += [
            Metric(contender: name, workload: w, name: "first open after the kill", unit: "ms", Samples([first.milliseconds]),
                   note: "one child per run: ingest with \(contender.crashPlan), no close, SIGKILL; then open (writer)"),
            Metric(contender: name, workload: w, name: "second open", unit: "ms", Samples([second.milliseconds])),
            Metric(contender: name, workload: w, name: "records recovered", unit: "records", Samples([Double(recovered)])),
            Metric(contender: name, workload: w, name: "files left by the killed process", unit: "MB", Samples([Double(leftBytes) / 1e6])),
        ]
    }
}
