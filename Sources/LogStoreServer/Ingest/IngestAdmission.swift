import LogStore

/// Bounds the decoded request bytes being stored at once. A request that does not fit is answered
/// 429 with Retry-After at once instead of queueing without bound (the writer is never waited on by
/// an unbounded number of requests).
final class IngestAdmission: Sendable {
    private let limit: Int
    private let inFlight = LockedState(0)   // LockedState: visible to TSan

    init(limit: Int) { self.limit = limit }

    /// Reserves `bytes`; false when the reservation would pass the limit (a single request larger than
    /// the limit is admitted when nothing else is in flight, so it cannot be refused forever).
    func admit(_ bytes: Int) -> Bool {
        inFlight.withLock { current in
            guard current == 0 || current + bytes <= limit else { return false }
            current += bytes
            return true
        }
    }

    func release(_ bytes: Int) {
        inFlight.withLock { $0 -= bytes }
    }
}
