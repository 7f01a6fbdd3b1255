import Glibc
import LogStoreFormat

/// One segment file opened for inspection, read-only and without the store's lock. Works on a file
/// inside a store or on a copy anywhere else (nothing is read outside the file itself).
///
/// Opening reads the header, trailer and footer only; blocks are read, checked and decoded one at a
/// time with ``records(inBlock:)``. Every instance is immutable and may be used from any thread.
public struct SegmentFile: Sendable {
    let segment: Segment
    /// The footer: block table, sources and correlation index (FORMAT.md section 5.3).
    public let footer: SegmentFooter

    /// Wraps an open segment, reading its footer if a manifest described it.
    init(segment: Segment) throws(LogStoreError) {
        self.segment = segment
        self.footer = try segment.footer()
    }

    /// Opens the segment file at `path`: checks its header, trailer and footer checksums and versions.
    /// Throws a `.corruption` error naming the file and offset when they are damaged.
    public static func open(_ path: String) throws(LogStoreError) -> SegmentFile {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return try SegmentFile(segment: try Segment(path: path, name: name, io: PosixIO()))
    }

    /// The file's path as given to ``open(_:)``.
    public var path: String { segment.path }
    /// The 64-byte header (FORMAT.md section 5.1).
    public var header: SegmentHeader { segment.header }
    /// The file's size in bytes.
    public var fileSize: Int64 { segment.fileSize }

    /// Every `(hash, block)` pair of the correlation index, sorted. Versions 4 and 5 read and check
    /// its pages (FORMAT.md 5.6); throws a `.corruption` error naming the damaged page's offset.
    public func correlationPairs() throws(LogStoreError) -> [(hash: UInt64, block: UInt32)] {
        try segment.correlationPairs()
    }

    /// Reads block `index`, checks its checksums and that it agrees with its footer entry, and
    /// decodes its records in store order. Throws a `.corruption` error with the file and offset.
    public func records(inBlock index: Int) throws(LogStoreError) -> [LogRecord] {
        guard index >= 0 && index < footer.blocks.count else {
            throw LogStoreError(.invalidArgument, "block \(index) does not exist; the segment has \(footer.blocks.count) blocks", path: path)
        }
        let block = try segment.readBlock(index)
        do throws(FormatError) { return try block.records(Array(0..<block.count)[...]) }
        catch { throw .corruption("block \(index): \(error.reason)", path: path, offset: Int(footer.blocks[index].offset)) }
    }

    /// The records of block `index` that decode, and a description of each row that does not (a
    /// damaged string in an otherwise intact block). Throws when the block itself is unreadable.
    public func readableRecords(inBlock index: Int) throws(LogStoreError) -> (records: [LogRecord], damagedRows: [String]) {
        guard index >= 0 && index < footer.blocks.count else {
            throw LogStoreError(.invalidArgument, "block \(index) does not exist; the segment has \(footer.blocks.count) blocks", path: path)
        }
        let block = try segment.readBlock(index)
        var records: [LogRecord] = []
        var damaged: [String] = []
        records.reserveCapacity(block.count)
        for i in 0..<block.count {
            do throws(FormatError) { records.append(try block.record(i)) }
            catch { damaged.append("block \(index) row \(i): \(error.reason)") }
        }
        return (records, damaged)
    }
}
