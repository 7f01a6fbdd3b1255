/// What retention does with records that a forwarder in the writer's process has not yet sent
/// (docs/FORWARDING.md 7). A forwarder's position is the checkpoint it keeps in the store, named
/// `forward:` followed by its sink, holding the sink's high-water mark (8 bytes, `u64` little-endian).
public enum UnforwardedRetention: Sendable, Hashable {
    /// Retention runs as configured. Records it removes before a forwarder sent them are counted by
    /// that forwarder when it reaches their sequence numbers (`forward_failed_total{reason="expired"}`).
    case expire
    /// Retention keeps every segment holding a record above the lowest forwarder position, past the
    /// retention period and the store's size cap, until the store's segments take more than `maxBytes`;
    /// then the oldest go anyway and are counted in ``StoreStatistics/Counters-swift.struct/segmentsExpiredUnforwarded``
    /// (and, record by record, by the forwarder). Without any `forward:` checkpoint it is `.expire`.
    case keep(maxBytes: Int64)

    /// The checkpoint-name prefix of forwarder positions.
    public static let positionPrefix = "forward:"

    /// The lowest forwarder position among `checkpoints`, or nil when none is readable.
    static func lowestPosition(in checkpoints: [String: [UInt8]]) -> UInt64? {
        var lowest: UInt64?
        for (name, value) in checkpoints where name.hasPrefix(positionPrefix) && value.count == 8 {
            let mark = value.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            lowest = min(lowest ?? mark, mark)
        }
        return lowest
    }
}
