import CLogStoreSystem
import LogStoreFormat

/// Recovers the records of a segment whose footer cannot be read, by scanning its bytes for blocks
/// (docs/FORMAT.md 5.2): a version 2 block header starts with `LSB2` and carries its own checksum, so
/// it is trusted on its own and tells the block's length and record count; a version 1 block (`LSBK`)
/// is trusted when the checksum over its header and stored bytes matches.
///
/// The records of readable blocks are counted exactly; a block whose header is intact but whose
/// sections are damaged loses exactly the records its header counts. Bytes between blocks that hold
/// no trustworthy block header are reported as loss of unknown size (a damaged header, or the
/// footer when the trailer cannot tell where the blocks end). In versions 4 and 5 the correlation
/// index pages that follow the last block (5.6) are recognised by their structure and are no loss.
struct SegmentBlockScan {
    /// Records read, block by block in file order.
    var saved = 0
    /// Records of blocks whose header is intact but whose sections (or single rows) do not decode.
    var lost = 0
    /// Blocks found and read.
    var blocksRead = 0
    /// Damage with a known record count (counted in ``lost``).
    var damage: [DamageReport] = []
    /// Byte ranges that hold no readable block: how many records they held is unknown.
    var unknown: [DamageReport] = []

    /// Scans `bytes`, the whole segment file named `name` (relative to the store), and hands every
    /// readable record to `emit`.
    static func scan(_ bytes: [UInt8], name: String,
                     emit: (LogRecord) throws(LogStoreError) -> Void) throws(LogStoreError) -> SegmentBlockScan {
        var result = SegmentBlockScan()
        var failure: LogStoreError?
        bytes.withUnsafeBytes { buf in
            do throws(LogStoreError) { try result.scan(buf, name: name, emit: emit) } catch { failure = error }
        }
        if let failure { throw failure }
        return result
    }

    private mutating func scan(_ buf: UnsafeRawBufferPointer, name: String,
                               emit: (LogRecord) throws(LogStoreError) -> Void) throws(LogStoreError) {
        let start = SegmentFormat.headerSize
        // An intact trailer says where the blocks end; otherwise scan to the end of the file.
        var end = buf.count
        var endKnown = false
        if buf.count >= start + SegmentFormat.trailerSize,
           let t = try? SegmentTrailer.decode(UnsafeRawBufferPointer(rebasing: buf[(buf.count - SegmentFormat.trailerSize)...]),
                                              fileSize: buf.count) {
            end = Int(t.footerOffset)
            endKnown = true
        }
        var offset = start
        var gapStart = start
        // At most this many blocks: those found, and one per 64 bytes of the gaps between them.
        var blockBound = 0
        while offset < end {
            guard let candidate = Self.nextMagic(in: buf, from: offset, to: end) else { break }
            guard let length = try readBlock(at: candidate, in: buf, end: end, name: name, emit: emit) else {
                offset = candidate + 1
                continue
            }
            blockBound += 1 + (candidate - gapStart) / SegmentFormat.headerSize
            if candidate > gapStart { reportGap(gapStart, candidate, name: name, beforeEnd: false) }
            offset = candidate + length
            gapStart = offset
        }
        // Versions 4 and 5 keep the correlation index pages between the last block and the footer
        // (FORMAT.md 5.6): a final gap that is exactly such pages is no loss.
        let version = buf.count >= 10 ? UInt16(buf[8]) | UInt16(buf[9]) << 8 : 0
        if endKnown, end > gapStart, SegmentFormat.hasPagedIndex(version),
           Self.holdsCorrelationPages(UnsafeRawBufferPointer(rebasing: buf[gapStart..<end]), blocks: blockBound) {
            return
        }
        if end > gapStart { reportGap(gapStart, end, name: name, beforeEnd: !endKnown) }
    }

    /// Whether `bytes` are correlation index pages (5.6) of a segment with `blocks` blocks: whole pairs,
    /// cut in pages of 512, each page's pairs strictly ascending and pointing at existing blocks, and
    /// the pages' first hashes ascending. Without the footer's checksums this is a structural test;
    /// damaged blocks or random bytes fail it.
    private static func holdsCorrelationPages(_ bytes: UnsafeRawBufferPointer, blocks: Int) -> Bool {
        guard bytes.count % CorrelationPages.pairSize == 0 else { return false }
        let pairs = bytes.count / CorrelationPages.pairSize
        var start = 0
        var previousFirst: UInt64 = 0
        while start < pairs {
            let n = min(CorrelationPages.maxEntries, pairs - start)
            let base = start * CorrelationPages.pairSize
            var last: (UInt64, UInt32)?
            for i in 0..<n {
                let h = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: base + i * 8, as: UInt64.self))
                let b = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: base + n * 8 + i * 4, as: UInt32.self))
                guard Int(b) < blocks else { return false }
                if let last, last >= (h, b) { return false }
                if i == 0 {
                    guard h >= previousFirst else { return false }
                    previousFirst = h
                }
                last = (h, b)
            }
            start += n
        }
        return true
    }

    private mutating func reportGap(_ from: Int, _ to: Int, name: String, beforeEnd: Bool) {
        let reason = beforeEnd
            ? "no readable block in the last \(to - from) bytes (the footer and trailer, or damaged blocks: records lost, if any, unknown)"
            : "no readable block header in \(to - from) bytes (a damaged block: its records are lost, how many is unknown)"
        unknown.append(DamageReport(file: name, offset: from, length: to - from, reason: reason))
    }

    /// Reads the block whose header starts at `at` when it is trustworthy; returns its length, or nil
    /// when no block starts there.
    private mutating func readBlock(at: Int, in buf: UnsafeRawBufferPointer, end: Int, name: String,
                                    emit: (LogRecord) throws(LogStoreError) -> Void) throws(LogStoreError) -> Int? {
        let rest = UnsafeRawBufferPointer(rebasing: buf[at..<end])
        let length: Int
        let block: DecodedBlock
        if buf[at + 3] == UInt8(ascii: "2") {
            guard let header = try? SectionedBlockHeader.decode(rest) else { return nil }
            length = SectionedBlockHeader.size + header.storedLength
            guard length <= rest.count else {
                lost += header.recordCount
                damage.append(DamageReport(file: name, offset: at, length: rest.count,
                                           reason: "block runs past the end of the blocks (\(header.recordCount) records lost)"))
                return rest.count
            }
            do throws(FormatError) {
                block = try BlockReader.decode(UnsafeRawBufferPointer(rebasing: rest[0..<length]), version: 2)
            } catch {
                lost += header.recordCount
                damage.append(DamageReport(file: name, offset: at + error.offset, length: length,
                                           reason: "block at \(at): \(error.reason) (\(header.recordCount) records lost)"))
                return length
            }
        } else {
            guard let header = try? BlockHeader.decode(rest), header.storedLength <= rest.count - BlockFormat.headerSize else { return nil }
            length = BlockFormat.headerSize + header.storedLength
            let full = UnsafeRawBufferPointer(rebasing: rest[0..<length])
            guard header.verify(full) else { return nil }
            do throws(FormatError) {
                block = try BlockReader.decode(full, version: 1)
            } catch {
                // The checksum matched, so the block is what the writer wrote; it does not decode.
                unknown.append(DamageReport(file: name, offset: at + error.offset, length: length, reason: "block at \(at): \(error.reason)"))
                return length
            }
        }
        blocksRead += 1
        for i in 0..<block.count {
            let record: LogRecord
            do throws(FormatError) {
                record = try block.record(i)
            } catch {
                lost += 1
                damage.append(DamageReport(file: name, offset: at, length: length, reason: "block at \(at) row \(i): \(error.reason)"))
                continue
            }
            try emit(record)
            saved += 1
        }
        return length
    }

    /// The offset of the next `LSB2` or `LSBK` in `buf[from..<to]`.
    private static func nextMagic(in buf: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
        guard let base = buf.baseAddress else { return nil }
        let prefix: [UInt8] = [0x4C, 0x53, 0x42]  // "LSB"
        var at = from
        while at + 4 <= to {
            guard let hit = prefix.withUnsafeBytes({ logstore_memmem(base + at, to - at, $0.baseAddress, 3) }) else { return nil }
            let i = base.distance(to: hit)
            guard i + 4 <= to else { return nil }
            if buf[i + 3] == UInt8(ascii: "2") || buf[i + 3] == UInt8(ascii: "K") { return i }
            at = i + 1
        }
        return nil
    }
}
