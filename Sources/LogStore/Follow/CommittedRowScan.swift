import Glibc
import LogStoreFormat

/// One window of a ``CommittedRowScan``: decoded segment blocks and, in ascending sequence order,
/// where each of the window's rows is in them. Readers that encode rows themselves (the forwarder's
/// JSON) read the columns straight from the blocks, without a ``LogRecord`` per row.
package struct SegmentRows: Sendable {
    /// A row: an index into ``blocks`` and a row of that block.
    package struct Place: Sendable {
        package var block: Int32
        package var row: Int32
    }

    /// The blocks the rows come from, every section decoded.
    package var blocks: [DecodedBlock] = []
    /// The rows above the previous window's end, through ``through``, in ascending sequence order.
    package var order: [Place] = []
    /// Every sequence number up to this one that the committed segments hold has been handed out
    /// (in this window or an earlier one).
    package var through: UInt64 = 0
}

/// Reads the records above a sequence number that a store's committed segments hold, a window of
/// sequence numbers at a time, in sequence order, from another process (no lock, nothing changed
/// on disk), as ``LogStore/follow(directory:filter:after:bufferSize:)`` reads them from segments.
///
/// It reads no further than the sequence before the oldest WAL file's first one (every smaller
/// sequence is in segments by then, docs/FORMAT.md 4 and 6), so a follower started after the last
/// window's ``SegmentRows/through`` delivers exactly the rest. It stops early, before a window, at a
/// block or file it cannot read: the follower started there reads (and reports) it as usual.
package struct CommittedRowScan {
    private let segments: [Segment]
    private let top: UInt64
    private let window: UInt64
    private var low: UInt64
    /// Why the scan stopped before ``top``, if it did.
    package private(set) var stoppedBy: String?

    /// - Parameters:
    ///   - after: hand out sequences above this one.
    ///   - window: sequence numbers per window (bounds the rows sorted and held at once).
    package init(directory: String, after: UInt64, window: UInt64 = 16_384) throws(LogStoreError) {
        let io = PosixIO()
        let walDirectory = joinPath(directory, "wal")
        var walNumbers: [UInt64] = []
        if io.exists(walDirectory) {
            do throws(LogStoreError) {
                walNumbers = try LogStore.listWAL(walDirectory, io: io)
            } catch {
                if error.code != ENOENT { throw error }
            }
        }
        // The WAL files first, then the segments: whatever a flush moves out of a WAL file listed
        // here is in the segments loaded after, and a file deleted before the listing was flushed
        // into segments before that.
        var top = UInt64.max
        if let oldest = walNumbers.first {
            // Sequences from the oldest WAL file's first one on may be only in WAL files.
            let first = Self.firstSequence(ofWAL: joinPath(walDirectory, WALFormat.fileName(oldest)), io: io) ?? 0
            top = first > 0 ? first - 1 : 0   // an unreadable or vanished header: all left to the follower
        }
        var recovery = RecoveryReport()
        let catalog = try SegmentCatalog.load(directory: joinPath(directory, "segments"), io: io, report: &recovery)
        let committed = catalog.classify(walNumbers: Set(walNumbers)).committed
        top = min(top, committed.reduce(0) { max($0, $1.summary.maxSequence) })
        segments = committed
        self.top = top
        self.window = max(1, window)
        low = after &+ 1
        stoppedBy = recovery.unreadableSegments.isEmpty ? nil : "a segment cannot be read"
        if stoppedBy != nil { low = .max }   // the follower reports unreadable segments
    }

    /// The next window, or nil when the scan is over (read through the top, or stopped: see ``stoppedBy``).
    package mutating func next() -> SegmentRows? {
        guard top > 0, low <= top, low != .max else { return nil }
        let high = top - low >= window ? low + window - 1 : top
        var out = SegmentRows()
        var sequences: [UInt64] = []
        for segment in segments where segment.summary.maxSequence >= low && segment.summary.minSequence <= high {
            let footer: SegmentFooter
            do throws(LogStoreError) {
                footer = try segment.footer()   // read on first use when the MANIFEST described the segment
            } catch {
                stoppedBy = "the footer of segments/\(segment.name): \(error.message)"
                low = .max
                return nil
            }
            for (index, entry) in footer.blocks.enumerated() where entry.maxSequence >= low && entry.minSequence <= high {
                let block: DecodedBlock
                do throws(LogStoreError) {
                    block = try segment.readBlock(index)
                } catch {
                    stoppedBy = "block \(index) of segments/\(segment.name): \(error.message)"
                    low = .max
                    return nil
                }
                let blockIndex = Int32(out.blocks.count)
                for row in 0..<block.count where (low...high).contains(block.sequences[row]) {
                    out.order.append(SegmentRows.Place(block: blockIndex, row: Int32(row)))
                    sequences.append(block.sequences[row])
                }
                out.blocks.append(block)
            }
        }
        if !zip(sequences, sequences.dropFirst()).allSatisfy({ $0 < $1 }) {
            let sorted = zip(sequences, out.order).sorted { $0.0 < $1.0 }
            out.order = sorted.map(\.1)
        }
        out.through = high
        low = high == .max ? .max : high + 1
        return out
    }

    /// The first sequence a WAL file's header names, or nil when it cannot be read.
    private static func firstSequence(ofWAL path: String, io: any StorageIO) -> UInt64? {
        do throws(LogStoreError) {
            let file = try File(path: path, flags: O_RDONLY, io: io)
            let bytes = try file.read(at: 0, count: WALFormat.headerSize)
            return try? bytes.withBytes { b throws(FormatError) in try WALHeader.decode(b) }.firstSequence
        } catch {
            return nil
        }
    }
}
