import Foundation
import Testing
import LogStore
import Glibc

/// Every common rotation scheme, with the writer running, against a real `logstore ingest --follow`
/// process: once left running, once SIGKILLed at random moments and restarted. The store is compared
/// with what was written, line by line: nothing stored twice; nothing lost, except lines of files
/// destroyed (replaced, deleted, compressed) while no tailer was running to read them.
@Suite(.serialized) struct RotationSchemeTests {
    struct Outcome {
        var stored: [String]
        var headers: Int
        var stderr: String
    }

    /// Runs `scheme` for `seconds`, SIGKILLing the tailer every `killEvery` seconds (nil: never), then
    /// waits until every line that still exists is stored and stops the tailer.
    func run(_ scheme: RotationScheme, seconds: Double, killEvery: ClosedRange<Double>?) throws -> (SchemeWriter, Outcome, Int) {
        let dir = TempDir()
        let logs = dir.path + "/logs", store = dir.path + "/store"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        // Under a sanitizer (LOGSTORE_TEST_SLOWDOWN) the writer writes that much slower, so files stay
        // small enough for the slower tailer; rotations and the run time stay as they are.
        let writer = SchemeWriter(dir: logs, scheme: scheme, rotateEvery: 0.6)
        let patterns = scheme.patterns.map { logs + "/" + $0 }
        var tailer = try FollowProcess(store: store, paths: patterns, dir: dir)
        // The writer starts once the tailer has its store open (it then follows every file from its
        // creation): a file rotated away before a tailer ever looked is not known to it (the first
        // rotation of the four files of `manyFiles` comes 0.15 s after the start).
        let up = waitUntil(timeout: .seconds(60), every: .milliseconds(50)) { FileManager.default.fileExists(atPath: store + "/LOCK") || !tailer.process.isRunning }
        #expect(up && tailer.process.isRunning, "\(scheme): the tailer did not start: \(tailer.stderr.suffix(2000))")
        writer.start()
        var stderr = ""
        var kills = 0
        if killEvery != nil {
            // The promise starts once the tailer has stored a position: a tailer killed before that has no
            // record of what it was reading (a file rotated away meanwhile is unknown to the next one).
            let running = waitUntil(timeout: .seconds(60), every: .milliseconds(50)) { (try? storedMessages(store))?.isEmpty == false }
            #expect(running, "\(scheme): the first tailer stored nothing in 60 s: \(tailer.stderr.suffix(2000))")
        }
        let started = Date()
        while Date().timeIntervalSince(started) < seconds {
            guard let killEvery else {
                // Nothing to wait for but the writer's run time: wake on the tailer's exit, if it fails.
                _ = waitUntil(timeout: .seconds(seconds), every: .milliseconds(50)) { !tailer.process.isRunning }
                break
            }
            _ = waitUntil(timeout: .seconds(Double.random(in: killEvery)), every: .milliseconds(50)) { !tailer.process.isRunning }
            tailer.kill()
            kills += 1
            stderr += tailer.stderr
            tailer = try FollowProcess(store: store, paths: patterns, dir: dir)
        }
        writer.stop()
        let required = Set(writer.written).subtracting(writer.destroyed)
        let complete = waitUntil(timeout: .seconds(120), every: .milliseconds(50)) {
            guard let stored = try? storedMessages(store) else { return false }
            return required.isSubset(of: stored)
        }
        let status = tailer.stop(SIGTERM)
        stderr += tailer.stderr
        #expect(complete, "\(scheme): not every line still on disk was stored")
        #expect(status == 0, "\(scheme): the tailer exited \(status): \(stderr.suffix(2000))")
        let all = try storedMessages(store)
        let headers = all.filter { $0 == rotationHeader }.count
        return (writer, Outcome(stored: all.filter { $0 != rotationHeader }, headers: headers, stderr: stderr), kills)
    }

    func compare(_ scheme: RotationScheme, _ writer: SchemeWriter, _ outcome: Outcome, kills: Int, strict: Bool) {
        let written = writer.written
        var counts: [String: Int] = [:]
        for m in outcome.stored { counts[m, default: 0] += 1 }
        let twice = counts.filter { $0.value > 1 }.map(\.key).sorted()
        let writtenSet = Set(written)
        let unexpected = counts.keys.filter { !writtenSet.contains($0) }
        let missing = written.filter { counts[$0] == nil }
        let destroyed = writer.destroyed
        let lostNotDestroyed = missing.filter { !destroyed.contains($0) }
        let reportedLost = outcome.stderr.contains("LOST:")
        print("rotation \(scheme) \(strict ? "running" : "SIGKILLed \(kills) times"): \(written.count) lines in \(writer.filesCreated) files, "
              + "\(writer.rotations) rotations; stored \(outcome.stored.count), twice \(twice.count), lost \(missing.count) "
              + "(of files destroyed while no tailer ran: \(missing.count - lostNotDestroyed.count); reported: \(reportedLost))"
              + (scheme == .deleteAndRecreate ? "; \(writer.inodesReused) new files got the deleted file's inode" : ""))
        // Counts compared (a failed expectation prints its operands: not whole arrays of lines).
        let (twiceCount, unexpectedCount, lostCount) = (twice.count, unexpected.count, lostNotDestroyed.count)
        let (missingCount, headers, files) = (missing.count, outcome.headers, writer.filesCreated)
        if missingCount > 0 || twiceCount > 0 {
            let reports = outcome.stderr.split(separator: "\n").filter { $0.contains("LOST:") }
            print("\(scheme): missing \(missing.prefix(3)); the tailer's reports: \(reports.prefix(3))")
        }
        #expect(twiceCount == 0, "\(scheme): lines stored twice, first \(twice.prefix(3))")
        #expect(unexpectedCount == 0, "\(scheme): stored lines never written: \(unexpected.prefix(3))")
        #expect(lostCount == 0, "\(scheme): lines lost that still exist, first \(lostNotDestroyed.prefix(3))")
        #expect(headers <= files, "\(scheme): more header lines than files")
        if strict {
            #expect(missingCount == 0, "\(scheme): lines lost with the tailer running, first \(missing.prefix(3))")
            #expect(headers == files, "\(scheme): header lines (one per file)")
        }
        let rotations = writer.rotations
        #expect(rotations >= 3)
    }

    @Test(arguments: RotationScheme.selected)
    func withTheWriterRunning(_ scheme: RotationScheme) throws {
        let (writer, outcome, _) = try run(scheme, seconds: 3, killEvery: nil)
        compare(scheme, writer, outcome, kills: 0, strict: true)
    }

    @Test(arguments: RotationScheme.selected)
    func withTheTailerSIGKILLedAndRestarted(_ scheme: RotationScheme) throws {
        let (writer, outcome, kills) = try run(scheme, seconds: 5, killEvery: 0.3...1.0)
        compare(scheme, writer, outcome, kills: kills, strict: false)
        #expect(kills >= 4)
    }
}
