import CLogStoreSystem
import LogStoreFormat

/// A compiled query: the conditions in the forms that are fast to test against block columns.
struct Predicate: Sendable {
    let since: Int64
    let until: Int64
    let levelMask: UInt8
    let sources: Set<String>?
    let correlation: CorrelationProbe?
    let needle: [UInt8]?
    let foldCase: Bool
    let needleIsASCII: Bool
    let attributes: [AttributeFilter]
    let after: QueryCursor?
    let descending: Bool

    init(_ q: LogQuery, oldestRetained: Int64) {
        since = max(q.since ?? .min, oldestRetained)
        until = q.until ?? .max
        var mask: UInt8 = 0
        for l in q.levels ?? Set(LogLevel.allCases) { mask |= 1 << l.rawValue }
        levelMask = mask
        sources = q.sources.isEmpty ? nil : Set(q.sources)
        correlation = q.correlationID.flatMap { $0.isEmpty ? nil : CorrelationProbe($0) }
        foldCase = q.caseInsensitive
        if let text = q.messageContains, !text.isEmpty {
            needleIsASCII = text.utf8.allSatisfy { $0 < 0x80 }
            needle = Array((q.caseInsensitive ? Self.fold(text) : text).utf8)
        } else {
            needle = nil
            needleIsASCII = true
        }
        attributes = q.attributes
        after = q.after
        descending = q.order == .descending
    }

    /// True when nothing can match (empty time range or no level).
    var isEmpty: Bool { since >= until || levelMask == 0 }

    /// The block sections the conditions read (records need all three).
    var sectionsForFiltering: [BlockSection] {
        var out: [BlockSection] = [.core]
        if needle != nil { out.append(.messages) }
        if !attributes.isEmpty { out.append(.attributes) }
        return out
    }

    /// Whether only time, level and source narrow the query, so block summaries can count it.
    var isSummaryCountable: Bool { correlation == nil && needle == nil && attributes.isEmpty && after == nil }

    static func fold(_ s: String) -> String { s.lowercased() }

    // MARK: Key bounds

    @inline(__always)
    func keyInRange(_ ts: Int64, _ seq: UInt64) -> Bool {
        guard ts >= since && ts < until else { return false }
        if let after {
            return descending ? QueryCursor(timestamp: ts, sequence: seq) < after
                              : after < QueryCursor(timestamp: ts, sequence: seq)
        }
        return true
    }

    /// Whether a range of keys `[minTs, maxTs]` may hold a match as far as time and cursor tell.
    func timeOverlaps(min minTs: Int64, max maxTs: Int64) -> Bool {
        guard maxTs >= since && minTs < until else { return false }
        if let after {
            return descending ? minTs <= after.timestamp : maxTs >= after.timestamp
        }
        return true
    }

    // MARK: Messages

    /// Tests the message bytes against ``needle``.
    @inline(__always)
    func messageMatches(_ message: UnsafeRawBufferPointer) -> Bool {
        guard let needle else { return true }
        if message.count < needle.count { return false }
        if !foldCase {
            return needle.withUnsafeBytes { n in
                logstore_memmem(message.baseAddress, message.count, n.baseAddress, n.count) != nil
            }
        }
        if needleIsASCII && !message.contains(where: { $0 >= 0x80 }) {
            return Self.asciiFoldedContains(message, needle)
        }
        let text = Self.fold(String(decoding: message, as: UTF8.self))
        return needle.withUnsafeBytes { n in
            var t = text
            return t.withUTF8 { logstore_memmem($0.baseAddress, $0.count, n.baseAddress, n.count) != nil }
        }
    }

    private static func asciiFoldedContains(_ hay: UnsafeRawBufferPointer, _ needle: [UInt8]) -> Bool {
        let n = needle.count
        guard n > 0 else { return true }
        let first = needle[0]
        let last = hay.count - n
        var i = 0
        while i <= last {
            if lower(hay[i]) == first {
                var j = 1
                while j < n && lower(hay[i + j]) == needle[j] { j += 1 }
                if j == n { return true }
            }
            i += 1
        }
        return false
    }

    @inline(__always)
    private static func lower(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }
}
