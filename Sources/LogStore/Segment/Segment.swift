#if canImport(Glibc)
import Glibc
#endif

/// An open, immutable segment file: its header and footer in memory, blocks read on demand.
///
/// Shared by reference between the store's segment set and running queries; the file stays readable
/// while any query holds it, even after expiry unlinked it.
final class Segment: Sendable {
    let id: UInt64
    let name: String
    let file: File
    let header: SegmentHeader
    let footer: SegmentFooter
    let fileSize: Int64

    /// Opens `path` and reads its header, trailer and footer (never its blocks).
    init(path: String, name: String, io: any StorageIO) throws(LogStoreError) {
        let file = try File(path: path, flags: O_RDONLY, io: io)
        let size = try file.size()
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
        let footer: SegmentFooter
        do throws(FormatError) { footer = try footerBytes.withBytes { b throws(FormatError) in try SegmentFooter.decode(b) } }
        catch { throw .format(error, path: path, base: Int(trailer.footerOffset)) }
        guard footer.blocks.count == Int(trailer.blockCount) else {
            throw .corruption("trailer counts \(trailer.blockCount) blocks, footer lists \(footer.blocks.count)", path: path, offset: Int(trailerAt) + 20)
        }
        if let last = footer.blocks.last, last.offset + UInt64(last.diskLength) > trailer.footerOffset {
            throw .corruption("the last block overlaps the footer", path: path, offset: Int(last.offset))
        }
        self.id = header.segmentID
        self.name = name
        self.file = file
        self.header = header
        self.footer = footer
        self.fileSize = size
    }

    var minTimestamp: Int64 { footer.minTimestamp }
    var maxTimestamp: Int64 { footer.maxTimestamp }
    var recordCount: Int { Int(footer.recordCount) }
    var path: String { file.path }

    /// Reads, checks and decodes block `index`; with `attributes` false the attribute columns are
    /// left undecoded (see ``DecodedBlock/decodeAttributes()``).
    func readBlock(_ index: Int, attributes: Bool = true) throws(LogStoreError) -> DecodedBlock {
        let entry = footer.blocks[index]
        let bytes = try file.read(at: Int64(entry.offset), count: entry.diskLength)
        do throws(FormatError) {
            let raw = try bytes.withBytes { b throws(FormatError) in try BlockHeader.open(b) }
            let block = try DecodedBlock(raw: raw, attributes: attributes)
            guard block.count == Int(entry.recordCount) else {
                throw FormatError("block holds \(block.count) records, the footer says \(entry.recordCount)", at: 0)
            }
            return block
        } catch {
            throw .corruption("block \(index): \(error.reason)", path: path, offset: Int(entry.offset) + error.offset)
        }
    }

    /// Indexes of the blocks that may hold the correlation ID with `hash`, ascending.
    func blocks(forCorrelationHash hash: UInt64) -> [Int] {
        let hashes = footer.correlationHashes
        var lo = 0
        var hi = hashes.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if hashes[mid] < hash { lo = mid + 1 } else { hi = mid }
        }
        var out: [Int] = []
        while lo < hashes.count && hashes[lo] == hash {
            out.append(Int(footer.correlationBlocks[lo]))
            lo += 1
        }
        return out
    }

    /// Index of each source name in the segment dictionary.
    func sourceIndexes(_ names: [String]) -> Set<UInt32> {
        var out = Set<UInt32>()
        for (i, s) in footer.sources.enumerated() where names.contains(s) { out.insert(UInt32(i)) }
        return out
    }
}
