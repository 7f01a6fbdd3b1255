import CLogStoreSystem
import LogStoreFormat
extension Predicate {
    /// Whether a segment may hold a match, from its summary and correlation filter alone (nothing of
    /// the file is read: FORMAT.md 11.2).
    func mayMatch(_ s: Segment) -> Bool {
        guard timeOverlaps(min: s.minTimestamp, max: s.maxTimestamp) else { return false }
        if let sources, !s.summary.sources.contains(where: sources.contains) { return false }
        if let correlation, !s.mayHoldCorrelation(correlation.hash) { return false }
        return true
    }

    /// The blocks of `s` that may hold a match, in the query's order, judged from the footer.
    func candidateBlocks(_ s: Segment) throws(LogStoreError) -> [Int] {
        let footer = try s.footer()
        let allowedSources: Set<UInt32>? = sources.map { s.sourceIndexes(Array($0)) }
        var indexes: [Int]
        if let correlation {
            var seen = Set<Int>()
            indexes = try s.blocks(forCorrelationHash: correlation.hash).filter { seen.insert($0).inserted }
        } else {
            indexes = Array(footer.blocks.indices)
        }
        indexes = indexes.filter { i in
            let b = footer.blocks[i]
            guard timeOverlaps(min: b.minTimestamp, max: b.maxTimestamp), b.levelMask & levelMask != 0 else { return false }
            if let allowedSources, !b.sourceCounts.contains(where: { allowedSources.contains($0.source) }) { return false }
            return true
        }
        return descending ? indexes.reversed() : indexes
    }

    /// For each row, whether its message contains the needle (case-sensitive), found with one `memmem`
    /// pass over the block's concatenated messages instead of one call per row.
    func columnSearch(_ block: DecodedBlock) -> [Bool] {
        var hits = [Bool](repeating: false, count: block.count)
        forEachMessageHit(block) { hits[$0] = true }
        return hits
    }

    /// Calls `body` with each row (ascending, once) whose message contains the needle, case-sensitive.
    /// Needs only the messages section.
    func forEachMessageHit(_ block: DecodedBlock, _ body: (Int) -> Void) {
        guard let needle, !needle.isEmpty, block.count > 0, block.messagesDecoded else { return }
        let offsets = block.messageOffsets
        let columnStart = Int(offsets[0])
        let columnEnd = Int(offsets[block.count])
        block.messageColumn.withUnsafeBytes { raw in
            needle.withUnsafeBytes { n in
                guard let base = raw.baseAddress, let nb = n.baseAddress else { return }
                var pos = columnStart
                var row = 0
                while pos + n.count <= columnEnd,
                      let hit = logstore_memmem(base + pos, columnEnd - pos, nb, n.count) {
                    let at = base.distance(to: hit)
                    // The row holding `at`: offsets only grow, so walk forward from the last row.
                    while Int(offsets[row + 1]) <= at { row += 1 }
                    if at + n.count <= Int(offsets[row + 1]) {
                        body(row)
                        pos = Int(offsets[row + 1])  // this row is decided; go on with the next one
                    } else {
                        pos = at + 1  // the match straddles two messages: not a match
                    }
                }
            }
        }
    }

    /// Whether the footer alone shows that every record of the block passes every condition but the
    /// message text, so the messages section alone decides which rows match.
    func onlyMessageDecides(_ s: Segment, _ entry: BlockEntry, allowed: Set<UInt32>?) -> Bool {
        guard needle != nil, correlation == nil, attributes.isEmpty, after == nil, coversTime(entry),
              entry.levelMask & ~levelMask == 0 else { return false }
        if let allowed { return entry.sourceCounts.allSatisfy { allowed.contains($0.source) } }
        return true
    }

    /// The number of rows of a block whose message matches, from the messages section alone.
    func countMessageMatches(_ block: DecodedBlock) -> Int {
        var n = 0
        if foldCase {
            for i in 0..<block.count where block.withMessageBytes(i, { messageMatches($0) }) { n += 1 }
        } else {
            forEachMessageHit(block) { _ in n += 1 }
        }
        return n
    }

    /// Whether every record of the block satisfies the time bounds (so summaries can stand in for it).
    func coversTime(_ b: BlockEntry) -> Bool {
        b.minTimestamp >= since && b.maxTimestamp < until
    }

    /// Row indexes of `block` that match, ascending. The block must hold ``sectionsForFiltering``.
    func matchingRows(_ block: DecodedBlock) throws(FormatError) -> [Int] {
        for s in sectionsForFiltering where !block.has(s) {
            throw FormatError("the block's \(s) section was not read", at: 0)
        }
        let sourceOK: [Bool]? = sources.map { wanted in block.sources.map { wanted.contains($0) } }
        // Keys compare like `LogRecord.attribute(_:)` (canonical equivalence), and a dictionary may hold
        // several byte spellings of one key: each condition looks at all of them.
        let keyIndexes: [Set<UInt32>] = attributes.map { f in block.keyIndexes(matching: f.key) }
        if keyIndexes.contains(where: \.isEmpty) { return [] }
        // A case-sensitive substring is searched over the whole message column at once.
        let messageHits: [Bool]? = needle != nil && !foldCase ? columnSearch(block) : nil
        var rows: [Int] = []
        for i in 0..<block.count {
            guard keyInRange(block.timestamps[i], block.sequences[i]),
                  levelMask & (1 << block.levels[i]) != 0 else { continue }
            if let sourceOK, !sourceOK[Int(block.sourceIndex[i])] { continue }
            if let correlation, !block.correlationMatches(i, correlation) { continue }
            if let messageHits {
                if !messageHits[i] { continue }
            } else if needle != nil, !block.withMessageBytes(i, { messageMatches($0) }) { continue }
            if !attributes.isEmpty {
                var ok = true
                for (f, key) in zip(attributes, keyIndexes) {
                    guard let a = block.firstAttribute(row: i, keyIndexes: key) else { ok = false; break }
                    if !f.matches(try block.attributeValue(a)) { ok = false; break }
                }
                if !ok { continue }
            }
            rows.append(i)
        }
        return rows
    }
}
