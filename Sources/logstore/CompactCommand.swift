import ArgumentParser
import LogStore

/// `logstore compact`: merges small segments now (docs/FORMAT.md, section 10).
struct CompactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Merge small segments of adjacent time into larger compacted segments now.",
        discussion: """
        A writer also compacts in the background; this runs it at once, at full speed, for every
        window that holds two or more small segments. Takes the writer lock (stop the collector, or
        let its background compaction do the work). Expired records are left out.

        Examples:
          logstore compact
          logstore compact --format json
        """
    )

    @OptionGroup var location: StoreLocation

    @Option(help: "Output format: text or json.")
    var format: SummaryFormat = .text

    func run() throws {
        var options = StoreOptions()
        options.createIfMissing = false
        options.compactInBackground = false
        guard isDirectory(location.path) else { throw CLIFailure.data("logstore: no store at \(location.path)") }
        let store = try LogStore.open(at: location.path, options: options)
        let report: CompactionReport
        do {
            report = try store.compact()
        } catch {
            try? store.close()
            throw error
        }
        try store.close()
        if format == .json {
            print("{\"segments_replaced\":\(report.segmentsReplaced),\"segments_written\":\(report.segmentsWritten),\"records\":\(report.recordsWritten),\"bytes_before\":\(report.bytesBefore),\"bytes_after\":\(report.bytesAfter)}")
        } else {
            print("compacted \(report.segmentsReplaced) segments into \(report.segmentsWritten) (\(report.recordsWritten) records, \(Format.bytes(report.bytesBefore)) → \(Format.bytes(report.bytesAfter)))")
        }
    }
}
