import ArgumentParser
import Dispatch
import LogStore
import LogStoreFilter
import Synchronization
import Glibc

struct TailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Print the last N matching records; with -f, keep printing new ones.",
        discussion: """
        -f follows the store from its files (LogStore.follow), also while another process writes \
        it: after the last N records, every record committed from then on that matches is printed \
        once, in commit order, as soon as its WAL frame is written (the store's wal/ directory is \
        watched with inotify). A late record, whose timestamp is older than records already shown, \
        is printed when it arrives. Records that a flush moved into segments before tail read them \
        are read from the segments, so none is missed. Records it cannot read (a damaged WAL frame \
        or segment block) are named on standard error ("warning: damaged records not shown: FILE at \
        byte OFFSET ...") and every readable record is still printed. Ctrl-C (SIGINT) or SIGTERM \
        ends it with exit status 0. With --ready-file PATH, once following has its starting \
        position tail writes that sequence number to PATH (a script can start its writer then, \
        knowing every record it commits will be printed).

        Examples:
          logstore tail -n 50 --level warning
          logstore tail -f --where 'source = "api" and attr.status >= 500'
          logstore tail -f --format ndjson | jq .message
        """
    )

    @OptionGroup var location: StoreLocation
    @OptionGroup var filters: QueryFilters

    @Option(name: .customShort("n"), help: "How many of the latest matching records to print first.")
    var count = 10

    @Flag(name: .customShort("f"), help: "Follow: keep printing new matching records until interrupted.")
    var follow = false

    @Option(help: ArgumentHelp("Ignored: -f no longer polls (kept so that existing scripts still run).",
                               valueName: "MS", visibility: .hidden))
    var interval = 500

    @Option(help: "Output format: text, ndjson or json (the same as ndjson).")
    var format: RecordFormat = .text

    @Option(name: .customLong("ready-file"),
            help: ArgumentHelp("With -f: once following, write the sequence number it follows after to PATH.",
                               valueName: "PATH"))
    var readyFile: String?

    func validate() throws {
        if count < 0 { throw ValidationError("-n must not be negative") }
        if readyFile != nil && !follow { throw ValidationError("--ready-file applies only with -f") }
    }

    func run() throws {
        let store = try location.openForReading()
        let plan = try filters.plan(now: store.options.clock())
        var latest: [LogRecord] = []
        var records = try FilteredRecords(store, plan, limit: count, order: .descending)
        while let r = try records.next() { latest.append(r) }
        // Following continues after every record this snapshot holds, matching or not.
        let start = store.latestSequence
        try store.close()
        var out = Output()
        for r in latest.reversed() { out.write(format.line(r)) }
        out.flush()
        guard follow else { return }
        try Self.follow(location.path, plan: plan, after: start, format: format, readyFile: readyFile)
    }

    /// Prints the records committed after sequence `after` that pass `plan`, until a signal ends the process.
    /// Once the follower is positioned, writes `after` to `readyFile` (when given).
    static func follow(_ path: String, plan: FilterPlan, after: UInt64, format: RecordFormat,
                       readyFile: String? = nil) throws {
        // Ctrl-C ends a follow cleanly: output is flushed after every record, so nothing is lost.
        signal(SIGINT) { _ in _exit(0) }
        signal(SIGTERM) { _ in _exit(0) }
        // A parent may have started this process with the signals blocked; unblock them.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        sigprocmask(SIG_UNBLOCK, &set, nil)
        var query = plan.query
        query.limit = nil
        let follower = try LogStore.follow(directory: path, filter: query, after: after, bufferSize: 4096)
        if let readyFile { try Self.announceReady(after: after, in: readyFile) }
        let failure = FollowFailure()
        let done = DispatchSemaphore(value: 0)
        Task {
            var out = Output()
            do {
                for try await event in follower {
                    switch event {
                    case .record(let r) where plan.matches(r): out.write(format.line(r))
                    case .record: break
                    case .lagged(let skipped): Output.error("\(skipped) records skipped: tail fell behind")
                    case .damaged(let damage):
                        // The store's path leads, so the message names the file to look at.
                        Output.error("warning: damaged records not shown: \(path)/\(damage); run `logstore verify`")
                    }
                    out.flush()
                }
            } catch {
                failure.error.withLock { $0 = error }
            }
            done.signal()
        }
        done.wait()
        if let error = failure.error.withLock({ $0 }) { throw error }
    }
}

extension TailCommand {
    /// Writes "`after`\n" to `path` whole (a temporary file renamed over it), so that a script that sees
    /// the file never reads part of it: every record committed from now on has a larger sequence number
    /// and will be printed.
    static func announceReady(after: UInt64, in path: String) throws {
        let temporary = path + ".tmp-\(getpid())"
        let file = try OutputFile(creating: temporary, exclusive: false)
        let bytes = Array("\(after)\n".utf8)
        let written = bytes.withUnsafeBytes { write(file.fd, $0.baseAddress, $0.count) }
        let writeError = errno
        do { try file.finish() } catch {
            unlink(temporary)
            throw error
        }
        guard written == bytes.count else {
            unlink(temporary)
            throw CLIFailure.data("logstore: cannot write \(temporary): \(String(cString: strerror(writeError)))")
        }
        guard rename(temporary, path) == 0 else {
            let error = errno
            unlink(temporary)
            throw CLIFailure.data("logstore: cannot write the ready file \(path): \(String(cString: strerror(error)))")
        }
    }
}

/// What ended a follow, handed from the task that printed to the command.
private final class FollowFailure: Sendable {
    let error = Mutex<(any Error)?>(nil)
}
