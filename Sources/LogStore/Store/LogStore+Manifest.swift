import LogStoreFormat
import Glibc

extension LogStore {
    /// The path of the store's `MANIFEST` (docs/FORMAT.md, section 11).
    static func manifestPath(_ store: String) -> String { joinPath(store, ManifestFile.fileName) }

    /// Writes a `MANIFEST` describing `segments` (temporary file, fsync, rename, directory fsync).
    /// Filters not known yet are built from each segment's correlation index. A segment whose index
    /// cannot be read is left out: the next open reads its footer instead.
    static func writeManifest(_ segments: [Segment], store: String, io: any StorageIO) throws(LogStoreError) {
        var entries: [ManifestFile.Entry] = []
        entries.reserveCapacity(segments.count)
        for s in segments.sorted(by: { $0.id < $1.id }) {
            guard let filter = try? s.correlationFilter() else { continue }
            entries.append(ManifestFile.Entry(header: s.header, fileSize: s.fileSize, modifiedAt: s.modifiedAt,
                                              summary: s.summary, filter: filter))
        }
        try replaceFileAtomically(ManifestFile.fileName, in: store, with: ManifestFile.encode(entries), io: io)
    }

    /// Rewrites the `MANIFEST` from the writer's segment set as it is after `install` (after a flush, compaction or
    /// expiry changed it; FORMAT.md 11.4). Rewrites are serialized and each reads the set when it
    /// starts, so the last one written describes the latest set. The manifest is a checked cache: when
    /// it cannot be written it is removed (best effort) and counted, and the next open reads footers.
    ///
    /// `install` (the change of the segment set) runs first under the same lock, so that `close()`,
    /// which takes that lock once the flusher is done, never returns before the manifest of the last
    /// flush is written.
    func publishManifest(afterInstalling install: () -> Void = {}) {
        guard committer != nil else { install(); return }
        manifestSerial.withLock {
            install()
            let segments = state.withLock { shared.segments }
            do throws(LogStoreError) {
                try Self.writeManifest(segments, store: path, io: io)
            } catch {
                try? io.unlink(Self.manifestPath(path))
                state.withLock { shared.counters.manifestWriteFailures += 1 }
            }
        }
    }
}

extension LogStore {
    /// At a writer's open: rewrites the `MANIFEST` when it is missing, damaged, stale or of an older
    /// version, or when open removed segments it listed (FORMAT.md 11.3), and says so in `report`. Failing to write it is not
    /// fatal (the segments are the truth); a stale file is then removed so that no reader relies on it.
    static func refreshManifest(catalog: SegmentCatalog, committed: [Segment], store: String, io: any StorageIO,
                                report: inout RecoveryReport) throws(LogStoreError) {
        let status = catalog.manifest
        guard !status.isCurrent || status.isOutdated || status.segmentsDescribed != committed.count else { return }
        do throws(LogStoreError) {
            try writeManifest(committed, store: store, io: io)
            report.manifestRewritten = true
        } catch {
            if io.exists(manifestPath(store)) { try io.unlink(manifestPath(store)) }
        }
    }
}
