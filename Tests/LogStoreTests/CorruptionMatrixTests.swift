import Foundation
import Testing
@testable import LogStore
import LogStoreFormat

/// For every kind of file in a store directory (docs/FORMAT.md section 1), 1,200 seeded mutations
/// (300 each of bit flips, zeroed ranges, truncations and extensions with random bytes). For each:
/// what `logstore verify` (``StoreVerifier``) reports, what a reader and a writer see when they open
/// the store, and that queries return only intact records or a clear error. Every mutation is
/// counted in exactly one class: unchanged bytes, detected as damage, detected as a torn WAL tail,
/// undetectable by design (with the reason), or missed. The detection rates go to docs/FUZZING.md
/// ("Corruption matrix"); run with `LOGSTORE_MATRIX_SEED=N` to try other mutations.
@Suite struct CorruptionMatrixTests {
    static let perKind = 300
    static let image: Result<StoreImage, any Error> = Result { try StoreImage.make() }
    static let seed = UInt64(ProcessInfo.processInfo.environment["LOGSTORE_MATRIX_SEED"] ?? "") ?? 1

    static var readerOptions: StoreOptions {
        var o = StoreOptions()
        o.readOnly = true
        o.io = NoSyncIO()
        return o
    }

    static func writerOptions(_ policy: WALDamagePolicy = .salvage) -> StoreOptions {
        var o = StoreOptions(durability: .none)
        o.io = NoSyncIO()
        o.walDamagePolicy = policy
        return o
    }

    /// Runs `body` for every mutation of `file` (or of `bytes` placed at `file`), in a fresh copy of the image.
    static func run(_ fileKind: String, file: String, bytes original: [UInt8], seed: UInt64,
                    _ body: (_ m: Mutation, _ mutated: [UInt8], _ dir: String, _ row: inout MatrixTally.Row) throws -> Void) throws -> MatrixTally {
        let image = try image.get()
        var tally = MatrixTally(fileKind: fileKind)
        var rng = SeededRandom(seed: seed &* 0x9E37_79B9 &+ Self.seed)
        let root = TempDir("matrix")
        var index = 0
        for kind in Mutation.Kind.allCases {
            for _ in 0..<perKind {
                index += 1
                let m = Mutation.random(kind, size: original.count, using: &rng)
                let mutated = m.apply(original)
                let dir = try image.materialize(in: root.path, index: index, replacing: file, with: mutated)
                defer { try? FileManager.default.removeItem(atPath: dir) }
                try tally.update(kind) { (row: inout MatrixTally.Row) throws in
                    row.mutations += 1
                    if mutated == original { row.unchanged += 1 }
                    try body(m, mutated, dir, &row)
                }
            }
        }
        for line in tally.lines { print(line) }
        return tally
    }

    /// Records a problem, at most a few per test, so one systematic failure does not flood the log.
    final class Problems {
        var count = 0
        func record(_ text: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation) {
            count += 1
            if count <= 8 { Issue.record(Comment(rawValue: text()), sourceLocation: sourceLocation) }
        }
    }

    /// Checks that `records` holds only originals, intact, and every sequence of `required`.
    static func checkRecords(_ records: [LogRecord], image: StoreImage, required: Set<UInt64>, exact: Bool,
                             _ what: String, _ problems: Problems) {
        var seen = Set<UInt64>()
        for r in records {
            guard let original = image.records[r.sequence], original.isIdentical(to: r) else {
                problems.record("\(what): a query returned a record that was never appended intact: \(r)")
                return
            }
            seen.insert(r.sequence)
        }
        if !required.isSubset(of: seen) {
            problems.record("\(what): \(required.subtracting(seen).count) records that should have survived are missing")
        }
        if exact && seen != required {
            problems.record("\(what): \(seen.subtracting(required).count) records returned that should have been lost")
        }
        if seen.count != records.count { problems.record("\(what): a record was returned twice") }
    }

    // MARK: WAL files

    /// What FORMAT.md 4.3 says a reader makes of a mutated WAL file: which class, which frames survive.
    enum WALExpectation {
        case unchanged
        case damage(survivors: Set<UInt64>)
        case tornTail(survivors: Set<UInt64>)
        case frameBoundaryTruncation(survivors: Set<UInt64>)
    }

    static func expect(_ m: Mutation, mutated: [UInt8], image: StoreImage, size: Int) -> WALExpectation {
        let frames = image.walFrames
        func sequences(_ keep: (Range<Int>) -> Bool) -> Set<UInt64> {
            Set(frames.filter { keep($0.range) }.flatMap { Array($0.sequences) })
        }
        if mutated == image.files[image.walName] { return .unchanged }
        let r = m.range(size: size)
        switch m {
        case .truncate(let n):
            let survivors = sequences { $0.upperBound <= n }
            let boundaries = Set([WALFormat.headerSize] + frames.map(\.range.upperBound))
            return boundaries.contains(n) ? .frameBoundaryTruncation(survivors: survivors) : .tornTail(survivors: survivors)
        case .extend:
            return .tornTail(survivors: sequences { _ in true })
        case .bitFlip, .zero:
            let untouched = sequences { !$0.overlaps(r) }
            if r.lowerBound < WALFormat.headerSize { return .damage(survivors: untouched) }
            // A valid frame after the damage makes it damage; none makes it a torn tail.
            if frames.contains(where: { $0.range.lowerBound >= r.upperBound }) { return .damage(survivors: untouched) }
            return .tornTail(survivors: sequences { $0.upperBound <= r.lowerBound })
        }
    }

    @Test func walFiles() throws {
        let image = try Self.image.get()
        let original = try #require(image.files[image.walName])
        let problems = Problems()
        let tally = try Self.run("WAL file", file: image.walName, bytes: original, seed: 1) { m, mutated, dir, row in
            let expectation = Self.expect(m, mutated: mutated, image: image, size: original.count)
            let report = try LogStore.verify(at: dir)
            let torn = report.notes.contains { $0.contains("torn tail") }
            let survivors: Set<UInt64>
            switch expectation {
            case .unchanged:
                if !report.isClean || torn { problems.record("\(m): unchanged bytes reported: \(report.problems)") }
                return
            case .damage(let s):
                survivors = s
                if report.isClean { row.missed += 1; problems.record("\(m): damage not reported by verify") } else { row.detectedAsDamage += 1 }
            case .tornTail(let s):
                survivors = s
                if !report.isClean { problems.record("\(m): a torn tail reported as damage: \(report.problems)") }
                if torn && report.isClean { row.detectedAsTornTail += 1 } else { row.missed += 1 }
                if !torn { problems.record("\(m): torn tail not noted by verify") }
            case .frameBoundaryTruncation(let s):
                survivors = s
                if !report.isClean || torn { problems.record("\(m): a truncation at a frame boundary was reported: \(report.problems) \(report.notes)") }
                row.undetectableByDesign["WAL cut at a frame boundary (a valid, shorter log)", default: 0] += 1
            }
            let expected = image.segmentSequences.union(survivors)

            // A reader beside the (crashed) writer replays what FORMAT.md 4.3 keeps, and changes nothing.
            let reader = try LogStore.open(at: dir, options: Self.readerOptions)
            Self.checkRecords(try reader.records(LogQuery()), image: image, required: expected, exact: true, "\(m), reader", problems)
            try reader.close()
            #expect(try fileBytes(dir + "/" + image.walName) == mutated, "a reader changed the WAL file")

            if case .damage = expectation {
                // Configured to refuse damage, the writer refuses, naming the file.
                do throws(LogStoreError) {
                    let refused = try LogStore.open(at: dir, options: Self.writerOptions(.refuse))
                    try? refused.close()
                    problems.record("\(m): walDamagePolicy .refuse opened a damaged WAL")
                } catch {
                    if error.kind != .corruption || error.path?.hasSuffix(image.walName) != true {
                        problems.record("\(m): refusing open threw \(error)")
                    }
                    row.openRefused += 1
                }
            }
            // The writer salvages (damage) or cuts (torn tail), and serves exactly the survivors.
            let writer = try LogStore.open(at: dir, options: Self.writerOptions())
            let rr = writer.recoveryReport
            switch expectation {
            case .damage:
                if rr.walDamage.isEmpty || rr.quarantined.count != 1 { problems.record("\(m): damage not salvaged: \(rr)") }
                if let q = rr.quarantined.first, (try? fileBytes(dir + "/" + q)) != mutated {
                    problems.record("\(m): the quarantined copy differs from the damaged file")
                }
                row.openRepaired += 1
            case .tornTail:
                if rr.tornTails.isEmpty { problems.record("\(m): torn tail not cut at open: \(rr)") }
                row.openRepaired += 1
            default:
                if !rr.walDamage.isEmpty || !rr.tornTails.isEmpty { problems.record("\(m): open repaired an intact WAL: \(rr)") }
            }
            Self.checkRecords(try writer.records(LogQuery()), image: image, required: expected, exact: true, "\(m), writer", problems)
            try writer.close()
            // After the repair the store is clean, except for the quarantined copy it keeps reporting.
            let after = try LogStore.verify(at: dir)
            if after.problems.contains(where: { !$0.file.hasPrefix("quarantine/") }) {
                problems.record("\(m): verify after the repair: \(after.problems)")
            }
        }
        #expect(problems.count == 0)
        for r in tally.rows.values { #expect(r.missed == 0) }
    }

    // MARK: Segment files

    @Test func segmentFiles() throws {
        let image = try Self.image.get()
        let original = try #require(image.files[image.segmentName])
        let walSequences = Set(image.records.keys).subtracting(image.segmentSequences)
        let problems = Problems()
        let tally = try Self.run("segment file", file: image.segmentName, bytes: original, seed: 2) { m, mutated, dir, row in
            guard mutated != original else { return }
            let report = try LogStore.verify(at: dir)
            if report.problems.contains(where: { $0.file == image.segmentName }) {
                row.detectedAsDamage += 1
            } else {
                row.missed += 1
                problems.record("\(m): segment damage not reported by verify (\(report.problems))")
            }
            // A reader: refuses with a clear error, or serves only intact records (or a clear error).
            do throws(LogStoreError) {
                let reader = try LogStore.open(at: dir, options: Self.readerOptions)
                defer { try? reader.close() }
                do throws(LogStoreError) {
                    let all = try reader.records(LogQuery())
                    Self.checkRecords(all, image: image, required: walSequences, exact: false, "\(m), reader", problems)
                    if let id = image.records.values.compactMap(\.correlationID).first {
                        let byID = try reader.records(LogQuery(correlationID: id))
                        Self.checkRecords(byID, image: image, required: [], exact: false, "\(m), reader by ID", problems)
                    }
                } catch {
                    if error.kind != .corruption { problems.record("\(m): a query threw \(error)") }
                    row.queryErrors += 1
                }
            } catch {
                if error.kind != .corruption && error.kind != .unsupportedVersion { problems.record("\(m): reader open threw \(error)") }
            }
            // A writer keeps an unreadable segment in place and reports it (FORMAT.md 6, open step 2).
            do throws(LogStoreError) {
                let writer = try LogStore.open(at: dir, options: Self.writerOptions())
                if !writer.recoveryReport.unreadableSegments.isEmpty { row.openRepaired += 1 }
                try writer.close()
                if !fileExists(dir + "/" + image.segmentName) { problems.record("\(m): open deleted a damaged segment") }
            } catch {
                if error.kind != .corruption && error.kind != .unsupportedVersion { problems.record("\(m): writer open threw \(error)") }
                row.openRefused += 1
            }
        }
        #expect(problems.count == 0)
        for r in tally.rows.values { #expect(r.missed == 0) }
    }

    // MARK: SETTINGS

    @Test func settingsFile() throws {
        let image = try Self.image.get()
        let original = try #require(image.files["SETTINGS"])
        let problems = Problems()
        let tally = try Self.run("SETTINGS", file: "SETTINGS", bytes: original, seed: 3) { m, mutated, dir, row in
            guard mutated != original else { return }
            // What the text means, decoded on its own: nil when it is not valid settings.
            let meaning = String(validating: mutated, as: UTF8.self).flatMap { try? StoreSettings.decode($0, path: "SETTINGS") }
            let report = try LogStore.verify(at: dir)
            let reported = report.problems.contains { $0.file == "SETTINGS" }
            switch meaning {
            case nil:
                if reported { row.detectedAsDamage += 1 } else { row.missed += 1; problems.record("\(m): invalid SETTINGS not reported") }
            case let s? where s == image.settings:
                row.undetectableByDesign["same meaning (e.g. a key renamed to an unknown one whose default is the stored value)", default: 0] += 1
                if reported { problems.record("\(m): equivalent SETTINGS reported") }
            case _?:
                // SETTINGS version 2 ends with a checksum: damage must never read as other valid settings.
                row.missed += 1
                problems.record("\(m): damaged SETTINGS decoded as other valid settings")
            }
            do throws(LogStoreError) {
                let writer = try LogStore.open(at: dir, options: Self.writerOptions())
                if let meaning, writer.settings != meaning { problems.record("\(m): opened with \(writer.settings), the file says \(meaning)") }
                if meaning == nil { problems.record("\(m): opened with invalid SETTINGS") }
                Self.checkRecords(try writer.records(LogQuery()), image: image, required: [], exact: false, "\(m)", problems)
                try writer.close()
            } catch {
                if meaning != nil || (error.kind != .corruption && error.kind != .unsupportedVersion) {
                    problems.record("\(m): open threw \(error)")
                }
                row.openRefused += 1
            }
        }
        #expect(problems.count == 0)
        for r in tally.rows.values { #expect(r.missed == 0) }
    }

    // MARK: KEYS

    /// A damaged KEYS file is reported by verify and open and ignored: duplicates become possible,
    /// nothing is lost (FORMAT.md 8.2).
    @Test func keysFile() throws {
        let image = try Self.image.get()
        let original = try #require(image.files["KEYS"])
        let problems = Problems()
        let all = Set(image.records.keys)
        let tally = try Self.run("KEYS", file: "KEYS", bytes: original, seed: 7) { m, mutated, dir, row in
            guard mutated != original else { return }
            if (try LogStore.verify(at: dir)).problems.contains(where: { $0.file == "KEYS" }) {
                row.detectedAsDamage += 1
            } else {
                row.missed += 1
                problems.record("\(m): damaged KEYS not reported by verify")
            }
            do throws(LogStoreError) {
                let writer = try LogStore.open(at: dir, options: Self.writerOptions())
                if writer.recoveryReport.keysFileProblem == nil { problems.record("\(m): open did not report the damaged KEYS") } else { row.openRepaired += 1 }
                Self.checkRecords(try writer.records(LogQuery()), image: image, required: all, exact: true, "\(m)", problems)
                try writer.close()
            } catch {
                problems.record("\(m): open threw \(error)")
                row.openRefused += 1
            }
        }
        #expect(problems.count == 0)
        for r in tally.rows.values { #expect(r.missed == 0) }
    }

    // MARK: CHECKPOINTS

    /// A damaged CHECKPOINTS file is reported by verify; a writer refuses the store with an error that
    /// names the file (a producer would resume from a lost position), a reader still returns every
    /// record and refuses only to give checkpoints (FORMAT.md 9.2).
    @Test func checkpointsFile() throws {
        let image = try Self.image.get()
        let name = CheckpointsFile.fileName
        let original = try #require(image.files[name])
        let problems = Problems()
        let all = Set(image.records.keys)
        let tally = try Self.run(name, file: name, bytes: original, seed: 13) { m, mutated, dir, row in
            guard mutated != original else { return }
            if (try LogStore.verify(at: dir)).problems.contains(where: { $0.file == name }) {
                row.detectedAsDamage += 1
            } else {
                row.missed += 1
                problems.record("\(m): damaged CHECKPOINTS not reported by verify")
            }
            do throws(LogStoreError) {
                let writer = try LogStore.open(at: dir, options: Self.writerOptions())
                try writer.close()
                problems.record("\(m): a writer opened a store with a damaged CHECKPOINTS")
            } catch {
                if error.kind == .corruption || error.kind == .unsupportedVersion, error.path?.hasSuffix(name) == true {
                    row.openRefused += 1
                } else {
                    problems.record("\(m): open failed for another reason: \(error)")
                }
            }
            var readOnly = StoreOptions()
            readOnly.readOnly = true
            let reader = try LogStore.open(at: dir, options: readOnly)
            Self.checkRecords(try reader.records(LogQuery()), image: image, required: all, exact: true, "\(m)", problems)
            do {
                _ = try reader.checkpoints()
                problems.record("\(m): a reader gave checkpoints from a damaged CHECKPOINTS")
            } catch {}
        }
        #expect(problems.count == 0)
        for r in tally.rows.values { #expect(r.missed == 0) }
    }

    // MARK: Files nothing reads for data: LOCK, quarantine/, *.seg.tmp

    @Test func lockQuarantineAndTemporaryFiles() throws {
        let image = try Self.image.get()
        let problems = Problems()
        let all = Set(image.records.keys)

        // LOCK holds the writer's pid as text, for the `locked` error; it is rewritten at every open.
        _ = try Self.run("LOCK", file: "LOCK", bytes: try #require(image.files["LOCK"]), seed: 4) { m, mutated, dir, row in
            guard mutated != image.files["LOCK"] else { return }
            if !(try LogStore.verify(at: dir)).isClean { problems.record("\(m): verify read LOCK") }
            row.undetectableByDesign["not checked: pid text, rewritten at open", default: 0] += 1
            guard row.mutations % 10 == 0 else { return }  // opening is the slow part; every 10th
            let writer = try LogStore.open(at: dir, options: Self.writerOptions())
            if (try? fileBytes(dir + "/LOCK")) != Array("\(getpid())\n".utf8) { problems.record("\(m): LOCK not rewritten") }
            Self.checkRecords(try writer.records(LogQuery()), image: image, required: all, exact: true, "\(m)", problems)
            try writer.close()
        }

        // A quarantined WAL copy is reported as long as it exists, whatever its bytes.
        let quarantined = "quarantine/" + image.walName.dropFirst("wal/".count)
        _ = try Self.run("quarantine/ copy", file: quarantined, bytes: try #require(image.files[image.walName]), seed: 5) { m, _, dir, row in
            if (try LogStore.verify(at: dir)).problems.contains(where: { $0.file == quarantined }) {
                row.detectedAsDamage += 1
            } else {
                row.missed += 1
                problems.record("\(m): quarantined file not reported")
            }
            guard row.mutations % 10 == 0 else { return }
            let reader = try LogStore.open(at: dir, options: Self.readerOptions)
            Self.checkRecords(try reader.records(LogQuery()), image: image, required: all, exact: true, "\(m)", problems)
            try reader.close()
        }

        // A segment being written is never read and is deleted at open.
        let temporary = image.segmentName + ".tmp"
        _ = try Self.run("segments/*.seg.tmp", file: temporary, bytes: try #require(image.files[image.segmentName]), seed: 6) { m, _, dir, row in
            let report = try LogStore.verify(at: dir)
            if !report.isClean { problems.record("\(m): verify read a .seg.tmp: \(report.problems)") }
            row.undetectableByDesign["never read; deleted at open", default: 0] += 1
            guard row.mutations % 10 == 0 else { return }
            let writer = try LogStore.open(at: dir, options: Self.writerOptions())
            if fileExists(dir + "/" + temporary) { problems.record("\(m): open kept the .seg.tmp") }
            Self.checkRecords(try writer.records(LogQuery()), image: image, required: all, exact: true, "\(m)", problems)
            try writer.close()
        }
        #expect(problems.count == 0)
    }
}
