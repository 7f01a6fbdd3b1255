import LogStoreIngest
import ArgumentParser
import LogStore
#if canImport(Glibc)
import Glibc
#endif

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every checksum and structural rule of the store.",
        discussion: """
        Works offline and beside a running writer; changes nothing. Each problem is named by file and \
        byte offset. Exit status 0 when the store is intact, 1 when damage was found. A torn WAL tail \
        left by a crash is a note, not damage: the next open cuts it.

        Example:
          logstore verify --store /var/lib/collector/logs
        """
    )

    @OptionGroup var location: StoreLocation

    @Flag(help: "Print only problems.")
    var quiet = false

    func run() throws {
        let path = location.path
        let showProgress = isatty(2) == 1 && !quiet
        guard isDirectory(path) else { throw CLIFailure.data("logstore: no store at \(path)") }
        let report = try LogStore.verify(at: path, progress: showProgress ? { done, total in
            writeStderr("\rverifying \(done)/\(total) files")
        } : nil)
        if showProgress { writeStderr("\r\u{1B}[K") }
        for p in report.problems { print("DAMAGE \(p)") }
        if !quiet { for n in report.notes { print("note: \(n)") } }
        if !quiet || !report.isClean {
            print("\(report.isClean ? "ok" : "damaged"): \(report.segmentsChecked) segments, \(report.blocksChecked) blocks, "
                  + "\(report.walFilesChecked) WAL files, \(report.recordsChecked) records checked; \(report.problems.count) problems")
        }
        if !report.isClean { throw CLIFailure(status: 1, message: "") }
    }
}

struct ExpireCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expire",
        abstract: "Apply retention now: delete segments older than the retention period.",
        discussion: """
        Examples:
          logstore expire
          logstore expire --retention 3d      # also persists the new retention
        """
    )

    @OptionGroup var location: StoreLocation

    @Option(help: ArgumentHelp("Set the store's retention first (7d, 36h, …); persisted.", valueName: "DURATION"))
    var retention: String?

    func validate() throws {
        if let retention, DurationParser.parse(retention) == nil {
            throw ValidationError("--retention: '\(retention)' is not a duration like 7d, 36h or 90m")
        }
    }

    func run() throws {
        var options = StoreOptions()
        options.createIfMissing = false
        if let retention, let ns = DurationParser.parse(retention) { options.retention = .nanoseconds(ns) }
        guard isDirectory(location.path) else { throw CLIFailure.data("logstore: no store at \(location.path)") }
        let store = try LogStore.open(at: location.path, options: options)
        let report = try store.expire()
        let days = Double(store.settings.retentionSeconds) / 86_400
        try store.close()
        print("removed \(report.segmentsRemoved) segments (\(report.recordsRemoved) records, \(report.bytesFreed) bytes); retention \(days) days")
    }
}
