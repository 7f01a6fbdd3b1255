import Glibc
import LogStoreFormat

/// An open, immutable segment file: its header and summary in memory, its footer read on first use
/// (at once when no manifest described it), blocks read on demand.
///
/// Shared by reference between the store's segment set and running queries; the file stays readable
/// while any query holds it, even after expiry unlinked it (the descriptor is opened at once).
final class Segment: Sendable {
    let id: UInt64
    let name: String
    let file: File
    let header: SegmentHeader
    let fileSize: Int64
    /// The file's modification time when opened (nanoseconds since the epoch), which the manifest
    /// records with the size (FORMAT.md 11.3).
    let modifiedAt: Int64
    /// Ranges, counts, sources and `replaces`, from the footer or the manifest (FORMAT.md 11).
    let summary: SegmentSummary
    private let loaded: LockedState<Loaded>

    private struct Loaded {
        var footer: SegmentFooter?
        var filter: CorrelationFilter?
    }

    /// Opens `path` and reads its header, trailer and footer (never its blocks).
    init(path: String, name: String, io: any StorageIO) throws(LogStoreError) {
        let file = try File(path: path, flags: O_RDONLY, io: io)
        let (size, modified) = try file.sizeAndModificationTime()
        let (header, footer) = try Self.read(file, size: size)
        self.id = header.segmentID
        self.name = name
        self.file = file
        self.header = header
        self.summary = SegmentSummary(footer: footer)
        self.fileSize = size
        self.modifiedAt = modified
        self.loaded = LockedState(Loaded(footer: footer, filter: nil))
    }

    /// A segment the manifest describes (FORMAT.md 11.3): `file` is open, its size and modification
    /// time matched the entry;
    /// nothing of it is read until a query needs its blocks.
    init(described entry: ManifestFile.Entry, name: String, file: File) {
        self.id = entry.header.segmentID
        self.name = name
        self.file = file
        self.header = entry.header
        self.summary = entry.summary
        self.fileSize = entry.fileSize
        self.modifiedAt = entry.modifiedAt
        self.loaded = LockedState(Loaded(footer: nil, filter: entry.filter))
    }

    /// Reads and checks header, trailer and footer of an open segment file of `size` bytes.
    private static func read(_ file: File, size: Int64) throws(LogStoreError) -> (SegmentHeader, SegmentFooter) {
        let path = file.path
        guard size >= Int64(SegmentFormat.headerSize + SegmentFormat.trailerSize) else {
            throw .corruption("segment file is \(size) bytes, too short to hold a header and trailer", path: path, offset: 0)
        }
        let headBytes = try file.read(at: 0, count: SegmentFormat.headerSize)
        let header: SegmentHeader
        do throws(FormatError) { header = try headBytes.withBytes { b throws(FormatError) in try SegmentHeader.decode(b) } }
        catch { throw .format(error, path: path, base: 0) }
        let trailerAt = size - Int64(SegmentFormat.trailerSize)
        let trailerBytes = try file.read(at: trailerAt, count: SegmentFormat.trailerSize)
        let trailer: SegmentTrailer
        do throws(FormatError) {
            trailer = try trailerBytes.withBytes { b throws(FormatError) in try SegmentTrailer.decode(b, fileSize: Int(size)) }
        } catch { throw .format(error, path: path, base: Int(trailerAt)) }
        let footerBytes = try file.read(at: Int64(trailer.footerOffset), count: Int(trailer.footerLength))
        guard CRC32C.checksum(footerBytes) == trailer.footerChecksum else {
            throw .corruption("segment footer checksum mismatch", path: path, offset: Int(trailer.footerOffset))
        }
        guard trailer.version == header.version else {
            throw .corruption("trailer says format version \(trailer.version), header says \(header.version)", path: path, offset: Int(trailerAt) + 16)
        }
        let footer: SegmentFooter
        do throws(FormatError) {
            footer = try footerBytes.withBytes { b throws(FormatError) in try SegmentFooter.decode(b, version: header.version) }
        }
        catch { throw .format(error, path: path, base: Int(trailer.footerOffset)) }
        guard footer.blocks.count == Int(trailer.blockCount) else {
            throw .corruption("trailer counts \(trailer.blockCount) blocks, footer lists \(footer.blocks.count)", path: path, offset: Int(trailerAt) + 20)
        }
        if let last = footer.blocks.last, last.offset + UInt64(last.diskLength) > trailer.footerOffset {
            throw .corruption("the last block overlaps the footer", path: path, offset: Int(last.offset))
        }
        if let fence = footer.correlationFence, fence.end != trailer.footerOffset {
            throw .corruption("the correlation pages end at \(fence.end), the footer starts at \(trailer.footerOffset)",
                              path: path, offset: Int(trailer.footerOffset))
        }
        return (header, footer)
    }

    /// The footer, read and checked on first use when the manifest described the segment; a footer
    /// that disagrees with the manifest's entry is reported as damage of the segment.
    func footer() throws(LogStoreError) -> SegmentFooter {
        if let footer = loaded.withLock({ $0.footer }) { return footer }
        let (header, footer) = try Self.read(file, size: fileSize)
        guard header == self.header else {
            throw .corruption("the segment header disagrees with the MANIFEST entry", path: path, offset: 0)
        }
        guard SegmentSummary(footer: footer) == summary else {
            throw .corruption("the segment footer disagrees with the MANIFEST entry", path: path, offset: 0)
        }
        loaded.withLock { $0.footer = footer }
        return footer
    }

    /// Whether the footer was read (at open, or by a query since).
    var isFooterLoaded: Bool { loaded.withLock { $0.footer != nil } }

    /// The correlation filter of this segment (FORMAT.md 11.2): the manifest's, or built once from the
    /// segment's correlation index (which reads every index page).
    func correlationFilter() throws(LogStoreError) -> CorrelationFilter {
        if let filter = loaded.withLock({ $0.filter }) { return filter }
        let filter = CorrelationFilter(hashes: try correlationPairs().map(\.hash))
        loaded.withLock { $0.filter = filter }
        return filter
    }

    /// False when the segment's filter rules out `hash`; true when it may hold it or has no filter yet.
    func mayHoldCorrelation(_ hash: UInt64) -> Bool {
        loaded.withLock { $0.filter }?.mayContain(hash) ?? true
    }

    var minTimestamp: Int64 { summary.minTimestamp }
    var maxTimestamp: Int64 { summary.maxTimestamp }
    var recordCount: Int { Int(summary.recordCount) }
    var path: String { file.path }
    /// Whether compaction wrote it (segment version 3 or 5, FORMAT.md 10).
    var isCompacted: Bool { SegmentFormat.isCompacted(header.version) }
    /// The raw (decoded) bytes of its blocks, the measure compaction plans with.
    var rawBytes: Int { summary.rawBytes }

    /// Reads, checks and decodes the `sections` of block `index` (all of them by default). Other
    /// sections can follow with ``load(_:into:block:)``.
    func readBlock(_ index: Int, sections: [BlockSection] = BlockSection.allCases) throws(LogStoreError) -> DecodedBlock {
        let entry = try footer().blocks[index]
        guard entry.isSectioned else {
            // Version 1: one payload holds every section.
            let bytes = try file.read(at: Int64(entry.offset), count: entry.diskLength)
            do throws(FormatError) {
                let raw = try bytes.withBytes { b throws(FormatError) in try BlockHeader.open(b) }
                let block = try DecodedBlock(raw: raw, attributes: sections.contains(.attributes))
                guard block.count == Int(entry.recordCount) else {
                    throw FormatError("block holds \(block.count) records, the footer says \(entry.recordCount)", at: 0)
                }
                return block
            } catch {
                throw .corruption("block \(index): \(error.reason)", path: path, offset: Int(entry.offset) + error.offset)
            }
        }
        // Version 2: the header, then the stored sections from the first to the last one wanted; one
        // read when the core is wanted (it follows the header), two otherwise.
        let first = sections.min() ?? .core
        let last = sections.max() ?? .core
        let end = entry.sectionOffset(last) + Int(entry.sections[last.rawValue].storedLength)
        let from = first == .core ? 0 : entry.sectionOffset(first)
        let headBytes = from == 0 ? nil : try file.read(at: Int64(entry.offset), count: SectionedBlockHeader.size)
        let bytes = try file.read(at: Int64(entry.offset) + Int64(from), count: end - from)
        let header = try blockHeader(headBytes ?? bytes, index: index, entry: entry)
        var block: DecodedBlock
        do throws(FormatError) { block = try DecodedBlock(count: header.recordCount, core: nil, messages: nil, attributes: nil) }
        catch { throw .corruption("block \(index): \(error.reason)", path: path, offset: Int(entry.offset) + 4) }
        for section in sections.sorted() {
            let start = entry.sectionOffset(section) - from
            let stored = start..<(start + header.sections[section.rawValue].storedLength)
            try add(section, stored: bytes, range: stored, header: header, to: &block, index: index, base: from)
        }
        return block
    }

    /// Reads and decodes more sections of a block read earlier with ``readBlock(_:sections:)``.
    func load(_ sections: [BlockSection], into block: inout DecodedBlock, index: Int) throws(LogStoreError) {
        let missing = sections.filter { !block.has($0) }.sorted()
        guard let first = missing.first, let last = missing.last else { return }
        let entry = try footer().blocks[index]
        guard entry.isSectioned else {
            // Version 1 blocks hold every section in memory already; only attributes may be pending.
            do throws(FormatError) { try block.decodeAttributes() }
            catch { throw .corruption("block \(index): \(error.reason)", path: path, offset: Int(entry.offset) + error.offset) }
            return
        }
        let headBytes = try file.read(at: Int64(entry.offset), count: SectionedBlockHeader.size)
        let header = try blockHeader(headBytes, index: index, entry: entry)
        let from = entry.sectionOffset(first)
        let to = entry.sectionOffset(last) + Int(entry.sections[last.rawValue].storedLength)
        let bytes = try file.read(at: Int64(entry.offset) + Int64(from), count: to - from)
        for section in missing {
            let start = entry.sectionOffset(section) - from
            try add(section, stored: bytes, range: start..<(start + header.sections[section.rawValue].storedLength),
                    header: header, to: &block, index: index, base: from)
        }
    }

    /// Decodes a version 2 block header from the start of `bytes` and checks it against the footer.
    private func blockHeader(_ bytes: [UInt8], index: Int, entry: BlockEntry) throws(LogStoreError) -> SectionedBlockHeader {
        let header: SectionedBlockHeader
        do throws(FormatError) { header = try bytes.withBytes { b throws(FormatError) in try SectionedBlockHeader.decode(b) } }
        catch { throw .corruption("block \(index): \(error.reason)", path: path, offset: Int(entry.offset) + error.offset) }
        let agrees = header.checksum == entry.checksum && header.recordCount == Int(entry.recordCount)
            && zip(header.sections, entry.sections).allSatisfy {
                $0.rawLength == Int($1.rawLength) && $0.storedLength == Int($1.storedLength)
            }
        guard agrees else {
            throw .corruption("block \(index): the block header disagrees with the footer entry", path: path, offset: Int(entry.offset))
        }
        return header
    }

    private func add(_ section: BlockSection, stored bytes: [UInt8], range: Range<Int>, header: SectionedBlockHeader,
                     to block: inout DecodedBlock, index: Int, base: Int = 0) throws(LogStoreError) {
        let entry = try footer().blocks[index]
        let at = Int(entry.offset) + base + range.lowerBound
        guard range.upperBound <= bytes.count else {
            throw .corruption("block \(index): \(section) section lies past the bytes read", path: path, offset: at)
        }
        do throws(FormatError) {
            let decoded = try bytes.withBytes { b throws(FormatError) in
                try header.open(section, stored: UnsafeRawBufferPointer(rebasing: b[range]))
            }
            do throws(FormatError) { try block.add(section, decoded) }
            catch { throw FormatError("\(section) section, decoded byte \(error.offset): \(error.reason)", at: 0) }
        } catch {
            throw .corruption("block \(index): \(error.reason)", path: path, offset: at + error.offset)
        }
    }

    /// Indexes of the blocks that may hold the correlation ID with `hash`, ascending. Versions 4 and 5
    /// read (and check) only the index pages that may hold it (FORMAT.md 5.6).
    func blocks(forCorrelationHash hash: UInt64) throws(LogStoreError) -> [Int] {
        let footer = try self.footer()
        guard let fence = footer.correlationFence else {
            return Self.blocks(of: hash, hashes: footer.correlationHashes[...], owners: footer.correlationBlocks[...])
        }
        let pages = fence.candidates(for: hash)
        guard let first = pages.first, let last = pages.last else { return [] }
        let start = fence.pages[first].offset
        let bytes = try file.read(at: Int64(start), count: Int(fence.pages[last].offset - start) + fence.pages[last].length)
        var out: [Int] = []
        for index in pages {
            let page = try self.page(index, of: bytes, from: start, fence: fence)
            out.append(contentsOf: Self.blocks(of: hash, hashes: page.hashes[...], owners: page.blocks[...]))
        }
        return out
    }

    /// Every `(hash, block)` pair of the correlation index, in index order (verify and inspect read
    /// them all; a lookup reads only its pages).
    func correlationPairs() throws(LogStoreError) -> [(hash: UInt64, block: UInt32)] {
        let footer = try self.footer()
        guard let fence = footer.correlationFence else {
            return zip(footer.correlationHashes, footer.correlationBlocks).map { ($0, $1) }
        }
        guard !fence.pages.isEmpty else { return [] }
        let bytes = try file.read(at: Int64(fence.indexOffset), count: fence.pairCount * CorrelationPages.pairSize)
        var out: [(hash: UInt64, block: UInt32)] = []
        out.reserveCapacity(fence.pairCount)
        for index in fence.pages.indices {
            let page = try self.page(index, of: bytes, from: fence.indexOffset, fence: fence)
            for (h, b) in zip(page.hashes, page.blocks) { out.append((h, b)) }
        }
        return out
    }

    /// Checks and decodes page `index` from `bytes`, which were read from file offset `start`.
    private func page(_ index: Int, of bytes: [UInt8], from start: UInt64,
                      fence: CorrelationPages.Fence) throws(LogStoreError) -> (hashes: [UInt64], blocks: [UInt32]) {
        let page = fence.pages[index]
        let at = Int(page.offset - start)
        guard at + page.length <= bytes.count else {
            throw .corruption("correlation page \(index) lies past the bytes read", path: path, offset: Int(page.offset))
        }
        do throws(FormatError) {
            return try bytes.withBytes { b throws(FormatError) in
                try CorrelationPages.decodePage(UnsafeRawBufferPointer(rebasing: b[at..<(at + page.length)]),
                                                index: index, fence: fence, blockCount: summary.blockCount)
            }
        } catch {
            throw .corruption(error.reason, path: path, offset: Int(page.offset) + error.offset)
        }
    }

    /// The blocks listed for `hash` in sorted `hashes` (with their `owners`).
    private static func blocks(of hash: UInt64, hashes: ArraySlice<UInt64>, owners: ArraySlice<UInt32>) -> [Int] {
        var lo = hashes.startIndex
        var hi = hashes.endIndex
        while lo < hi {
            let mid = (lo + hi) / 2
            if hashes[mid] < hash { lo = mid + 1 } else { hi = mid }
        }
        var out: [Int] = []
        while lo < hashes.endIndex && hashes[lo] == hash {
            out.append(Int(owners[owners.startIndex + (lo - hashes.startIndex)]))
            lo += 1
        }
        return out
    }

    /// Index of each source name in the segment dictionary.
    func sourceIndexes(_ names: [String]) -> Set<UInt32> {
        var out = Set<UInt32>()
        for (i, s) in summary.sources.enumerated() where names.contains(s) { out.insert(UInt32(i)) }
        return out
    }
}

extension Segment {
    /// Approximate bytes its in-memory metadata takes: the footer once read (versions 4 and 5 hold
    /// only the fence of their paged correlation index, FORMAT.md 5.6), the summary and filter otherwise.
    var memoryEstimate: Int {
        let sources = summary.sources.reduce(0) { $0 + $1.utf8.count + 16 }
        return loaded.withLock { l in
            let filter = l.filter?.byteCount ?? 0
            guard let f = l.footer else { return 160 + sources + filter }
            return f.blocks.count * 120 + f.correlationHashes.count * 12 + (f.correlationFence?.pages.count ?? 0) * 40
                + sources + filter
        }
    }
}
