import ArgumentParser
import LogStore
import LogStoreIngest
import Glibc
import LogStoreFormat

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Stream matching records out as NDJSON or CSV.",
        discussion: """
        Records stream in chronological order with bounded memory. CSV has a header line \
        (seq,timestamp,level,source,correlation_id,message,attributes; attributes as one JSON \
        object) and RFC 4180 quoting. With -o FILE on a terminal a progress bar is drawn on \
        standard error. The file is created or replaced.

        Examples:
          logstore export --since 1d --format ndjson -o yesterday.ndjson
          logstore export --where 'level >= error' --format csv > errors.csv
        """
    )

    @OptionGroup var location: StoreLocation
    @OptionGroup var filters: QueryFilters

    @Option(help: "ndjson, json (the same as ndjson) or csv.")
    var format: ExportFormat = .ndjson

    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("Write to FILE instead of standard output.", valueName: "FILE"))
    var output: String?

    @Option(help: "At most N records.")
    var limit: Int?

    func validate() throws {
        if let limit, limit < 0 { throw ValidationError("--limit must not be negative") }
    }

    func run() throws {
        let store = try location.openForReading()
        let plan = try filters.plan(now: store.options.clock())
        // Standard output is borrowed, never closed; a file is owned by `file` (closed once).
        let file = output == nil || output == "-" ? nil : try OutputFile(creating: output ?? "", exclusive: false)
        let fd = file?.fd ?? 1
        var bar = ProgressBar("exporting", enabled: fd != 1 && Terminal.isTTY(2))
        // The total for the bar: exact when the engine answers the whole filter, else an upper bound.
        let total = bar.enabled ? min(limit ?? .max, try store.count(plan.query)) : 0
        var out = Output(fd: fd, fileName: fd == 1 ? nil : output)
        if format == .csv { out.write("seq,timestamp,level,source,correlation_id,message,attributes\n") }
        var records = try FilteredRecords(store, plan, limit: limit)
        var n = 0
        while let r = try records.next() {
            out.write(format == .csv ? Self.csv(r) : RecordPrinter.ndjson(r))
            n += 1
            if n & 1023 == 0 { bar.update(n, of: total) }
        }
        out.flush()
        bar.finish()
        if let file {
            try file.finish()
            writeStderr("exported \(n) records to \(output ?? "")\n")
        }
    }

    /// One CSV row; the attributes column holds a JSON object.
    static func csv(_ r: LogRecord) -> String {
        var attrs = JSONWriter()
        attrs.attributes(r.attributes)
        return [String(r.sequence), TimestampParser.formatRFC3339(r.timestamp), r.level.name, r.source, r.correlationID ?? "",
                r.message, r.attributes.isEmpty ? "" : attrs.text].map(Format.csv).joined(separator: ",") + "\n"
    }
}

enum ExportFormat: String, CaseIterable, ExpressibleByArgument {
    case ndjson
    case json
    case csv
}
