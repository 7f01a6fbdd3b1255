/// What a reader needs to know about a segment without reading its footer: its ranges, counts,
/// sources and the segments it replaces (docs/FORMAT.md, 11.1).
public struct SegmentSummary: Sendable, Equatable {
    public var minTimestamp: Int64
    public var maxTimestamp: Int64
    public var minSequence: UInt64
    public var maxSequence: UInt64
    public var recordCount: UInt64
    public var blockCount: Int
    /// Raw (decoded) bytes of its blocks.
    public var rawBytes: Int
    /// Records per level byte 0…6 (the sum of its blocks' level counts).
    public var levelCounts: [UInt64]
    public var sources: [String]
    /// Ids this segment replaces (compacted segments, FORMAT.md 10.2), ascending; empty otherwise.
    public var replaces: [UInt64]

    public init(minTimestamp: Int64, maxTimestamp: Int64, minSequence: UInt64, maxSequence: UInt64, recordCount: UInt64,
                blockCount: Int, rawBytes: Int, levelCounts: [UInt64], sources: [String], replaces: [UInt64]) {
        self.minTimestamp = minTimestamp
        self.maxTimestamp = maxTimestamp
        self.minSequence = minSequence
        self.maxSequence = maxSequence
        self.recordCount = recordCount
        self.blockCount = blockCount
        self.rawBytes = rawBytes
        self.levelCounts = levelCounts
        self.sources = sources
        self.replaces = replaces
    }

    /// The summary of a segment with this footer.
    public init(footer f: SegmentFooter) {
        self.init(minTimestamp: f.minTimestamp, maxTimestamp: f.maxTimestamp, minSequence: f.minSequence,
                  maxSequence: f.maxSequence, recordCount: f.recordCount, blockCount: f.blocks.count,
                  rawBytes: f.blocks.reduce(0) { $0 + $1.rawLength },
                  levelCounts: f.blocks.reduce(into: [UInt64](repeating: 0, count: 7)) { sum, b in
                      for (l, n) in b.levelCounts.enumerated() where l < 7 { sum[l] &+= UInt64(n) }
                  },
                  sources: f.sources, replaces: f.replaces)
    }
}

/// The `MANIFEST` file (docs/FORMAT.md, section 11): one entry per live segment, so that a store opens
/// without reading every footer and a correlation lookup opens only segments whose filter matches.
/// The segments stay the truth; the manifest is a checked cache of them.
public enum ManifestFile {
    public static let fileName = "MANIFEST"
    public static let magic: [UInt8] = Array("LOGSTMAN".utf8)
    /// The version this build writes: entries name their sources by id in a store-level dictionary (FORMAT.md 11.1).
    public static let version: UInt16 = 2
    /// Version 1 repeated every segment's source names in its entry; still read (FORMAT.md 11.1).
    public static let firstVersion: UInt16 = 1
    public static let headerSize = ChecksummedFile.headerSize

    /// One segment as the manifest describes it.
    public struct Entry: Sendable, Equatable {
        public var header: SegmentHeader
        public var fileSize: Int64
        /// The file's modification time (nanoseconds since the epoch) when the entry was written.
        public var modifiedAt: Int64
        public var summary: SegmentSummary
        public var filter: CorrelationFilter

        public init(header: SegmentHeader, fileSize: Int64, modifiedAt: Int64, summary: SegmentSummary, filter: CorrelationFilter) {
            self.header = header
            self.fileSize = fileSize
            self.modifiedAt = modifiedAt
            self.summary = summary
            self.filter = filter
        }
    }

    /// A decoded manifest: the version it was written in and its entries.
    public struct Contents: Sendable, Equatable {
        public var version: UInt16
        public var entries: [Entry]
    }

    /// Encodes `entries` in `version` (this build's by default; `firstVersion` only to produce old files in tests and seeds).
    public static func encode(_ entries: [Entry], version: UInt16 = version) -> [UInt8] {
        let compact = version >= 2
        var dictionary: [String] = []
        var ids: [String: Int] = [:]
        if compact {
            for e in entries {
                for s in e.summary.sources where ids[s] == nil {
                    ids[s] = dictionary.count
                    dictionary.append(s)
                }
            }
        }
        var body = ByteWriter(capacity: 64 + dictionary.reduce(0) { $0 + 2 + $1.utf8.count }
                                  + entries.reduce(0) { $0 + 200 + $1.summary.sources.count + $1.filter.byteCount })
        if compact {
            body.varint(dictionary.count)
            for s in dictionary { body.string(s) }
        }
        body.varint(entries.count)
        for e in entries {
            body.raw(e.header.encode())
            body.u64(UInt64(e.fileSize))
            body.i64(e.modifiedAt)
            let s = e.summary
            body.i64(s.minTimestamp)
            body.i64(s.maxTimestamp)
            body.u64(s.minSequence)
            body.u64(s.maxSequence)
            body.u64(s.recordCount)
            body.varint(s.blockCount)
            body.varint(s.rawBytes)
            for l in 0..<7 { body.varint(l < s.levelCounts.count ? s.levelCounts[l] : 0) }
            body.varint(s.sources.count)
            for source in s.sources {
                if compact { body.varint(ids[source] ?? 0) } else { body.string(source) }
            }
            body.varint(s.replaces.count)
            for id in s.replaces { body.u64(id) }
            body.varint(e.filter.words.count)
            body.u8(e.filter.probes)
            for w in e.filter.words { body.u64(w) }
        }
        return ChecksummedFile.encode(magic: magic, version: version, body: body)
    }

    /// Decodes and checks a whole manifest file of either version. Offsets in errors count from the start of the file.
    public static func decode(_ buffer: UnsafeRawBufferPointer) throws(FormatError) -> [Entry] {
        try decodeFile(buffer).entries
    }

    /// Decodes and checks a whole manifest file, and says which version it was written in.
    public static func decodeFile(_ buffer: UnsafeRawBufferPointer) throws(FormatError) -> Contents {
        let (fileVersion, body) = try ChecksummedFile.body(of: buffer, label: "MANIFEST", magic: magic, versions: firstVersion...version)
        var r = ByteReader(body)
        var dictionary: [String] = []
        let compact = fileVersion >= 2
        if compact {
            let n = try r.count("source dictionary size", max: r.remaining)
            dictionary.reserveCapacity(n)
            var seen = Set<String>()
            for _ in 0..<n {
                let at = headerSize + r.offset
                let name = try r.string("dictionary source")
                guard seen.insert(name).inserted else { throw FormatError("source \"\(name)\" is in the dictionary twice", at: at) }
                dictionary.append(name)
            }
        }
        // The smallest entry: header, two fixed u64/i64, five fixed range fields, and 13 one-byte varints and probes.
        let count = try r.count("segment count", max: r.remaining / (SegmentFormat.headerSize + 69))
        var out: [Entry] = []
        out.reserveCapacity(count)
        var ids = Set<UInt64>()
        for _ in 0..<count {
            let at = headerSize + r.offset
            let header: SegmentHeader
            do throws(FormatError) { header = try SegmentHeader.decode(try r.bytes(SegmentFormat.headerSize, "segment header")) }
            catch { throw error.shifted(by: at) }
            guard ids.insert(header.segmentID).inserted else {
                throw FormatError("segment \(header.segmentID) is listed twice", at: at)
            }
            let sizeAt = headerSize + r.offset
            let fileSize = try r.u64("file size")
            guard fileSize <= UInt64(Int64.max),
                  fileSize >= UInt64(SegmentFormat.headerSize + SegmentFormat.trailerSize) else {
                throw FormatError("segment \(header.segmentID): file size \(fileSize) cannot hold a segment", at: sizeAt)
            }
            let modifiedAt = try r.i64("modified_at")
            let rangeAt = headerSize + r.offset
            let minT = try r.i64("min_timestamp"), maxT = try r.i64("max_timestamp")
            let minS = try r.u64("min_sequence"), maxS = try r.u64("max_sequence")
            let records = try r.u64("record_count")
            guard records == 0 || (minT <= maxT && minS <= maxS) else {
                throw FormatError("segment \(header.segmentID): its ranges are reversed", at: rangeAt)
            }
            let blocks = try r.count("block count", max: Int(UInt32.max))
            let raw = try r.count("raw bytes", max: Int(Int64.max))
            var levels: [UInt64] = []
            for _ in 0..<7 { levels.append(try r.varint("level count")) }
            let levelsAt = headerSize + r.offset
            guard levels.reduce(UInt64(0), { $0 &+ $1 }) == records, levels.allSatisfy({ $0 <= records }) else {
                throw FormatError("segment \(header.segmentID): its level counts do not add up to its record count", at: levelsAt)
            }
            let sourceCount = try r.count("source count", max: r.remaining)   // ids may repeat a name (FORMAT.md 11.1 bounds ids, not the count)
            var sources: [String] = []
            sources.reserveCapacity(sourceCount)
            if compact {
                for _ in 0..<sourceCount {
                    let idAt = headerSize + r.offset
                    let id = try r.varint("source id")
                    guard id < UInt64(dictionary.count) else {
                        throw FormatError("segment \(header.segmentID): source id \(id) is outside the dictionary of \(dictionary.count)", at: idAt)
                    }
                    sources.append(dictionary[Int(id)])
                }
            } else {
                for _ in 0..<sourceCount { sources.append(try r.string("source")) }
            }
            let replacedCount = try r.count("replaced count", max: r.remaining / 8)
            var replaces: [UInt64] = []
            replaces.reserveCapacity(replacedCount)
            for _ in 0..<replacedCount {
                let idAt = headerSize + r.offset
                let id = try r.u64("replaced id")
                guard id < header.segmentID, replaces.last.map({ $0 < id }) ?? true else {
                    throw FormatError("segment \(header.segmentID): replaced ids must ascend and lie below its own id", at: idAt)
                }
                replaces.append(id)
            }
            let wordCount = try r.count("filter words", max: r.remaining / 8)
            let probesAt = headerSize + r.offset
            let probes = try r.u8("filter probes")
            guard probes >= 1 && probes <= CorrelationFilter.maxProbes else {
                throw FormatError("segment \(header.segmentID): \(probes) filter probes (1…\(CorrelationFilter.maxProbes))", at: probesAt)
            }
            var words: [UInt64] = []
            words.reserveCapacity(wordCount)
            for _ in 0..<wordCount { words.append(try r.u64("filter word")) }
            let summary = SegmentSummary(minTimestamp: minT, maxTimestamp: maxT, minSequence: minS, maxSequence: maxS,
                                         recordCount: records, blockCount: blocks, rawBytes: raw, levelCounts: levels, sources: sources,
                                         replaces: replaces)
            out.append(Entry(header: header, fileSize: Int64(fileSize), modifiedAt: modifiedAt, summary: summary,
                             filter: CorrelationFilter(words: words, probes: probes)))
        }
        guard r.isAtEnd else { throw FormatError("\(r.remaining) bytes left after the last segment", at: headerSize + r.offset) }
        return Contents(version: fileVersion, entries: out)
    }
}
