import LogStoreFormat
extension StoreVerifier {
    /// Checks the `MANIFEST` against the segment files (docs/DESIGN.md, "Verification rules"): damage and entries
    /// that disagree with their segment are problems; a stale manifest (a file gone, changed or not
    /// listed) is a note, since the next writer's open rewrites it.
    func checkManifest(segmentNames: [String], directory: String, into report: inout VerifyReport) {
        var entries: [UInt64: ManifestFile.Entry] = [:]
        let status = ManifestStatus.read(LogStore.manifestPath(path), io: io, into: &entries)
        if var problem = status.problem {
            problem.reason += " (the manifest only caches the segments: opens read footers instead, and the next writer's open rewrites it)"
            report.problems.append(problem)
            return
        }
        guard status.found else {
            report.notes.append("there is no \(ManifestFile.fileName): opening reads every segment footer until the next writer's open writes one")
            return
        }
        var stale: [String] = []
        let names = Set(segmentNames)
        for (id, entry) in entries.sorted(by: { $0.key < $1.key }) {
            let name = SegmentFormat.fileName(id)
            let file = "segments/" + name
            guard names.contains(name), let segment = try? Segment(path: joinPath(directory, name), name: name, io: io) else {
                stale.append("lists \(file), which is gone or unreadable")
                continue
            }
            guard segment.fileSize == entry.fileSize && segment.modifiedAt == entry.modifiedAt else {
                stale.append("gives another size or modification time for \(file)")
                continue
            }
            if segment.header != entry.header || segment.summary != entry.summary {
                report.problems.append(DamageReport(file: ManifestFile.fileName, offset: 0, length: 0,
                                                    reason: "the entry of \(file) disagrees with the segment's header or footer"))
                continue
            }
            // A damaged index is reported with the segment; here only what the filter would hide.
            guard let pairs = try? segment.correlationPairs() else { continue }
            let hidden = Set(pairs.map(\.hash)).filter { !entry.filter.mayContain($0) }
            if !hidden.isEmpty {
                report.problems.append(DamageReport(file: ManifestFile.fileName, offset: 0, length: 0,
                                                    reason: "the filter of \(file) rules out \(hidden.count) correlation hashes the segment holds (lookups would miss their records)"))
            }
        }
        for name in segmentNames.sorted() where SegmentFormat.segmentID(name).map({ entries[$0] == nil }) ?? false {
            stale.append("does not list segments/\(name)")
        }
        if !stale.isEmpty {
            report.notes.append("\(ManifestFile.fileName) is stale (\(stale.prefix(3).joined(separator: "; "))\(stale.count > 3 ? "; \(stale.count - 3) more" : "")): opens read those footers, and the next writer's open rewrites it")
        }
    }
}
