/// Chooses what to compact (docs/FORMAT.md, 10.3 and 10.4). Pure: segments, settings and a clock
/// reading in, tasks out.
struct CompactionPlanner {
    /// One compacted segment to write: its aligned window and its inputs, in time order.
    struct Task: Sendable {
        var windowStart: Int64
        var windowSpan: Int64
        var inputs: [Segment]
    }

    /// Segments of one window are compacted once this many small ones exist, even before it ends.
    static let eagerInputCount = 16

    /// The segment span in nanoseconds.
    let span: Int64
    /// The compaction width `W` in nanoseconds (10.3).
    let width: Int64
    /// The most raw bytes several merged inputs hold; compacted segments are inputs while below half of it.
    let targetRawBytes: Int
    /// Records older than this have expired.
    let oldestRetained: Int64
    /// Now, in nanoseconds since the epoch.
    let now: Int64
    /// Compact a window even before it ended or reached ``eagerInputCount`` small segments
    /// (`logstore compact`).
    let eager: Bool

    init(settings: StoreSettings, now: Int64, segmentMaxBytes: Int, eager: Bool) {
        span = max(1, settings.segmentSpanSeconds) &* 1_000_000_000
        width = Self.width(span: span, retention: settings.retentionSeconds &* 1_000_000_000)
        targetRawBytes = max(1 << 20, min(segmentMaxBytes, 64 << 20))
        oldestRetained = now &- settings.retentionSeconds &* 1_000_000_000
        self.now = now
        self.eager = eager
    }

    /// `S · 2^k`, the largest with `W ≤ max(S, retention / 8)` (10.3).
    static func width(span: Int64, retention: Int64) -> Int64 {
        let limit = max(span, retention / 8)
        var w = span
        while w <= limit / 2 { w *= 2 }
        return w
    }

    /// `floor(t / W) · W`.
    func windowStart(_ t: Int64) -> Int64 {
        let q = t / width
        return (t < 0 && t % width != 0 ? q - 1 : q) * width
    }

    /// The tasks for `candidates` (segments that may be compacted: committed, of flush groups whose
    /// WAL file is gone, or compacted ones), windows oldest first.
    func plan(_ candidates: [Segment]) -> [Task] {
        var byWindow: [Int64: [Segment]] = [:]
        // Small segments merge; a flushed segment of any size is re-encoded (alone when large).
        for s in candidates where (s.rawBytes < targetRawBytes / 2 || !s.isCompacted) && s.maxTimestamp >= oldestRetained {
            let start = windowStart(s.minTimestamp)
            // A segment reaching past one window (an older, wider span) stays as it is.
            guard windowStart(s.maxTimestamp) == start else { continue }
            byWindow[start, default: []].append(s)
        }
        var tasks: [Task] = []
        for start in byWindow.keys.sorted() {
            guard var small = byWindow[start] else { continue }
            let ended = start &+ width <= now &- span
            guard eager || ended || small.count >= Self.eagerInputCount else { continue }
            small.sort { ($0.minTimestamp, $0.id) < ($1.minTimestamp, $1.id) }
            var current: [Segment] = []
            var bytes = 0
            for s in small {
                if !current.isEmpty && bytes + s.rawBytes > targetRawBytes {
                    if Self.worthWriting(current) { tasks.append(Task(windowStart: start, windowSpan: width, inputs: current)) }
                    current = []
                    bytes = 0
                }
                current.append(s)
                bytes += s.rawBytes
            }
            if Self.worthWriting(current) { tasks.append(Task(windowStart: start, windowSpan: width, inputs: current)) }
        }
        return tasks
    }

    /// Two or more segments merge; a lone flushed segment of a window is re-encoded for size (LZ4 HC,
    /// larger blocks); a lone compacted segment stays as it is.
    static func worthWriting(_ inputs: [Segment]) -> Bool {
        inputs.count >= 2 || inputs.contains { !$0.isCompacted }
    }
}
