import LogStore
import LogStoreIngest
import LogStoreFormat

/// The full picture of one segment file: header, footer, block table with checksum status, index
/// statistics and (optionally) its records.
struct SegmentInspection {
    let path: String
    let onlyBlock: Int?
    let withRecords: Bool

    /// Writes the inspection; returns true when the file or any block is damaged.
    func write(to out: inout Output, json: Bool) -> Bool {
        let file: SegmentFile
        do { file = try SegmentFile.open(path) } catch {
            if json { out.write("{\"file\":\(jsonString(path)),\"ok\":false,\"error\":\(jsonString(error.description))}") }
            else { out.write("segment \(path): DAMAGED: \(error.description)\n") }
            return true
        }
        let h = file.header, f = file.footer
        var levels = [UInt64](repeating: 0, count: LogLevel.count)
        var sourceCounts = [UInt64](repeating: 0, count: f.sources.count)
        for b in f.blocks {
            for (i, c) in b.levelCounts.enumerated() where i < levels.count { levels[i] += UInt64(c) }
            for sc in b.sourceCounts where Int(sc.source) < sourceCounts.count { sourceCounts[Int(sc.source)] += UInt64(sc.count) }
        }
        // Versions 4 and 5 keep the correlation index in checksummed pages before the footer (FORMAT.md 5.6).
        var damaged = false
        var indexStatus = "ok"
        var distinctIDs = 0
        do { distinctIDs = Set(try file.correlationPairs().map(\.hash)).count } catch {
            damaged = true
            indexStatus = "DAMAGED at byte \(error.offset ?? 0): \(error.message)"
        }
        let pageCount = f.correlationFence?.pages.count ?? 0
        let footerOffset = Int64(f.correlationFence?.end ?? f.blocksEnd)
        let footerLength = file.fileSize - Int64(SegmentFormat.trailerSize) - footerOffset
        let indexes = onlyBlock.map { [$0] } ?? Array(f.blocks.indices)

        var blockRows: [[String]] = [], blockItems: [String] = [], recordLines: [String] = []
        for i in indexes {
            guard i >= 0 && i < f.blocks.count else {
                damaged = true
                blockRows.append([String(i), "no such block (the segment has \(f.blocks.count))"])
                continue
            }
            let b = f.blocks[i]
            var status = "ok"
            do {
                let records = try file.records(inBlock: i)
                if withRecords {
                    for r in records { recordLines.append(json ? RecordPrinter.ndjson(r).dropLast().description : RecordPrinter.text(r)) }
                }
            } catch {
                damaged = true
                status = "DAMAGED at byte \(error.offset ?? Int(b.offset)): \(error.message)"
            }
            let ratio = b.storedLength > 0 ? Double(b.rawLength) / Double(b.diskLength) : 0
            blockRows.append([String(i), String(b.offset), String(b.diskLength), String(b.rawLength), Format.fixed(ratio, 1) + "×",
                              TimestampParser.formatRFC3339(b.minTimestamp), TimestampParser.formatRFC3339(b.maxTimestamp),
                              String(b.recordCount), "\(b.minSequence)-\(b.maxSequence)", status])
            blockItems.append("{\"index\":\(i),\"offset\":\(b.offset),\"stored_bytes\":\(b.diskLength),\"raw_bytes\":\(b.rawLength),"
                              + "\"sections\":\(b.sections.count),\"checksum\":\(b.checksum),"
                              + "\"min_timestamp\":\(jsonString(TimestampParser.formatRFC3339(b.minTimestamp))),"
                              + "\"max_timestamp\":\(jsonString(TimestampParser.formatRFC3339(b.maxTimestamp))),"
                              + "\"records\":\(b.recordCount),\"min_sequence\":\(b.minSequence),\"max_sequence\":\(b.maxSequence),"
                              + "\"status\":\(jsonString(status))}")
        }
        let levelPairs = LogLevel.allCases.filter { levels[Int($0.rawValue)] > 0 }.map { ($0.name, levels[Int($0.rawValue)]) }
        if json {
            var s = "{\"file\":\(jsonString(path)),\"ok\":\(!damaged),\"bytes\":\(file.fileSize),"
            s += "\"header\":{\"version\":\(h.version),\"segment_id\":\(h.segmentID),\"flush_id\":\(h.flushID),\"group_size\":\(h.groupSize),"
            s += "\"group_index\":\(h.groupIndex),\"window_start\":\(jsonString(TimestampParser.formatRFC3339(h.windowStart))),"
            s += "\"window_seconds\":\(h.windowSpan / 1_000_000_000),\"created_at\":\(jsonString(TimestampParser.formatRFC3339(h.createdAt)))},"
            s += "\"footer\":{\"offset\":\(footerOffset),\"bytes\":\(footerLength),\"blocks\":\(f.blocks.count),\"records\":\(f.recordCount),"
            s += "\"min_timestamp\":\(jsonString(TimestampParser.formatRFC3339(f.minTimestamp))),\"max_timestamp\":\(jsonString(TimestampParser.formatRFC3339(f.maxTimestamp))),"
            s += "\"min_sequence\":\(f.minSequence),\"max_sequence\":\(f.maxSequence),"
            s += "\"replaces\":[\(f.replaces.map(String.init).joined(separator: ","))]},"
            s += "\"index\":{\"correlation_ids\":\(distinctIDs),\"correlation_entries\":\(f.correlationPairCount),"
            s += "\"correlation_pages\":\(pageCount),\"status\":\(jsonString(indexStatus)),\"sources\":{"
            s += f.sources.enumerated().map { "\(jsonString($0.element)):\(sourceCounts[$0.offset])" }.joined(separator: ",")
            s += "},\"levels\":{" + levelPairs.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}},"
            s += "\"blocks\":[\(blockItems.joined(separator: ","))]"
            if withRecords { s += ",\"records\":[\(recordLines.joined(separator: ","))]" }
            out.write(s + "}")
        } else {
            out.write("segment \(path)  (\(Format.bytes(file.fileSize)))\n")
            out.write("  header   format v\(h.version), segment \(h.segmentID), flush \(h.flushID) (member \(h.groupIndex + 1) of \(h.groupSize)), "
                      + "window \(TimestampParser.formatRFC3339(h.windowStart)) + \(Format.duration(h.windowSpan)), created \(TimestampParser.formatRFC3339(h.createdAt))\n")
            out.write("  footer   at byte \(footerOffset), \(Format.bytes(footerLength)); \(f.blocks.count) blocks, \(f.recordCount) records, "
                      + "\(TimestampParser.formatRFC3339(f.minTimestamp)) .. \(TimestampParser.formatRFC3339(f.maxTimestamp)), sequences \(f.minSequence)-\(f.maxSequence)\n")
            if !f.replaces.isEmpty {
                out.write("  compacted from \(f.replaces.count) segments: " + Self.idRanges(f.replaces) + "\n")
            }
            let paging = f.correlationFence == nil ? "in the footer" : "in \(pageCount) pages"
            out.write("  index    \(distinctIDs) distinct correlation IDs (\(f.correlationPairCount) block entries \(paging)), \(f.sources.count) sources"
                      + (indexStatus == "ok" ? "" : "; \(indexStatus)") + "\n")
            out.write("  levels   " + levelPairs.map { "\($0.0) \($0.1)" }.joined(separator: ", ") + "\n")
            out.write("  sources  " + f.sources.enumerated().map { "\($0.element) \(sourceCounts[$0.offset])" }.joined(separator: ", ") + "\n\n")
            out.write(Format.table(["BLOCK", "OFFSET", "STORED", "RAW", "RATIO", "FROM", "TO", "RECORDS", "SEQUENCES", "CHECKSUM"], blockRows,
                                   rightAligned: [0, 1, 2, 3, 4, 7]))
            if withRecords { out.write("\n" + recordLines.joined()) }
        }
        return damaged
    }

    /// Ascending ids as ranges: `1-4, 7, 9-10`.
    static func idRanges(_ ids: [UInt64]) -> String {
        var parts: [String] = []
        var i = 0
        while i < ids.count {
            var j = i
            while j + 1 < ids.count && ids[j + 1] == ids[j] + 1 { j += 1 }
            parts.append(i == j ? "\(ids[i])" : "\(ids[i])-\(ids[j])")
            i = j + 1
        }
        return parts.joined(separator: ", ")
    }
}
