extension Predicate {
    /// Whether a segment may hold a match, from its footer alone.
    func mayMatch(_ s: Segment) -> Bool {
        guard timeOverlaps(min: s.minTimestamp, max: s.maxTimestamp) else { return false }
        if let sources, !s.footer.sources.contains(where: sources.contains) { return false }
        return true
    }

    /// The blocks of `s` that may hold a match, in the query's order, judged from the footer.
    func candidateBlocks(_ s: Segment) -> [Int] {
        let footer = s.footer
        let allowedSources: Set<UInt32>? = sources.map { s.sourceIndexes(Array($0)) }
        var indexes: [Int]
        if let correlation {
            var seen = Set<Int>()
            indexes = s.blocks(forCorrelationHash: correlation.hash).filter { seen.insert($0).inserted }
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

    /// Whether every record of the block satisfies the time bounds (so summaries can stand in for it).
    func coversTime(_ b: BlockEntry) -> Bool {
        b.minTimestamp >= since && b.maxTimestamp < until
    }

    /// Row indexes of `block` that match, ascending. Decodes the attribute columns when a condition needs them.
    func matchingRows(_ block: inout DecodedBlock) throws(FormatError) -> [Int] {
        if !attributes.isEmpty { try block.decodeAttributes() }
        let sourceOK: [Bool]? = sources.map { wanted in block.sources.map { wanted.contains($0) } }
        // Keys compare like `LogRecord.attribute(_:)` (canonical equivalence), and a dictionary may hold
        // several byte spellings of one key: each condition looks at all of them.
        let keyIndexes: [Set<UInt32>] = attributes.map { f in block.keyIndexes(matching: f.key) }
        if keyIndexes.contains(where: \.isEmpty) { return [] }
        var rows: [Int] = []
        for i in 0..<block.count {
            guard keyInRange(block.timestamps[i], block.sequences[i]),
                  levelMask & (1 << block.levels[i]) != 0 else { continue }
            if let sourceOK, !sourceOK[Int(block.sourceIndex[i])] { continue }
            if let correlation, !block.correlationMatches(i, correlation) { continue }
            if needle != nil, !block.withMessageBytes(i, { messageMatches($0) }) { continue }
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
