/// The result of checking a store offline.
public struct VerifyReport: Sendable {
    /// Damage found, each with file, offset and reason. Empty means the store is intact.
    public var problems: [DamageReport] = []
    /// Things worth knowing that are not damage (a torn WAL tail the next open will cut, a flush in progress).
    public var notes: [String] = []
    /// Segment files checked.
    public var segmentsChecked = 0
    /// Blocks checked (each decoded and compared with its footer entry).
    public var blocksChecked = 0
    /// Records decoded (segments and WAL).
    public var recordsChecked = 0
    /// WAL files checked.
    public var walFilesChecked = 0

    /// True when no damage was found.
    public var isClean: Bool { problems.isEmpty }
}
