import LogStoreFormat
import Glibc

/// What opening a store found in its `MANIFEST` (docs/FORMAT.md, section 11).
public struct ManifestStatus: Sendable, Equatable {
    /// Whether a manifest was read and decoded.
    public var found = false
    /// The version the manifest was written in (FORMAT.md 11.1), when one was read; a writer's open
    /// rewrites an older one in this build's version.
    public var version: UInt16?
    /// Why the manifest could not be used (damaged, unreadable), when it exists; nil otherwise.
    public var problem: DamageReport?
    /// Segments the manifest described (same name and size on disk): opened without their footers.
    public var segmentsDescribed = 0
    /// Segments whose footer was read because the manifest did not describe them.
    public var footersRead = 0
    /// Manifest entries whose file is gone or has another size (a crash between a change and the
    /// manifest's rewrite).
    public var entriesWithoutFile = 0

    public init() {}

    /// True when the manifest describes exactly the segment files on disk.
    public var isCurrent: Bool { found && problem == nil && footersRead == 0 && entriesWithoutFile == 0 }

    /// True when the manifest was written in an older version than this build writes.
    public var isOutdated: Bool { version.map { $0 < ManifestFile.version } ?? false }

    /// Reads and decodes the manifest at `path` into `entries` (by segment id). A missing file leaves
    /// `found` false; a damaged one is reported in `problem` and describes nothing.
    static func read(_ path: String, io: any StorageIO, into entries: inout [UInt64: ManifestFile.Entry]) -> ManifestStatus {
        var status = ManifestStatus()
        guard io.exists(path) else { return status }
        do throws(LogStoreError) {
            let bytes = try File(path: path, flags: O_RDONLY, io: io).readAll()
            let decoded: ManifestFile.Contents
            do throws(FormatError) { decoded = try bytes.withBytes { b throws(FormatError) in try ManifestFile.decodeFile(b) } }
            catch { throw .format(error, path: path, base: 0) }
            for e in decoded.entries { entries[e.header.segmentID] = e }
            status.found = true
            status.version = decoded.version
        } catch {
            if error.code == ENOENT { return status }
            status.problem = DamageReport(file: ManifestFile.fileName, offset: error.offset ?? 0, length: 0, reason: error.message)
        }
        return status
    }
}
