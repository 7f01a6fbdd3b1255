/// What an append did.
public struct AppendReceipt: Sendable {
    /// Records stored, with consecutive sequence numbers `firstSequence...lastSequence`.
    public var accepted = 0
    /// First sequence number assigned, 0 when nothing was accepted.
    public var firstSequence: UInt64 = 0
    /// Last sequence number assigned, 0 when nothing was accepted.
    public var lastSequence: UInt64 = 0
    /// Records not stored because they were already older than the retention period.
    public var droppedExpired = 0
    /// Records not stored because their timestamp lies too far in the future.
    public var rejectedFuture = 0
    /// Records not stored because their idempotency key was accepted before, within the window
    /// (``StoreOptions/idempotencyWindow``), by this append or an earlier one.
    public var duplicates = 0
    /// Records not stored because they were invalid, with their index in the batch and the reason.
    public var rejected: [(index: Int, reason: String)] = []
    /// WAL position covering this append; pass the receipt to ``LogStore/waitUntilDurable(_:)``.
    var lsn: Int64 = 0

    public init() {}
}
