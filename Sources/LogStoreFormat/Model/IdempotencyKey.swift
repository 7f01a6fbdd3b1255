/// Identifies one upstream event, so that an upstream that retries (at-least-once delivery) does not
/// store it twice: a writer drops a record whose key it has accepted within its window
/// (docs/FORMAT.md, section 8). Keys are compared byte for byte and are 1 to 255 bytes long.
///
/// ```swift
/// let fromLogID = IdempotencyKey("evt-7f3a91")                        // the upstream's own log id
/// let derived = IdempotencyKey(source: "billing", event: "invoice.sent", timestamp: ts, duration: 1_250_000)
/// ```
public struct IdempotencyKey: Sendable, Hashable, CustomStringConvertible {
    /// The key's bytes.
    public let bytes: [UInt8]

    /// The longest key in bytes.
    public static let maxBytes = 255

    /// A key from an upstream identifier (its UTF-8 bytes).
    public init(_ id: String) { bytes = Array(id.utf8) }

    /// A key from raw bytes.
    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// A key from the fields that identify an event when the upstream has no id: source, event name,
    /// timestamp and (optionally) duration, both in nanoseconds. The fields are joined with the unit
    /// separator (0x1F), so distinct tuples give distinct keys as long as `source` and `event` do not
    /// contain that byte.
    public init(source: String, event: String, timestamp: Int64, duration: Int64? = nil) {
        self.init("\(source)\u{1F}\(event)\u{1F}\(timestamp)\u{1F}\(duration.map(String.init) ?? "")")
    }

    /// Why this key cannot be used, or nil when it can.
    public var invalidReason: String? {
        if bytes.isEmpty { return "idempotency key is empty" }
        if bytes.count > Self.maxBytes { return "idempotency key is \(bytes.count) bytes, the limit is \(Self.maxBytes)" }
        return nil
    }

    /// The key as text (invalid UTF-8 repaired).
    public var description: String { String(decoding: bytes, as: UTF8.self) }
}
