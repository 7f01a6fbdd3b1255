import LogStoreIngest
import ArgumentParser
import LogStore
import Glibc

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every checksum and structural rule of the store; rescue what is readable.",
        discussion: """
        Works offline and beside a running writer; changes nothing in the store. Each problem is named \
        by file, byte offset and block. Exit status 0 when the store is intact, 1 when damage was \
        found. A torn WAL tail left by a crash is a note, not damage: the next open cuts it. A \
        progress bar is drawn on standard error when it is a terminal.

        --salvage OUT copies every readable record into a new store at OUT (which must not exist \
        yet), or with --format ndjson into the NDJSON file OUT (- for standard output), and says how \
        many records were saved and lost. A segment whose footer is unreadable is scanned for its \
        blocks (each block header is checksummed and counts its records), so its intact blocks are \
        saved too; only bytes holding no readable block header are loss of unknown size.

        Examples:
          logstore verify --store /var/lib/collector/logs
          logstore verify --format json | jq '.problems[]'
          logstore verify --store damaged --salvage rescued
          logstore verify --store damaged --salvage rescued.ndjson --format ndjson
        """
    )

    @OptionGroup var location: StoreLocation

    @Flag(help: "Print only problems.")
    var quiet = false

    @Option(help: ArgumentHelp("Copy every readable record into a new store at OUT (or an NDJSON file with --format ndjson).", valueName: "OUT"))
    var salvage: String?

    @Option(help: "Output format: text, json (the report), or ndjson (with --salvage: write records as NDJSON).")
    var format: VerifyFormat = .text

    func validate() throws {
        if format == .ndjson && salvage == nil { throw ValidationError("--format ndjson needs --salvage OUT (the file the records go to)") }
    }

    func run() throws {
        let path = location.path
        guard isDirectory(path) else { throw CLIFailure.data("logstore: no store at \(path)") }
        var bar = ProgressBar("verifying", enabled: Terminal.isTTY(2) && !quiet)
        let report = try LogStore.verify(at: path, progress: { done, total in bar.update(done, of: total) })
        bar.finish()
        var salvaged: SalvageReport?
        if let salvage {
            salvaged = try Salvage(source: path, destination: salvage, ndjson: format == .ndjson).run(quiet: quiet)
        }
        if format == .json {
            print(VerifyJSON.render(report, salvage: salvaged))
        } else {
            let p = Palette(enabled: Terminal.colors(1))
            for d in report.problems { print("\(p.red("DAMAGE")) \(d)") }
            if !quiet { for n in report.notes { print("note: \(n)") } }
            if !quiet || !report.isClean {
                print("\(report.isClean ? p.green("ok") : p.red("damaged")): \(report.segmentsChecked) segments, \(report.blocksChecked) blocks, "
                      + "\(report.walFilesChecked) WAL files, \(report.recordsChecked) records checked; \(report.problems.count) problems")
            }
            if let salvaged, let salvage {
                let unknown = salvaged.unknownLoss.isEmpty ? "" : " (and an unknown number in \(salvaged.unknownLoss.count) unreadable regions)"
                // With records on standard output, the summary goes to standard error.
                let line = "salvage: saved \(salvaged.saved) records to \(salvage), lost \(salvaged.lost)\(unknown)"
                if salvage == "-" { writeStderr(line + "\n") } else { print(line) }
            }
        }
        if !report.isClean { throw CLIFailure(status: 1, message: "") }
    }
}

enum VerifyFormat: String, CaseIterable, ExpressibleByArgument {
    case text
    case json
    case ndjson
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

    @Option(help: "Output format: text or json.")
    var format: SummaryFormat = .text

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
        if format == .json {
            print("{\"segments_removed\":\(report.segmentsRemoved),\"records_removed\":\(report.recordsRemoved),\"bytes_freed\":\(report.bytesFreed),\"retention_seconds\":\(store.settings.retentionSeconds)}")
        } else {
            print("removed \(report.segmentsRemoved) segments (\(report.recordsRemoved) records, \(Format.bytes(Int64(report.bytesFreed)))); retention \(days) days")
        }
    }
}
