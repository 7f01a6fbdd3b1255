import LogStore

/// A forwarder's position kept in its store as a checkpoint (docs/FORWARDING.md 6, FORMAT.md 9): the
/// name `forward:` followed by the sink's URL, the value the sink's high-water mark `H` as 8 bytes,
/// `u64` little-endian. Only a forwarder in the writer's process (`logstore serve --forward-to`, a
/// collector using the library with ``ClickHouseForwarder/init(target:configuration:metricsFactory:positionStore:onDamage:)``)
/// writes it; it is a hint for `logstore inspect` and retention, and the sink's own `H` always wins.
public enum ForwardPosition {
    /// The prefix of every forwarder checkpoint's name.
    public static let namePrefix = "forward:"

    /// The checkpoint name for a sink.
    public static func checkpointName(sink: String) -> String { namePrefix + sink }

    /// The checkpoint for high-water mark `mark`.
    public static func checkpoint(sink: String, mark: UInt64) -> Checkpoint {
        Checkpoint(name: checkpointName(sink: sink), value: (0..<8).map { UInt8(truncatingIfNeeded: mark >> (8 * $0)) })
    }

    /// The high-water mark a checkpoint value holds, or nil when it is not 8 bytes.
    public static func mark(from value: [UInt8]) -> UInt64? {
        guard value.count == 8 else { return nil }
        return value.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }
}
