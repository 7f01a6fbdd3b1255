import ArgumentParser
import LogStore
import LogStoreIngest
import Glibc
import LogStoreFormat

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show what is inside a store's segment files, offline and read-only.",
        discussion: """
        Given a store directory (or nothing: --store, $LOGSTORE_DIR, ./logstore-data), lists its \
        segments with time range, records, bytes and compression ratio, and the positions producers \
        stored with their records (checkpoints; for `ingest --follow`, each file's inode, byte offset \
        and next line). Given segment files, also \
        inside a copy taken away from its store, shows each one's header, footer, block table with \
        checksum status and index statistics; --records decodes and prints the records. Never \
        writes a file and never takes the store's lock. Exit status 1 when a file is damaged.

        Examples:
          logstore inspect --store /var/lib/collector/logs
          logstore inspect /var/lib/collector/logs/segments/0000000000000003.seg
          logstore inspect /tmp/copy.seg --records --block 2
          logstore inspect /tmp/copy.seg --format json | jq '.blocks[] | select(.status != "ok")'
        """
    )

    @OptionGroup var location: StoreLocation

    @Argument(help: ArgumentHelp("Store directories or segment files.", valueName: "PATH"))
    var paths: [String] = []

    @Flag(help: "Decode and print the records of each segment file.")
    var records = false

    @Option(help: ArgumentHelp("With a segment file: only this block (table row and --records).", valueName: "N"))
    var block: Int?

    @Option(help: "Output format: text or json.")
    var format: SummaryFormat = .text

    func run() throws {
        var out = Output()
        var damaged = false
        let targets = paths.isEmpty ? [location.path] : paths
        if format == .json && targets.count > 1 { out.write("[") }
        for (i, path) in targets.enumerated() {
            if format == .json && i > 0 { out.write(",") }
            if isDirectory(path) {
                damaged = try StoreListing(directory: path).write(to: &out, json: format == .json) || damaged
            } else {
                guard access(path, R_OK) == 0 else { throw CLIFailure.data("logstore: cannot read \(path): \(String(cString: strerror(errno)))") }
                let inspection = SegmentInspection(path: path, onlyBlock: block, withRecords: records)
                damaged = inspection.write(to: &out, json: format == .json) || damaged
            }
        }
        if format == .json && targets.count > 1 { out.write("]") }
        if format == .json { out.write("\n") }
        out.flush()
        if damaged { throw CLIFailure(status: 1, message: "") }
    }
}

/// The segments of one store directory, one table row each.
struct StoreListing {
    let directory: String

    /// Writes the listing; returns true when a segment could not be opened.
    func write(to out: inout Output, json: Bool) throws -> Bool {
        let segDir = isDirectory(directory + "/segments") ? directory + "/segments" : directory
        let names = try listSegmentNames(segDir)
        var rows: [[String]] = []
        var items: [String] = []
        var damaged = false
        var totalRecords: UInt64 = 0, totalBytes: Int64 = 0, totalRaw: Int64 = 0
        for name in names {
            let opened: SegmentFile
            do throws(LogStoreError) { opened = try SegmentFile.open(segDir + "/" + name) } catch {
                damaged = true
                rows.append([name, "DAMAGED: " + error.description, "", "", "", "", "", "", ""])
                items.append("{\"file\":\(jsonString(name)),\"ok\":false,\"error\":\(jsonString(error.description))}")
                continue
            }
            do {
                let s = opened
                let raw = Int64(s.footer.blocks.reduce(0) { $0 + $1.rawLength })
                totalRecords += s.footer.recordCount; totalBytes += s.fileSize; totalRaw += raw
                let ratio = s.fileSize > 0 ? Double(raw) / Double(s.fileSize) : 0
                rows.append([name, TimestampParser.formatRFC3339(s.footer.minTimestamp), TimestampParser.formatRFC3339(s.footer.maxTimestamp),
                             String(s.footer.recordCount), String(s.footer.blocks.count), Format.bytes(s.fileSize), Format.bytes(raw),
                             Format.fixed(ratio, 1) + "×", "v\(s.header.version)"])
                items.append("{\"file\":\(jsonString(name)),\"ok\":true,\"version\":\(s.header.version),\"segment_id\":\(s.header.segmentID),"
                             + "\"flush_id\":\(s.header.flushID),\"min_timestamp\":\(jsonString(TimestampParser.formatRFC3339(s.footer.minTimestamp))),"
                             + "\"max_timestamp\":\(jsonString(TimestampParser.formatRFC3339(s.footer.maxTimestamp))),\"records\":\(s.footer.recordCount),"
                             + "\"blocks\":\(s.footer.blocks.count),\"bytes\":\(s.fileSize),\"raw_bytes\":\(raw),\"compression_ratio\":\(Format.fixed(ratio, 2))}")
            }
        }
        // Producers' positions (a store directory only; a folder of copied segments has none).
        var checkpoints: CheckpointListing?
        var checkpointProblem: String?
        let manifest = isDirectory(directory + "/segments") ? ManifestListing(store: directory, segmentNames: names) : nil
        if isDirectory(directory + "/segments") {
            do throws(LogStoreError) { checkpoints = try CheckpointListing(store: directory) } catch {
                checkpointProblem = error.description
                damaged = true
            }
        }
        if json {
            let cp = checkpoints.map { ",\"checkpoints\":" + $0.json() } ?? checkpointProblem.map { ",\"checkpoints_error\":" + jsonString($0) } ?? ""
            let mf = manifest.map { ",\"manifest\":" + $0.json() } ?? ""
            out.write("{\"store\":\(jsonString(directory)),\"segments\":[\(items.joined(separator: ","))],\"records\":\(totalRecords),\"bytes\":\(totalBytes),\"raw_bytes\":\(totalRaw)\(mf)\(cp)}")
        } else {
            let ratio = totalBytes > 0 ? Double(totalRaw) / Double(totalBytes) : 0
            out.write("store \(directory): \(names.count) segments, \(totalRecords) records, \(Format.bytes(totalBytes)) on disk (\(Format.bytes(totalRaw)) raw, \(Format.fixed(ratio, 1))×)\n")
            if !rows.isEmpty {
                out.write(Format.table(["SEGMENT", "FROM", "TO", "RECORDS", "BLOCKS", "BYTES", "RAW", "RATIO", "FORMAT"], rows, rightAligned: [3, 4, 5, 6, 7]))
            }
            if let manifest { out.write(manifest.text()) }
            if let checkpoints { out.write(checkpoints.text()) }
            if let checkpointProblem { out.write("checkpoints: DAMAGED: \(checkpointProblem)\n") }
        }
        return damaged
    }
}

/// The `*.seg` files of a directory, sorted.
func listSegmentNames(_ directory: String) throws -> [String] {
    guard let dir = opendir(directory) else {
        throw CLIFailure.data("logstore: cannot list \(directory): \(String(cString: strerror(errno)))")
    }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafePointer(to: entry.pointee.d_name) { p in
            p.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
        }
        if SegmentFormat.segmentID(name) != nil { names.append(name) }
    }
    return names.sorted()
}

func jsonString(_ s: String) -> String { JSONWriter.quoted(s) }
