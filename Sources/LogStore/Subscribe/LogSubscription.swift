/// A live stream of the records a store commits that match a filter; made by
/// ``LogStore/subscribe(_:bufferSize:)``.
///
/// ```swift
/// var filter = LogQuery(sources: ["api-worker"])
/// filter.minimumLevel = .warning
/// for await event in try store.subscribe(filter, bufferSize: 4096) {
///     switch event {
///     case .record(let record): print(record.timestamp, record.level, record.message)
///     case .lagged(let skipped): print("… \(skipped) records skipped: the consumer fell behind")
///     case .damaged(let damage): print("… damaged records not delivered: \(damage)")
///     }
/// }
/// ```
///
/// - **When a record arrives:** as soon as the WAL committer acknowledges it under the store's
///   ``Durability``: after the `fdatasync` that covers it with `.sync` and `.batch`, after its `write`
///   with `.none`. A record whose WAL write or sync fails is never delivered.
/// - **Order:** commit (sequence) order, not timestamp order; a late record arrives when it is
///   committed. Sorted by `(timestamp, sequence)`, the records delivered are exactly those a query with
///   the same filter returns over the same records. ``LogQuery/limit`` ends the subscription after that
///   many matching records; ``LogQuery/order`` is ignored.
/// - **Bounded memory:** at most `bufferSize` records wait for the consumer. When the buffer is full,
///   newer matching records are dropped and counted, and the consumer gets one ``Event/lagged(skipped:)``
///   event in their place before the records that follow. The writer never waits for a subscriber.
/// - **Damage:** a committed row that does not decode is never dropped silently: the subscription
///   gets ``Event/damaged(_:)`` naming the WAL file and the byte within the append's frames, and
///   counts it in ``damageCount``; every readable record around it is still delivered. A damage event
///   is never dropped, even when the buffer is full.
/// - **Ending it:** cancelling the task that iterates, calling ``cancel()``, or dropping the
///   subscription and its iterator unsubscribes. ``LogStore/close()`` finishes the sequence once the
///   consumer has read what is buffered.
///
/// A subscription is one stream: iterate it once (a second iterator shares the same buffer).
public struct LogSubscription: AsyncSequence, Sendable {
    /// What a subscription yields.
    public enum Event: Sendable, Hashable {
        /// A committed record that matches the filter, with its `LogRecord.sequence` set.
        case record(LogRecord)
        /// The consumer fell behind and `skipped` matching records were dropped at this point (they
        /// are stored; a query over their time range returns them).
        case lagged(skipped: Int)
        /// Stored records at this point could not be read: `damage` names the file, the offset and
        /// the reason (and how many records, when known). Everything readable around it is still
        /// delivered; ``LogSubscription/damageCount`` (or ``LogFollower/damageCount``) counts these
        /// events. `logstore verify` reports the same damage, and `verify --salvage` keeps the rest.
        case damaged(DamageReport)
    }

    public typealias Element = Event
    public typealias Failure = Never

    let handle: SubscriptionHandle

    public func makeAsyncIterator() -> Iterator { Iterator(handle: handle) }

    /// Unsubscribes now: the iterator returns nil, buffered records are discarded.
    public func cancel() { handle.cancel() }

    /// How many ``Event/damaged(_:)`` events this subscription has been given so far (rows of a
    /// committed append that did not decode; each event says where and how many records).
    public var damageCount: Int { handle.inbox.damageCount }

    /// Iterates a ``LogSubscription``.
    public struct Iterator: AsyncIteratorProtocol {
        let handle: SubscriptionHandle

        /// The next event; nil once the subscription is cancelled, its limit reached, or the store closed.
        public mutating func next() async -> Event? {
            let handle = handle
            return await withTaskCancellationHandler {
                await withCheckedContinuation { (c: CheckedContinuation<Event?, Never>) in handle.inbox.take(c) }
            } onCancel: {
                handle.cancel()
            }
        }
    }
}

/// Owns a subscriber's registration: unsubscribes when cancelled or when the last reference (the
/// subscription and its iterators) goes away.
final class SubscriptionHandle: Sendable {
    let inbox: SubscriptionInbox
    private let hub: SubscriptionHub

    init(inbox: SubscriptionInbox, hub: SubscriptionHub) {
        self.inbox = inbox
        self.hub = hub
    }

    func cancel() {
        inbox.cancel()
        hub.remove(inbox)
    }

    deinit { cancel() }
}
