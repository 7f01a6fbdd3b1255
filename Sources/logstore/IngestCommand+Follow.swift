import LogStore
import LogStoreIngest
import LogStoreTail
import Synchronization
import Glibc

/// Set by SIGINT and SIGTERM while `ingest --follow` runs.
private let stopRequested = Atomic<Bool>(false)

extension IngestCommand {
    /// `ingest --follow`: runs a ``FileTailer`` until SIGINT or SIGTERM, then closes the store (which
    /// flushes it) and exits 0. The batch in progress when the signal arrives is stored first.
    func runFollow(_ store: LogStore) throws {
        let handler: @convention(c) (Int32) -> Void = { _ in stopRequested.store(true, ordering: .relaxed) }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
        // A parent may have started us with these blocked (Foundation's Process blocks every signal).
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        sigaddset(&unblock, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        var parserOptions = LineParserOptions()
        parserOptions.source = source ?? ""
        let formats = try formats()
        parserOptions.pattern = formats.pattern
        var tailOptions = TailOptions()
        tailOptions.polling = followPolling
        tailOptions.rotateWait = max(0, rotateWait)
        let tailer = FileTailer(store: store, patterns: files, format: format, parserOptions: parserOptions,
                                options: tailOptions)
        if !formats.rules.isEmpty { tailer.formatOfPath = { formats.format(of: $0) } }
        if !quiet, tailer.isPolling { writeStderr("logstore: polling: checking the files every \(tailOptions.pollInterval) s (inotify unavailable or --follow-polling)\n") }
        let started = monotonicSeconds()
        do {
            try tailer.run(shouldStop: { stopRequested.load(ordering: .relaxed) }) { event in
                switch event {
                case .badLine:
                    writeStderr("\(event)\n")
                case .lost:
                    // Always shown, also with --quiet: records that will never be stored.
                    writeStderr("logstore: \(event)\n")
                default:
                    if !quiet { writeStderr("logstore: \(event)\n") }
                }
            }
        } catch {
            try? store.close()
            throw CLIFailure.data("logstore: \(error.message)")
        }
        try store.close()
        if !quiet {
            let t = tailer.totals
            let seconds = monotonicSeconds() - started
            writeStderr("followed for \(Int(seconds)) s: stored \(t.stored) records (\(t.bytesRead) bytes read) in \(t.batches) batches; "
                        + "\(t.badLines) bad lines, \(t.rejected) rejected by the store"
                        + (t.lostBytes > 0 ? "; LOST at least \(t.lostBytes) bytes that could no longer be read" : "") + "\n")
        }
    }
}
