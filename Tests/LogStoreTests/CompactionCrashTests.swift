import Foundation
import Testing
@testable import LogStore
import LogStoreFormat

/// A real process compacting a store is killed with SIGKILL at every step of the compaction
/// (docs/FORMAT.md, 10.2): readers, `verify` and the next writer see either the inputs or the
/// output, never both counted and never neither.
@Suite(.serialized) struct CompactionCrashTests {
    /// Runs `logstore crash-writer --compact-crash-at STEP` and returns its exit status and output.
    static func compactAndCrash(_ exe: String, store: String, at step: CompactionStep) throws -> (Int32, Process.TerminationReason, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = ["crash-writer", "--store", store, "--compact-crash-at", step.rawValue]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, process.terminationReason, output)
    }

    static let supportsCompaction: Bool = {
        guard let exe = CrashWriter.available else { return false }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = ["crash-writer", "--help"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        guard (try? p.run()) != nil else { return false }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return text.contains("--compact-crash-at")
    }()

    @Test(.enabled(if: supportsCompaction, "logstore binary with `crash-writer --compact-crash-at` not built next to the tests"),
          .timeLimit(.minutes(2)), arguments: CompactionStep.allCases)
    func crashAtAnyCompactionStepLosesAndDuplicatesNothing(step: CompactionStep) throws {
        let exe = try #require(CrashWriter.available)
        let dir = TempDir()
        let expected = try makeFragmentedStore(dir.path, records: 2_000, batches: 20, hours: 3)
        let inputs = segmentNames(dir.path)

        let (status, reason, output) = try Self.compactAndCrash(exe, store: dir.path, at: step)
        #expect(reason == .uncaughtSignal && status == SIGKILL, "the compaction should die at \(step.rawValue): \(status) \(output)")

        let names = segmentNames(dir.path)
        let outputs = compactedSegmentNames(dir.path)
        let replaced = Set(try outputs.flatMap { try openSegment(dir.path, $0).footer().replaces }.map(SegmentFormat.fileName))
        let replacedOnDisk = replaced.intersection(names)
        switch step {
        case .outputWritten, .outputSynced:
            #expect(outputs.isEmpty && names == inputs, "before the rename only the inputs exist")
            #expect(listNames(dir.path + "/segments").contains { $0.hasSuffix(".seg.tmp") })
        case .outputRenamed, .directorySynced, .installed:
            #expect(outputs.count == 1 && replaced.count == inputs.count && replacedOnDisk == replaced, "output and every input on disk")
        case .firstInputRemoved:
            #expect(outputs.count == 1 && replacedOnDisk.count == replaced.count - 1)
        case .inputsRemoved, .manifestWritten:
            #expect(outputs.count == 1 && replacedOnDisk.isEmpty && names == outputs)
        }
        // The MANIFEST (FORMAT.md 11.4) lists the inputs until it is rewritten after they are removed:
        // stale from the output's rename on, and every open below must still see the same records.
        let stale = step != .outputWritten && step != .outputSynced && step != .manifestWritten
        let described = Set(try manifestEntries(dir.path).map { SegmentFormat.fileName($0.header.segmentID) })
        #expect((described != Set(names)) == stale, "\(step.rawValue): MANIFEST lists \(described.sorted()), disk \(names.sorted())")

        // Another process reading now counts every record exactly once.
        expectSameRecords(try readAllReadOnly(dir.path), expected, "read-only open after a crash at \(step.rawValue)")
        let verify = try LogStore.verify(at: dir.path)
        #expect(verify.isClean, "\(step.rawValue): \(verify.problems)")
        #expect(verify.recordsChecked == expected.count, "\(step.rawValue): verify counted \(verify.recordsChecked)")

        // The next writer deletes what the crash left and sees the same records.
        let store = try LogStore.open(at: dir.path, options: compactionOptions())
        expectSameRecords(try store.records(LogQuery()), expected, "writer open after a crash at \(step.rawValue)")
        #expect(Set(store.recoveryReport.removedCompactedSegments) == Set(replacedOnDisk.map { "segments/" + $0 }))
        #expect(store.recoveryReport.manifestRewritten == stale, "\(step.rawValue): only a stale MANIFEST is rewritten at open")
        // Compacting again finishes the job.
        try store.compact()
        expectSameRecords(try store.records(LogQuery()), expected, "compacted again after a crash at \(step.rawValue)")
        try store.close()
        #expect(segmentNames(dir.path) == compactedSegmentNames(dir.path))
        #expect(listNames(dir.path + "/segments").allSatisfy { !$0.hasSuffix(".tmp") })
        expectSameRecords(try readAllReadOnly(dir.path), expected, "after recovery from \(step.rawValue)")
    }
}
