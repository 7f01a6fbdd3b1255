import ArgumentParser
import LogStore
import Glibc

/// A test aid: appends records one at a time with durability `sync` and prints `ack SEQ MESSAGE`
/// for each acknowledged record, so a crash test can kill it with SIGKILL at any moment and check
/// that every acknowledged record survived.
struct CrashWriterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crash-writer",
        abstract: "Append records forever with durability sync, printing each acknowledgement (for crash tests).",
        shouldDisplay: false
    )

    @OptionGroup var location: StoreLocation

    @Option(help: "Seed that makes the messages distinct between runs.")
    var seed: Int = 0

    @Option(help: "Stop after N records (default: never).")
    var count: Int = .max

    @Option(help: "Records per append.")
    var batch: Int = 1

    @Flag(help: "Give record N the idempotency key k-SEED-N (a rerun with the same seed retries the same events).")
    var keyed = false

    @Option(help: ArgumentHelp("Instead of appending, compact the store and kill this process with SIGKILL at a step of the compaction: \(CompactionStep.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "STEP"))
    var compactCrashAt: String?

    func validate() throws {
        if let compactCrashAt, CompactionStep(rawValue: compactCrashAt) == nil {
            throw ValidationError("--compact-crash-at: '\(compactCrashAt)' is not a compaction step")
        }
    }

    func run() throws {
        if let compactCrashAt, let step = CompactionStep(rawValue: compactCrashAt) { return try compactAndCrash(at: step) }
        var options = StoreOptions(durability: .sync)
        options.headFlushBytes = 256 << 10
        options.blockSize = 4096
        let store = try LogStore.open(at: location.path, options: options)
        var i = 0
        let base = store.options.clock()
        while i < count {
            var records: [LogRecord] = []
            for j in 0..<max(1, batch) {
                let n = i + j
                records.append(LogRecord(timestamp: base + Int64(n) * 1_000_000 - Int64(n % 7) * 5_000_000,
                                         level: LogLevel.allCases[n % LogLevel.count], source: "crash-\(seed)",
                                         correlationID: "run-\(seed)-\(n / 10)", message: "m-\(seed)-\(n)",
                                         attributes: [Attribute("n", .int(Int64(n)))],
                                         idempotencyKey: keyed ? IdempotencyKey("k-\(seed)-\(n)") : nil))
            }
            let receipt = try store.append(records)
            var line = ""
            for (k, r) in records.enumerated() { line += "ack \(receipt.firstSequence + UInt64(k)) \(r.message)\n" }
            _ = line.withCString { write(1, $0, strlen($0)) }
            i += records.count
        }
        try store.close()
    }

    /// Compacts the store and dies with SIGKILL when the compaction reaches `step`; prints
    /// `compacted` when it finished without reaching it.
    private func compactAndCrash(at step: CompactionStep) throws {
        var options = StoreOptions(durability: .sync)
        options.compactInBackground = false
        options.compactionHook = { reached in
            if reached == step { kill(getpid(), SIGKILL) }
        }
        let store = try LogStore.open(at: location.path, options: options)
        try store.compact()
        try store.close()
        print("compacted")
    }
}
