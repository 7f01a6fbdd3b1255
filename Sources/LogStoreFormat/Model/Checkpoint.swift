/// A producer's position in one of its sources (for example a tailed file's device, inode and byte
/// offset), stored in the same WAL frame as the records it produced from there, so that after a crash
/// both are present or neither is (docs/FORMAT.md, section 9).
///
/// The store keeps the latest value of each name; an empty value removes the name.
public struct Checkpoint: Sendable, Hashable {
    /// Names the source; 1 to ``maxNameBytes`` bytes of UTF-8, compared byte for byte.
    public var name: String
    /// The position, meaningful to the producer only; at most ``maxValueBytes`` bytes. Empty removes `name`.
    public var value: [UInt8]

    /// The longest name in bytes.
    public static let maxNameBytes = 1024
    /// The longest value in bytes.
    public static let maxValueBytes = 65_536
    /// The most checkpoints one append can carry.
    public static let maxPerAppend = 1024

    public init(name: String, value: [UInt8]) {
        self.name = name
        self.value = value
    }

    /// Why this checkpoint cannot be stored, or nil when it can.
    public var invalidReason: String? {
        let n = name.utf8.count
        if n == 0 { return "checkpoint name is empty" }
        if n > Self.maxNameBytes { return "checkpoint name is \(n) bytes, the limit is \(Self.maxNameBytes)" }
        if value.count > Self.maxValueBytes {
            return "checkpoint value of \"\(name)\" is \(value.count) bytes, the limit is \(Self.maxValueBytes)"
        }
        return nil
    }
}
