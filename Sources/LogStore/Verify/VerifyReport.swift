/// The result of checking a store offline.
public struct VerifyReport: Sendable {
    /// Damage found, each with file, offset and reason. Empty means the store is intact.
    public var problems: [DamageReport] = []
    /// Things worth knowing that are not damage (a torn WAL tail the next open will cut, a flush in progress).
    public var notes: [String] = []
    public var segmentsChecked = 0
    public var blocksChecked = 0
    public var recordsChecked = 0
    public var walFilesChecked = 0

    public var isClean: Bool { problems.isEmpty }
}
