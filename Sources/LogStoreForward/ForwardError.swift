/// Why forwarding stopped or a step failed; every error says where and what to do.
public struct ForwardError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure, which decides whether the forwarder retries.
    public enum Kind: Sendable, Hashable {
        /// A bad target URL, store id or option: fix the command line.
        case invalidArgument
        /// The sink refused the data or the request for good (HTTP 4xx, a schema or type error).
        /// Forwarding stops; the records stay in the store and are not counted as sent.
        case rejected
        /// The sink could not be reached or answered with a server error; retried with backoff.
        case unavailable
        /// The outcome of an insert is unknown (a timeout, a dropped connection); resolved by reading
        /// back the sink's high-water mark before anything is sent again.
        case ambiguous
        /// The sink holds rows of this store that contradict the store (a sequence number above the
        /// store's newest): another store uses the same store id, or the store was replaced.
        case conflict
        /// The store could not be read.
        case store
    }

    public var kind: Kind
    /// What happened and what to do, in one sentence.
    public var message: String
    /// Where: the sink URL or the store path.
    public var place: String

    public init(_ kind: Kind, _ message: String, place: String) {
        self.kind = kind
        self.message = message
        self.place = place
    }

    public var description: String { "\(place): \(message)" }

    /// Whether the forwarder may try again after a pause.
    public var isRetryable: Bool { kind == .unavailable || kind == .ambiguous }
}
