import ArgumentParser
import LogStore
import LogStoreIngest

struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Show the timeline of one request or job: every record of a correlation ID.",
        discussion: """
        Each step shows its time from the first record (+2m 30.1s) and since the previous one, its \
        level and message, colour-coded on a terminal (green info, yellow warning, red error, blue \
        debug; plain text through pipes or with NO_COLOR set). Attributes and multi-line messages \
        (stack traces) are indented beneath. A summary line ends the trace: the final status (failed \
        if any record is error or worse), the number of steps, the total duration and the sources. \
        Exit status 1 when the ID has no records.

        Examples:
          logstore trace 3f2a9c1e-7b7d-4c11-9f0e-2b1c4d5e6f70
          logstore trace job-2026-11-22-0001 --format json | jq .status
        """
    )

    @OptionGroup var location: StoreLocation

    @Argument(help: ArgumentHelp("The correlation ID (request, trace or job ID).", valueName: "CORRELATION-ID"))
    var correlationID: String

    @Option(help: "Output format: text or json.")
    var format: SummaryFormat = .text

    func validate() throws {
        if correlationID.isEmpty { throw ValidationError("the correlation ID must not be empty") }
    }

    func run() throws {
        let store = try location.openForReading()
        let records = try store.records(LogQuery(correlationID: correlationID))
        guard let first = records.first, let last = records.last else {
            throw CLIFailure.data("logstore: no records with correlation ID \(correlationID)")
        }
        let failed = records.contains { $0.level >= .error }
        var sources: [String] = []
        for r in records where !sources.contains(r.source) { sources.append(r.source) }
        let total = last.timestamp &- first.timestamp
        var out = Output()
        if format == .json {
            var s = "{\"correlation_id\":\(jsonString(correlationID)),\"status\":\"\(failed ? "failed" : "ok")\",\"steps\":\(records.count),"
            s += "\"duration_ns\":\(total),\"duration\":\(jsonString(Format.duration(total))),"
            s += "\"start\":\(jsonString(TimestampParser.formatRFC3339(first.timestamp))),\"sources\":[\(sources.map(jsonString).joined(separator: ","))],\"records\":["
            var previous = first.timestamp
            for (i, r) in records.enumerated() {
                if i > 0 { s += "," }
                s += "{\"offset_ns\":\(r.timestamp &- first.timestamp),\"since_previous_ns\":\(r.timestamp &- previous),\"record\":"
                s += RecordPrinter.ndjson(r).dropLast() + "}"
                previous = r.timestamp
            }
            out.write(s + "]}\n")
        } else {
            let p = Palette(enabled: Terminal.colors(1))
            out.write(p.bold("trace \(correlationID)") + "  started \(TimestampParser.formatRFC3339(first.timestamp))\n")
            let showSource = sources.count > 1
            var previous = first.timestamp
            for r in records {
                let offset = "+" + Format.duration(r.timestamp &- first.timestamp)
                let delta = "(+" + Format.duration(r.timestamp &- previous) + ")"
                previous = r.timestamp
                var lines = r.message.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                let head = lines.isEmpty ? "" : lines.removeFirst()
                var line = offset.rightAligned(12) + " " + p.dim(delta.padded(12)) + " " + p.level(r.level, r.level.name.uppercased().padded(8))
                if showSource { line += " " + r.source }
                out.write(line + " " + head + "\n")
                let indent = String(repeating: " ", count: 35)
                for l in lines { out.write(indent + p.dim(l) + "\n") }
                for a in r.attributes {
                    let text = a.value.description
                    let valueLines = text.split(separator: "\n", omittingEmptySubsequences: false)
                    out.write(indent + p.dim(a.key + "=") + String(valueLines.first ?? "") + "\n")
                    for v in valueLines.dropFirst() { out.write(indent + "  " + v + "\n") }
                }
            }
            let status = failed ? p.red("FAILED") : p.green("OK")
            out.write("\(status) · \(records.count) steps · \(Format.duration(total)) · sources: \(sources.map { $0.isEmpty ? "-" : $0 }.joined(separator: ", "))\n")
        }
        out.flush()
    }
}
