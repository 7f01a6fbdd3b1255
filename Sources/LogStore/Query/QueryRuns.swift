/// One sorted source of records for the merge: a segment's matching rows, or a head's.
import LogStoreFormat

protocol QueryRun: AnyObject {
    /// The key of the current record, nil when exhausted.
    var current: QueryCursor? { get }
    /// Moves to the next matching record.
    func advance() throws(LogStoreError)
    /// The current record.
    func record() throws(LogStoreError) -> LogRecord
}

/// The matching rows of one segment, block by block, decoding one block at a time.
final class SegmentRun: QueryRun {
    /// Records are built this many rows at a time: calls into the block stay few (each passes the
    /// block's many columns), and a query with a small limit builds few records it does not return.
    private static let chunk = 64

    private let segment: Segment
    private let predicate: Predicate
    private let blocks: [Int]
    private var blockPosition = -1
    private var block: DecodedBlock?
    /// Matching rows of the current block, in the query's order.
    private var rows: [Int] = []
    private var rowPosition = 0
    /// Keys of `rows`, so that the merge compares without touching the block.
    private var keys: [QueryCursor] = []
    /// Records built for rows `builtFrom..<builtFrom + records.count`.
    private var records: [LogRecord] = []
    private var builtFrom = 0
    private let statistics: QueryStatisticsBox
    private(set) var current: QueryCursor?

    init(segment: Segment, blocks: [Int], predicate: Predicate, statistics: QueryStatisticsBox) {
        self.segment = segment
        self.blocks = blocks
        self.predicate = predicate
        self.statistics = statistics
    }

    func advance() throws(LogStoreError) {
        rowPosition += 1
        while rowPosition >= rows.count {
            blockPosition += 1
            guard blockPosition < blocks.count else {
                current = nil
                block = nil
                records = []
                return
            }
            let index = blocks[blockPosition]
            // A correlation lookup reads only blocks the index lists, which nearly always match: read
            // every section at once (one read) instead of the core first and the rest after.
            let wanted = predicate.correlation != nil ? BlockSection.allCases : predicate.sectionsForFiltering
            var decoded = try segment.readBlock(index, sections: wanted)
            statistics.value.blocksRead += 1
            do throws(FormatError) {
                rows = try predicate.matchingRows(decoded)
            } catch {
                throw .corruption("block \(index): \(error.reason)", path: segment.path,
                                  offset: Int((try? segment.footer().blocks[index].offset) ?? 0))
            }
            // Only blocks with matches pay for the other sections, which records need.
            if !rows.isEmpty { try segment.load(BlockSection.allCases, into: &decoded, index: index) }
            statistics.value.bytesDecompressed += decoded.decodedBytes
            if predicate.descending { rows.reverse() }
            keys = rows.map { QueryCursor(timestamp: decoded.timestamps[$0], sequence: decoded.sequences[$0]) }
            block = decoded
            records = []
            builtFrom = 0
            rowPosition = 0
        }
        current = keys[rowPosition]
    }

    func record() throws(LogStoreError) -> LogRecord {
        guard rowPosition < rows.count else { throw LogStoreError(.invalidArgument, "no current record") }
        if rowPosition >= builtFrom + records.count {
            // Build the next chunk in one call into the block.
            let index = blocks[blockPosition]
            let upTo = min(rows.count, rowPosition + Self.chunk)
            do throws(FormatError) {
                records = try block?.records(rows[rowPosition..<upTo]) ?? []
                builtFrom = rowPosition
            } catch {
                throw .corruption("block \(index): \(error.reason)", path: segment.path,
                                  offset: Int((try? segment.footer().blocks[index].offset) ?? 0))
            }
        }
        return records[rowPosition - builtFrom]
    }
}

/// The matching rows of one in-memory head, sorted in the query's order.
final class HeadRun: QueryRun {
    private let head: HeadSnapshot
    private let rows: [RowRef]
    private var position = -1
    private(set) var current: QueryCursor?

    init(head: HeadSnapshot, predicate: Predicate) throws(LogStoreError) {
        self.head = head
        do throws(FormatError) {
            rows = try predicate.matchingRows(head)
        } catch {
            throw LogStoreError(.corruption, "a buffered record does not decode: \(error.reason)")
        }
    }

    var count: Int { rows.count }

    func advance() throws(LogStoreError) {
        position += 1
        current = position < rows.count ? QueryCursor(timestamp: rows[position].timestamp, sequence: rows[position].sequence) : nil
    }

    func record() throws(LogStoreError) -> LogRecord {
        do throws(FormatError) {
            return try withExtendedLifetime(head) { () throws(FormatError) -> LogRecord in try rows[position].record() }
        } catch {
            throw LogStoreError(.corruption, "a buffered record does not decode: \(error.reason)")
        }
    }
}

/// Per-query counters, shared by the runs of one query.
final class QueryStatisticsBox {
    var value = QueryStatistics()
}

/// What a query read.
public struct QueryStatistics: Sendable {
    /// Segments considered.
    public var segments = 0
    /// Segments skipped from their footer alone.
    public var segmentsSkipped = 0
    /// Blocks skipped from footer summaries, without reading them.
    public var blocksSkipped = 0
    /// Blocks read and decompressed.
    public var blocksRead = 0
    /// Raw bytes decompressed.
    public var bytesDecompressed = 0
    /// Blocks answered from summaries without decompressing (counts only).
    public var blocksCountedFromSummaries = 0
}
