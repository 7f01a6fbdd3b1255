// Fuzz target: a whole segment file → header, trailer, footer (after its CRC), every block it lists.
// Runs the input as given, then a copy whose header, block and footer checksums were recomputed, so that
// mutations also reach the footer and block decoders behind the checksums.
import CFuzzSupport
import FuzzKit
import LogStore
import LogStoreFormat

func checkSegment(_ buf: UnsafeRawBufferPointer) {
    let size = buf.count
    // Engine (Segment.init): too short for a header and a trailer.
    guard size >= SegmentFormat.headerSize + SegmentFormat.trailerSize else {
        _ = try? SegmentHeader.decode(buf)
        return
    }
    var version = UInt16(buf[8]) | UInt16(buf[9]) << 8
    if let h = try? SegmentHeader.decode(UnsafeRawBufferPointer(rebasing: buf[0..<SegmentFormat.headerSize])) {
        require(h.windowSpan > 0 && h.groupIndex < h.groupSize, "header decoded with invalid window or group")
        version = h.version
    }
    // The engine refuses the file after a bad header; keep going to reach the rest of the decoders.
    let trailerAt = size - SegmentFormat.trailerSize
    guard let trailer = try? SegmentTrailer.decode(UnsafeRawBufferPointer(rebasing: buf[trailerAt...]), fileSize: size) else { return }
    require(trailer.footerOffset >= UInt64(SegmentFormat.headerSize)
            && trailer.footerOffset + UInt64(trailer.footerLength) == UInt64(trailerAt),
            "trailer decoded with a footer outside [64, trailer): \(trailer)")
    let fo = Int(trailer.footerOffset)
    let footerBytes = UnsafeRawBufferPointer(rebasing: buf[fo..<trailerAt])
    guard CRC32C.checksum(footerBytes) == trailer.footerChecksum else { return }
    let footer: SegmentFooter
    do { footer = try SegmentFooter.decode(footerBytes, version: version) } catch { return }

    let flen = footerBytes.count
    require(footer.sources.count <= flen, "footer of \(flen) bytes lists \(footer.sources.count) sources")
    require(footer.blocks.count <= flen / 47, "footer of \(flen) bytes lists \(footer.blocks.count) blocks")
    require(footer.correlationHashes.count == footer.correlationBlocks.count && footer.correlationHashes.count <= flen / 12,
            "footer of \(flen) bytes lists \(footer.correlationHashes.count) index pairs")
    require(footer.blocks.reduce(UInt64(0)) { $0 + UInt64($1.recordCount) } == footer.recordCount, "block record counts do not add up")
    // Versions 3 and 5: a non-empty, strictly ascending list of replaced ids that encodes back to the same bytes' meaning.
    let compacted = SegmentFormat.isCompacted(version)
    require(compacted ? !footer.replaces.isEmpty : footer.replaces.isEmpty, "replaces present in a version \(version) footer or empty in a compacted one")
    require(zip(footer.replaces, footer.replaces.dropFirst()).allSatisfy { $0 < $1 }, "replaced ids not ascending")
    if version >= 3 {
        let again = footer.encode(version: version)
        require((try? again.withUnsafeBytes { b in try SegmentFooter.decode(b, version: version) }) == footer,
                "a version \(version) footer does not survive encode and decode")
    }
    // Versions 4 and 5 (FORMAT.md 5.6): the fence decoded only with pages that fill [end of blocks, footer).
    require((footer.correlationFence != nil) == SegmentFormat.hasPagedIndex(version), "a fence in a version \(version) footer, or none in a paged one")
    if let fence = footer.correlationFence {
        require(fence.indexOffset == footer.blocksEnd, "the fence's index offset is not the end of the blocks")
        require(fence.pages.reduce(0) { $0 + $1.count } == fence.pairCount && fence.pages.allSatisfy { (1...CorrelationPages.maxEntries).contains($0.count) },
                "fence page counts do not add up")
        if fence.end == trailer.footerOffset {
            // The engine reads pages only when they end where the footer starts (Segment.init).
            for (i, page) in fence.pages.enumerated() {
                let start = Int(page.offset)
                require(start >= Int(fence.indexOffset) && start + page.length <= fo, "page \(i) outside the index")
                guard let (hashes, blocks) = try? CorrelationPages.decodePage(UnsafeRawBufferPointer(rebasing: buf[start..<(start + page.length)]),
                                                                            index: i, fence: fence, blockCount: footer.blocks.count) else { continue }
                require(hashes.count == page.count && blocks.count == page.count, "page \(i) decoded to another count")
                for h in Set(hashes) { require(fence.candidates(for: h).contains(i), "a lookup for a hash of page \(i) would not read it") }
            }
        }
    }
    for b in footer.correlationBlocks { require(Int(b) < footer.blocks.count, "index points past the block table") }
    for e in footer.blocks {
        require(e.levelCounts.count == LogLevel.count, "level count column of the wrong size")
        require(e.recordCount >= 1 && Int(e.recordCount) <= Int(e.rawLength) / 5, "entry claims \(e.recordCount) records in \(e.rawLength) raw bytes")
        require(e.isSectioned == (version >= 2), "a version \(version) footer holds an entry of the other layout")
        for sc in e.sourceCounts { require(Int(sc.source) < footer.sources.count, "source count for an unknown source") }
    }

    // Engine checks before it reads any block.
    guard footer.blocks.count == Int(trailer.blockCount) else { return }
    if let last = footer.blocks.last, last.offset + UInt64(last.diskLength) > trailer.footerOffset { return }

    var previousEnd = UInt64(SegmentFormat.headerSize)
    var recordsDecoded = 0
    for (index, entry) in footer.blocks.enumerated() {
        // The footer's ordering checks plus the last-block check must keep every block inside [64, footer).
        require(entry.offset >= previousEnd && entry.offset + UInt64(entry.diskLength) <= trailer.footerOffset,
                "block \(index) at \(entry.offset)+\(entry.diskLength) lies outside [\(previousEnd), \(trailer.footerOffset))")
        previousEnd = entry.offset + UInt64(entry.diskLength)
        let start = Int(entry.offset)
        let full = UnsafeRawBufferPointer(rebasing: buf[start..<(start + entry.diskLength)])
        let block: DecodedBlock
        let rawCount: Int
        if entry.isSectioned {
            guard let (header, sections) = try? BlockReader.openSections(full) else { continue }
            rawCount = sections.core.count + sections.messages.count + sections.attributes.count
            require(rawCount <= BlockFormat.maxRawLength && header.sections.map(\.rawLength) == [sections.core.count, sections.messages.count, sections.attributes.count],
                    "block \(index) opened to sections of other sizes than its header says")
            // Sections that decode alone also decode as one version 1 payload (their concatenation),
            // to the same records: version 2 only adds boundaries and checksums.
            guard let alone = try? DecodedBlock(sections) else { continue }
            block = alone
            let joined = try? DecodedBlock(raw: sections.raw)
            require(joined?.count == alone.count, "block \(index): sections decode, their concatenation does not")
            if let joined {
                for i in 0..<block.count {
                    let a = try? block.record(i), b = try? joined.record(i)
                    let same = a.map { r in b.map { r.isIdentical(to: $0) } ?? false } ?? (b == nil)
                    require(same, "block \(index) row \(i): sections and payload decode differently")
                }
            }
        } else {
            guard let raw = try? BlockHeader.open(full), let header = try? BlockHeader.decode(full) else { continue }
            require(raw.count == header.rawLength && raw.count <= BlockFormat.maxRawLength, "block \(index) opened to \(raw.count) bytes, header says \(header.rawLength)")
            guard let decoded = try? DecodedBlock(raw: raw) else { continue }
            block = decoded
            rawCount = raw.count
        }
        require(block.count >= 1 && block.count <= rawCount / 5, "block \(index): \(block.count) records in \(rawCount) raw bytes")
        // Segment.readBlock rejects a block whose count disagrees with the footer; decode the records anyway.
        for i in 0..<block.count { _ = try? block.record(i) }
        recordsDecoded += block.count
    }
    // LZ4 expands at most ~255:1, so decoded records stay within a small multiple of the input size.
    require(recordsDecoded <= size * 52, "\(recordsDecoded) records decoded from \(size) bytes")
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let buf = inputBuffer(data, size)
    checkSegment(buf)
    var fixed = Array(buf)
    ChecksumFixup.segment(&fixed)
    if !fixed.elementsEqual(buf) {
        fixed.withUnsafeBytes { checkSegment($0) }
    }
    return 0
}

fuzzMain { fuzzOne($0, $1) }
