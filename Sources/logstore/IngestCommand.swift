import ArgumentParser
import LogStore
import LogStoreIngest
import Glibc

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Store log lines (NDJSON, logfmt, access logs, syslog, container logs, text, …) from files or standard input.",
        discussion: """
        --format auto (the default): the format of each input is recognised from its first 16 lines \
        (ndjson, logfmt, docker, cri, access, error-log, syslog, else text) and named on standard error.
        --format ndjson: each line is one JSON object. Fields: timestamp/ts/time (RFC 3339, or epoch s/ms/µs/ns), \
        level/log_level/severity, source/worker_name/service, correlation_id/correlationId/trace_id, \
        message/msg; every other field becomes an attribute (nested objects as dotted keys).
        --format logfmt: key=value pairs, the same key names as NDJSON; no timestamp means now.
        --format text: the timestamp is detected at the start of each line (RFC 3339/ISO 8601, \
        syslog "MMM dd HH:mm:ss", Apache/nginx, epoch numbers; else now), the level from tokens \
        such as ERROR, [warn] or E/, and stack-trace lines are joined to the record before them.
        --format access: Apache/nginx common and combined access logs (client, method, path, status, \
        bytes, referer, user_agent; 5xx error, 4xx warning). --format error-log: Apache and nginx error \
        logs. --format syslog: RFC 5424, RFC 3164 and rsyslog files (facility, severity, host, app, \
        procid, structured data as sd.ID.name). --format docker / cri: container logs, split lines and \
        CRI P pieces joined, Kubernetes pod/namespace/container from /var/log/containers names, a JSON \
        message mapped like NDJSON. --format pattern: --pattern 'REGEX' with named captures \
        (timestamp, level, message, source, correlation; others become attributes), \
        --timestamp-layout '%d/%m/%Y %H:%M:%S' for its timestamp. --file-format 'GLOB=FORMAT' sets the \
        format per file (also with --follow). In these formats a line that does not fit is stored as \
        plain text and counted per reason in the summary.
        Bad lines are reported with file, line and reason; the good lines around them are stored, \
        and the exit status is 1.
        --follow: keep following the files (paths or quoted glob patterns) as they grow, through \
        rotation by rename, delete and recreate, and copytruncate, until SIGINT or SIGTERM (exit 0). \
        Each file's position is stored with its records, so a restart (even after a crash or \
        SIGKILL) continues where the store stopped: nothing lost, nothing stored twice. A partial \
        last line is waited for. Every bad line is reported and skipped (no --max-errors limit); the \
        tailer keeps running.
        --summary json prints the summary to standard output as one JSON object instead: accepted, \
        rejected (with rejected_lines: file, line, column and reason of the first --max-errors bad \
        lines; rejected_future and rejected_invalid), dropped (dropped_expired, dropped_duplicates), \
        bytes, inputs and duration_seconds.

        Examples:
          logstore ingest app.ndjson
          cat app.ndjson | logstore ingest --durability sync
          logstore ingest --retention 36h logs/*.ndjson
          logstore ingest --format text --source web /var/log/nginx/error.log
          logstore ingest --format logfmt app.logfmt
          logstore ingest /var/log/nginx/access.log
          logstore ingest --file-format '*access*=access' --file-format '*error*=error-log' /var/log/nginx/*.log
          logstore ingest --pattern '^(?<timestamp>\\S+ \\S+) (?<level>\\w+) (?<message>.*)$' app.log
          logstore ingest --follow --format text /var/log/syslog '/var/log/app/*.log'
          logstore ingest --summary json app.ndjson | jq .rejected
        """
    )

    @OptionGroup var location: StoreLocation

    @Argument(help: ArgumentHelp("Log files; - or nothing for standard input. With --follow: paths or glob patterns.", valueName: "FILE"))
    var files: [String] = []

    @Flag(help: "Follow the files as they grow and rotate, until SIGINT/SIGTERM; resumes where the store stopped.")
    var follow = false

    @Flag(help: .hidden)
    var followPolling = false

    @Option(help: ArgumentHelp("With --follow: how long a rotated file is still read for lines its writer adds before reopening the path (after the rotation and its last growth).", valueName: "SECONDS"))
    var rotateWait: Double = 5

    @Option(help: "auto, ndjson, logfmt, text, access, error-log, syslog, docker, cri or pattern.")
    var format: LineFormat = .auto

    @Option(name: .customLong("file-format"), help: ArgumentHelp("The format of files whose path or name matches GLOB (repeatable; the first match wins).", valueName: "GLOB=FORMAT"))
    var fileFormats: [String] = []

    @Option(help: ArgumentHelp("With --format pattern: a regular expression with named captures (timestamp, level, message, source, correlation; any other name becomes an attribute).", valueName: "REGEX"))
    var pattern: String?

    @Option(help: ArgumentHelp("The layout of --pattern's timestamp capture, strftime-like: %Y %m %d %H %M %S %f %z %b %s %T %F.", valueName: "LAYOUT"))
    var timestampLayout: String?

    @Option(help: ArgumentHelp("Source for records that name none (text lines always); default: the file name.", valueName: "NAME"))
    var source: String?

    @Option(help: "sync (every batch synced), batch (synced every 10 ms), or none.")
    var durability: Durability = .batch

    @Option(help: ArgumentHelp("Set the store's retention (7d, 36h, …); persisted in the store.", valueName: "DURATION"))
    var retention: String?

    @Option(help: "How many bad lines to print before summarizing.")
    var maxErrors = 10

    @Flag(help: "Print no summary line.")
    var quiet = false

    @Option(help: "Summary: text (a line on standard error) or json (an object on standard output).")
    var summary: IngestSummaryFormat = .text

    func validate() throws {
        if follow, files.isEmpty || files.contains("-") {
            throw ValidationError("--follow needs file paths or glob patterns (standard input cannot be followed)")
        }
        if follow, summary == .json {
            throw ValidationError("--summary json does not apply to --follow (it prints a text summary on standard error when stopped)")
        }
        if !(0...3600).contains(rotateWait) {
            throw ValidationError("--rotate-wait: \(rotateWait) is not a number of seconds from 0 to 3600")
        }
        _ = try formats()
        if let retention, DurationParser.parse(retention) == nil {
            throw ValidationError("--retention: '\(retention)' is not a duration like 7d, 36h or 90m")
        }
    }

    func run() throws {
        var options = StoreOptions(durability: durability)
        if let retention, let ns = DurationParser.parse(retention) { options.retention = .nanoseconds(ns) }
        let store = try LogStore.open(at: location.path, options: options)
        if follow { return try runFollow(store) }
        let started = monotonicSeconds()
        var totals = IngestTotals()
        let inputs = files.isEmpty ? ["-"] : files
        let formats = try formats()
        var failure: Error?
        do {
            for file in inputs { try ingest(file, format: formats.format(of: file), formats: formats, into: store, totals: &totals) }
        } catch {
            failure = error
        }
        try store.close()
        if let failure { throw failure }
        let seconds = monotonicSeconds() - started
        if totals.errorsTotal > totals.errorsPrinted {
            Output.error("\(totals.errorsTotal - totals.errorsPrinted) more bad lines not shown (\(totals.errorsTotal) in all)")
        }
        if totals.droppedExpired > 0 {
            Output.error("\(totals.droppedExpired) records were older than the store's retention and were not stored")
        }
        if totals.rejectedFuture > 0 {
            Output.error("\(totals.rejectedFuture) records were rejected: timestamp more than a day in the future")
        }
        if totals.rejectedInvalid > 0 {
            Output.error("\(totals.rejectedInvalid) records were rejected as invalid (over the size limit)")
        }
        if summary == .json {
            var out = Output()
            out.write(totals.json(inputs: inputs.count, seconds: seconds) + "\n")
            out.flush()
        } else if !quiet {
            let mb = Double(totals.bytes) / 1e6
            writeStderr("ingested \(totals.stored) records (\(format(mb)) MB) from \(inputs.count) input\(inputs.count == 1 ? "" : "s") in \(format(seconds)) s: "
                  + "\(Int(Double(totals.stored) / max(seconds, 1e-9))) records/s, \(format(mb / max(seconds, 1e-9))) MB/s; "
                  + "\(totals.errorsTotal + totals.rejectedFuture + totals.rejectedInvalid) rejected"
                  + (totals.lines.keptAsTextSummary.map { "; " + $0 } ?? "") + "\n")
        }
        if totals.errorsTotal + totals.rejectedFuture + totals.rejectedInvalid > 0 { throw CLIFailure.data("") }
    }

    func formats() throws -> IngestFormats {
        try IngestFormats(format: format, rules: fileFormats, pattern: pattern, timestampLayout: timestampLayout)
    }

    private func ingest(_ file: String, format: LineFormat, formats: IngestFormats, into store: LogStore,
                        totals: inout IngestTotals) throws {
        let name = file == "-" ? "<stdin>" : file
        let fd: Int32 = file == "-" ? 0 : open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw CLIFailure.data("logstore: cannot read \(file): \(String(cString: strerror(errno)))")
        }
        defer { if fd != 0 { close(fd) } }
        var parserOptions = LineParserOptions()
        parserOptions.maxRecordBytes = store.options.maxRecordBytes
        parserOptions.source = source ?? (file == "-" ? "" : file)
        parserOptions.path = file == "-" ? nil : file
        parserOptions.pattern = formats.pattern
        parserOptions.yearReference = modificationTime(fd)
        let pipeline = IngestPipeline(fd: fd, name: name, format: format, options: parserOptions)
        var named = format != .auto
        var statistics = LineStatistics()
        defer {
            totals.lines.add(statistics)
            if let detection = statistics.detection { totals.formats.append((name, detection.format)) }
            else if format != .auto { totals.formats.append((name, format)) }
        }
        /// Takes the stream's latest counts and names the format `auto` chose, once.
        func note() {
            statistics = pipeline.statistics
            if !named, let detection = statistics.detection {
                named = true
                if !quiet || summary == .json {
                    writeStderr("\(name): format \(detection.format.rawValue) (recognised from its first lines: \(detection.matched) of \(detection.lines) fit)\n")
                }
            }
        }
        do {
            while let chunk = try pipeline.next() {
                note()
                totals.bytes += chunk.bytes
                try flush(chunk, name: name, store: store, totals: &totals)
                pipeline.recycle(consume chunk)
            }
            note()
        } catch {
            pipeline.cancel()
            throw error
        }
    }

    /// Prints the chunk's bad lines (up to `--max-errors` in all) and appends its rows.
    private func flush(_ chunk: borrowing ParsedChunk, name: String, store: LogStore, totals: inout IngestTotals) throws {
        for e in chunk.errors {
            totals.errorsTotal += 1
            if totals.errorsPrinted < maxErrors {
                totals.errorsPrinted += 1
                writeStderr("\(name):\(e.line):\(e.column): \(e.reason)\n")
                totals.badLines.append(.init(file: name, line: e.line, column: e.column, reason: e.reason))
            }
        }
        guard chunk.rows.count > 0 else { return }
        let receipt = try store.append(rows: chunk.rows)
        totals.stored += receipt.accepted
        totals.droppedExpired += receipt.droppedExpired
        totals.rejectedFuture += receipt.rejectedFuture
        totals.rejectedInvalid += receipt.rejected.count
        totals.droppedDuplicates += receipt.duplicates
    }

    private func format(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return String(r)
    }
}

struct IngestTotals {
    struct BadLine {
        var file: String
        var line: Int
        var column: Int
        var reason: String
    }

    var bytes = 0
    var stored = 0
    var errorsTotal = 0
    var errorsPrinted = 0
    /// The bad lines printed (the first `--max-errors`).
    var badLines: [BadLine] = []
    var droppedExpired = 0
    var droppedDuplicates = 0
    /// Lines kept as text per reason, and the other line counts, over every input.
    var lines = LineStatistics()
    /// The format each input was read in.
    var formats: [(file: String, format: LineFormat)] = []
    var rejectedFuture = 0
    var rejectedInvalid = 0

    /// `"kept_as_text":N,"kept_as_text_reasons":{…},"formats":{FILE:FORMAT,…},` of the summary object.
    var keptAsTextJSON: String {
        let reasons: [String] = lines.unmatched.sorted { $0.key < $1.key }.map { jsonString($0.key) + ":" + String($0.value) }
        let named: [String] = formats.map { jsonString($0.file) + ":" + jsonString($0.format.rawValue) }
        return "\"kept_as_text\":\(lines.unmatchedTotal),\"kept_as_text_reasons\":{" + reasons.joined(separator: ",")
            + "},\"formats\":{" + named.joined(separator: ",") + "},"
    }

    /// The `--summary json` object, on one line.
    func json(inputs: Int, seconds: Double) -> String {
        let lines = badLines.map {
            "{\"file\":\(jsonString($0.file)),\"line\":\($0.line),\"column\":\($0.column),\"reason\":\(jsonString($0.reason))}"
        }
        let rejected = errorsTotal + rejectedFuture + rejectedInvalid
        return "{\"accepted\":\(stored),\"rejected\":\(rejected),\"rejected_lines\":[\(lines.joined(separator: ","))],"
            + "\"rejected_lines_not_listed\":\(errorsTotal - badLines.count),\"rejected_future\":\(rejectedFuture),"
            + "\"rejected_invalid\":\(rejectedInvalid),\"dropped\":\(droppedExpired + droppedDuplicates),"
            + "\"dropped_expired\":\(droppedExpired),\"dropped_duplicates\":\(droppedDuplicates),"
            + keptAsTextJSON
            + "\"bytes\":\(bytes),\"inputs\":\(inputs),\"duration_seconds\":\((seconds * 1e6).rounded() / 1e6)}"
    }
}

/// How `ingest` prints its summary.
enum IngestSummaryFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}

extension Durability: ExpressibleByArgument {}

extension LineFormat: ExpressibleByArgument {}

func monotonicSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}
