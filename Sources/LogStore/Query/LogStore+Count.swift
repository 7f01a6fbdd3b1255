import Glibc
import Dispatch
import LogStoreFormat
extension LogStore {
    /// The number of records a query would return, ignoring its limit. Segments and blocks entirely
    /// inside the time range are counted from their summaries, without decompression (segments without
    /// reading their footers), when only time, level and source narrow the query.
    public func count(_ query: LogQuery) throws(LogStoreError) -> Int {
        try tally(query, perLevel: false).reduce(0, +)
    }

    /// Record counts per level for a query (levels without records are absent), from block
    /// summaries wherever possible.
    public func countByLevel(_ query: LogQuery) throws(LogStoreError) -> [LogLevel: Int] {
        let counts = try tally(query, perLevel: true)
        var out: [LogLevel: Int] = [:]
        for l in LogLevel.allCases where counts[Int(l.rawValue)] > 0 { out[l] = counts[Int(l.rawValue)] }
        return out
    }

    /// Counts per level byte; with `perLevel` false only the sum is meaningful.
    private func tally(_ query: LogQuery, perLevel: Bool) throws(LogStoreError) -> [Int] {
        var q = query
        q.limit = nil
        let (snapshot, predicate) = try prepare(q)
        var counts = [Int](repeating: 0, count: LogLevel.count)
        guard !predicate.isEmpty else { return counts }
        // Blocks the summaries answer are counted here; the rest are decoded, on every core.
        var toDecode: [(segment: Segment, block: Int, messagesOnly: Bool)] = []
        for segment in snapshot.segments where predicate.mayMatch(segment) {
            // A segment entirely inside the time range, when only time and level narrow the query, is
            // counted from its summary (the manifest's, FORMAT.md 11.1) without reading its footer.
            if predicate.isSummaryCountable && predicate.sources == nil
                && segment.minTimestamp >= predicate.since && segment.maxTimestamp < predicate.until {
                for l in 0..<LogLevel.count where predicate.levelMask & (1 << UInt8(l)) != 0 {
                    counts[l] += Int(segment.summary.levelCounts[l])
                }
                continue
            }
            let allowed: Set<UInt32>? = predicate.sources.map { segment.sourceIndexes(Array($0)) }
            let footer = try segment.footer()
            for index in try predicate.candidateBlocks(segment) {
                let entry = footer.blocks[index]
                if predicate.isSummaryCountable && predicate.coversTime(entry)
                    && Self.countFromSummary(entry, predicate: predicate, allowed: allowed, perLevel: perLevel, into: &counts) {
                    continue
                }
                // A text search over blocks whose every record passes the other conditions reads only messages.
                let messagesOnly = predicate.onlyMessageDecides(segment, entry, allowed: allowed)
                    && (!perLevel || entry.levelMask.nonzeroBitCount == 1)
                toDecode.append((segment, index, messagesOnly))
            }
        }
        let decoded = try Self.countDecoding(toDecode, predicate: predicate)
        for l in counts.indices { counts[l] += decoded[l] }
        for head in snapshot.heads {
            do throws(FormatError) {
                for row in try predicate.matchingRows(head) { counts[Int(row.level)] += 1 }
            } catch {
                throw LogStoreError(.corruption, "a buffered record does not decode: \(error.reason)")
            }
        }
        return counts
    }

    /// Counts the matches of `blocks` by decoding them, split over the available cores.
    private static func countDecoding(_ blocks: [(segment: Segment, block: Int, messagesOnly: Bool)],
                                      predicate: Predicate) throws(LogStoreError) -> [Int] {
        let workers = blocks.count >= 8 ? max(1, min(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 8)) : 1
        let results = LockedState<(counts: [Int], error: LogStoreError?)>(([Int](repeating: 0, count: LogLevel.count), nil))
        let work: @Sendable (Int) -> Void = { worker in
            var counts = [Int](repeating: 0, count: LogLevel.count)
            var i = worker
            while i < blocks.count {
                let (segment, index, messagesOnly) = blocks[i]
                i += workers
                do throws(LogStoreError) {
                    if messagesOnly {
                        let block = try segment.readBlock(index, sections: [.messages])
                        let entry = try segment.footer().blocks[index]
                        let level = entry.levelCounts.firstIndex { $0 > 0 } ?? 0
                        counts[level] += predicate.countMessageMatches(block)
                        continue
                    }
                    let block = try segment.readBlock(index, sections: predicate.sectionsForFiltering)
                    do throws(FormatError) {
                        for row in try predicate.matchingRows(block) { counts[Int(block.levels[row])] += 1 }
                    } catch {
                        throw .corruption("block \(index): \(error.reason)", path: segment.path,
                                          offset: Int((try? segment.footer().blocks[index].offset) ?? 0))
                    }
                } catch {
                    results.withLock { if $0.error == nil { $0.error = error } }
                    return
                }
            }
            results.withLock { r in for l in counts.indices { r.counts[l] += counts[l] } }
        }
        if workers > 1 { DispatchQueue.concurrentPerform(iterations: workers, execute: work) } else { work(0) }
        let (counts, error) = results.withLock { ($0.counts, $0.error) }
        if let error { throw error }
        return counts
    }

    /// Adds a block's matches from its summary when the summary determines them; returns false when
    /// the block must be decoded.
    private static func countFromSummary(_ entry: BlockEntry, predicate: Predicate, allowed: Set<UInt32>?,
                                         perLevel: Bool, into counts: inout [Int]) -> Bool {
        let allSources = allowed.map { a in entry.sourceCounts.allSatisfy { a.contains($0.source) } } ?? true
        if allSources {
            for l in 0..<LogLevel.count where predicate.levelMask & (1 << UInt8(l)) != 0 {
                counts[l] += Int(entry.levelCounts[l])
            }
            return true
        }
        // Some sources are excluded: exact only when no level is excluded, and per level only when
        // the block holds a single level.
        guard let allowed, entry.levelMask & ~predicate.levelMask == 0 else { return false }
        let n = entry.sourceCounts.reduce(0) { allowed.contains($1.source) ? $0 + Int($1.count) : $0 }
        let levels = entry.levelCounts.indices.filter { entry.levelCounts[$0] > 0 }
        if !perLevel || levels.count == 1 {
            counts[levels.first ?? 0] += n
            return true
        }
        return false
    }
}
