/// The paged correlation index of segment versions 4 and 5 (docs/FORMAT.md, 5.6): the `(hash, block)`
/// pairs stored in pages of at most ``maxEntries`` between the last block and the footer body, each with
/// its own checksum, and a small fence table in the footer. Opening a segment reads only the fence; a
/// lookup reads the pages that may hold its hash.
public enum CorrelationPages {
    /// Pairs per page, at most.
    public static let maxEntries = 512
    /// Bytes of one pair in a page: `hash:u64` and `block:u32`.
    public static let pairSize = 12

    /// One page's entry in the fence table.
    public struct Page: Sendable, Equatable {
        /// The page's first hash.
        public var firstHash: UInt64
        /// Pairs in the page, 1…``CorrelationPages/maxEntries``.
        public var count: Int
        /// `CRC32C` of the page's bytes.
        public var checksum: UInt32
        /// File offset of the page (derived from `index_offset` and the counts before it).
        public var offset: UInt64

        public init(firstHash: UInt64, count: Int, checksum: UInt32, offset: UInt64) {
            self.firstHash = firstHash
            self.count = count
            self.checksum = checksum
            self.offset = offset
        }

        /// Bytes of the page on disk.
        public var length: Int { count * CorrelationPages.pairSize }
    }

    /// The fence of a footer: where the pages start and each page's entry.
    public struct Fence: Sendable, Equatable {
        /// File offset of the first page (the end of the last block).
        public var indexOffset: UInt64
        public var pages: [Page]
        /// Pairs in all pages.
        public var pairCount: Int

        public init(indexOffset: UInt64, pages: [Page], pairCount: Int) {
            self.indexOffset = indexOffset
            self.pages = pages
            self.pairCount = pairCount
        }

        /// File offset just past the last page: the footer body offset.
        public var end: UInt64 { indexOffset + UInt64(pairCount * CorrelationPages.pairSize) }

        /// The pages that may hold `hash`, a contiguous range: the last page whose first hash is below
        /// it and every page whose first hash equals it.
        public func candidates(for hash: UInt64) -> Range<Int> {
            var lo = 0
            var hi = pages.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if pages[mid].firstHash < hash { lo = mid + 1 } else { hi = mid }
            }
            var end = lo
            while end < pages.count && pages[end].firstHash == hash { end += 1 }
            return (lo > 0 ? lo - 1 : lo)..<end
        }
    }

    /// Cuts sorted `pairs` into pages placed from `offset`: the pages' bytes and the fence that finds them.
    public static func encode(_ pairs: [(UInt64, UInt32)], at offset: UInt64) -> (bytes: [UInt8], fence: Fence) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(pairs.count * pairSize)
        var pages: [Page] = []
        var start = 0
        while start < pairs.count {
            let end = min(start + maxEntries, pairs.count)
            var w = ByteWriter(capacity: (end - start) * pairSize)
            for i in start..<end { w.u64(pairs[i].0) }
            for i in start..<end { w.u32(pairs[i].1) }
            pages.append(Page(firstHash: pairs[start].0, count: end - start, checksum: CRC32C.checksum(w.bytes),
                              offset: offset + UInt64(bytes.count)))
            bytes.append(contentsOf: w.bytes)
            start = end
        }
        return (bytes, Fence(indexOffset: offset, pages: pages, pairCount: pairs.count))
    }

    /// Writes the fence into a footer body: `P:varint N:varint index_offset:u64 (first_hash:u64 n:varint checksum:u32) ×N`.
    static func encodeFence(_ fence: Fence, into w: inout ByteWriter) {
        w.varint(fence.pairCount)
        w.varint(fence.pages.count)
        w.u64(fence.indexOffset)
        for p in fence.pages {
            w.u64(p.firstHash)
            w.varint(p.count)
            w.u32(p.checksum)
        }
    }

    /// Reads a fence, checking the counts and the order of the first hashes. `blocksEnd` is the end of
    /// the last block (or of the header), where the pages must start.
    static func decodeFence(_ r: inout ByteReader, blocksEnd: UInt64) throws(FormatError) -> Fence {
        let at = r.offset
        let pairs = try r.count("correlation pair count", max: Int(UInt32.max))
        // A fence entry takes at least 13 bytes.
        let n = try r.count("correlation page count", max: r.remaining / 13)
        let indexOffset = try r.u64("correlation index offset")
        guard indexOffset == blocksEnd else {
            throw FormatError("correlation index starts at \(indexOffset), the blocks end at \(blocksEnd)", at: at)
        }
        guard (n == 0) == (pairs == 0), n <= pairs, pairs <= n * maxEntries else {
            throw FormatError("\(pairs) correlation pairs cannot fill \(n) pages", at: at)
        }
        var pages: [Page] = []
        pages.reserveCapacity(n)
        var offset = indexOffset
        var total = 0
        for i in 0..<n {
            let entryAt = r.offset
            let first = try r.u64("page first hash")
            let count = try r.count("page pair count", max: maxEntries)
            let crc = try r.u32("page checksum")
            guard count >= 1 else { throw FormatError("correlation page \(i) is empty", at: entryAt) }
            if let previous = pages.last, previous.firstHash > first {
                throw FormatError("correlation page \(i) starts below the page before it", at: entryAt)
            }
            pages.append(Page(firstHash: first, count: count, checksum: crc, offset: offset))
            offset += UInt64(count * pairSize)
            total += count
        }
        guard total == pairs else { throw FormatError("correlation pages hold \(total) pairs, the fence says \(pairs)", at: at) }
        return Fence(indexOffset: indexOffset, pages: pages, pairCount: pairs)
    }

    /// Checks and decodes page `index` of `fence` from its bytes: checksum, first hash, order (strictly
    /// ascending pairs, the last hash not above the next page's first), blocks below `blockCount`.
    public static func decodePage(_ bytes: UnsafeRawBufferPointer, index: Int, fence: Fence,
                                  blockCount: Int) throws(FormatError) -> (hashes: [UInt64], blocks: [UInt32]) {
        let page = fence.pages[index]
        guard bytes.count == page.length else {
            throw FormatError("correlation page \(index) is \(bytes.count) bytes, expected \(page.length)", at: 0)
        }
        guard CRC32C.checksum(bytes) == page.checksum else {
            throw FormatError("correlation page \(index) checksum mismatch", at: 0)
        }
        var hashes: [UInt64] = []
        var blocks: [UInt32] = []
        hashes.reserveCapacity(page.count)
        blocks.reserveCapacity(page.count)
        for i in 0..<page.count { hashes.append(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))) }
        for i in 0..<page.count {
            let at = page.count * 8 + i * 4
            let b = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self))
            guard Int(b) < blockCount else {
                throw FormatError("correlation page \(index) points at block \(b) of \(blockCount)", at: at)
            }
            if i > 0 && (hashes[i - 1], blocks[i - 1]) >= (hashes[i], b) {
                throw FormatError("correlation page \(index) is not sorted at pair \(i)", at: i * 8)
            }
            blocks.append(b)
        }
        guard hashes.first == page.firstHash else {
            throw FormatError("correlation page \(index) starts with another hash than its fence entry", at: 0)
        }
        if index + 1 < fence.pages.count, let last = hashes.last, last > fence.pages[index + 1].firstHash {
            throw FormatError("correlation page \(index) ends above the next page's first hash", at: (page.count - 1) * 8)
        }
        return (hashes, blocks)
    }
}
