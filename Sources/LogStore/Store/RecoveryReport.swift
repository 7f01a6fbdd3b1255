/// What opening a store found, and what it did about it.
public struct RecoveryReport: Sendable {
    /// WAL files whose torn tail (a crash's half-written frame) was cut, with the bytes removed.
    public var tornTails: [(file: String, bytes: Int)] = []
    /// Damage found before a WAL tail; the readable records around it were kept.
    public var walDamage: [DamageReport] = []
    /// WAL files copied to `quarantine/` because they held damage.
    public var quarantined: [String] = []
    /// Segment files that could not be opened (left in place for `logstore verify` and salvage).
    public var unreadableSegments: [DamageReport] = []
    /// Segments of an interrupted flush that were removed because their WAL file rebuilds them.
    public var removedIncompleteSegments: [String] = []
    /// Segments a compacted segment replaces, left behind by a crash during a compaction and removed
    /// (docs/FORMAT.md, 10.2; their records are in the compacted segment).
    public var removedCompactedSegments: [String] = []
    /// A `KEYS` file that could not be read (docs/FORMAT.md, 8.2): the keys of flushed records were
    /// forgotten, so retries of them may be stored again until the next flush rewrites it.
    public var keysFileProblem: DamageReport?
    /// What the store's `MANIFEST` described (docs/FORMAT.md, 11.3); a writer rewrites one that is
    /// missing, damaged or stale, and says so in `manifestRewritten`.
    public var manifest = ManifestStatus()
    /// Whether a writer's open wrote a new `MANIFEST` because the old one was not current.
    public var manifestRewritten = false
    /// Records replayed from the WAL.
    public var replayedRecords = 0
    /// WAL files replayed.
    public var replayedFiles = 0

    /// True when nothing but torn tails was found.
    public var isClean: Bool { walDamage.isEmpty && unreadableSegments.isEmpty }

    public init() {}
}

/// The state rebuilt by opening a store.
struct RecoveredStore {
    var state: StoreState
    var report: RecoveryReport
}
