import Foundation
import Testing
@testable import LogStore

/// The `logstore` binary built next to this test bundle, when it has the hidden `crash-writer`
/// subcommand (`logstore crash-writer --store DIR --seed N`: appends with durability sync and prints
/// `ack SEQ MESSAGE` per acknowledged record).
enum CrashWriter {
    static let executable: String? = BuiltExecutable.path("logstore")

    /// The binary, when it answers `crash-writer --help` with a usage naming `--store` and `--seed`.
    static let available: String? = {
        guard let exe = executable else { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = ["crash-writer", "--help"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        do { try p.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        supportsBatch = text.contains("--batch")
        return p.terminationStatus == 0 && text.contains("--store") && text.contains("--seed") ? exe : nil
    }()

    /// How much slower the crash writer runs than a plain debug build: `LOGSTORE_TEST_SLOWDOWN`, which
    /// scripts/sanitize.sh sets (a ThreadSanitizer build starts and appends several times slower).
    static let slowdown = max(1, Int(ProcessInfo.processInfo.environment["LOGSTORE_TEST_SLOWDOWN"] ?? "") ?? 1)

    /// Whether the crash writer takes `--batch N` (records per append), to reach flushes sooner.
    nonisolated(unsafe) static var supportsBatch = false
}

/// A real writer process killed with SIGKILL at random moments: every record it acknowledged
/// survives, intact and in order, and the store stays appendable and verifiable.
@Suite(.serialized) struct CrashRecoveryTests {
    struct Ack: Equatable {
        var sequence: UInt64
        var message: String
    }

    /// Runs the crash writer for about `millis` ms (or until `maxAcks` acks), kills it with SIGKILL and
    /// returns the complete `ack` lines it printed.
    static func runAndKill(_ exe: String, store: String, seed: UInt64, batch: Int, millis: Int, maxAcks: Int,
                           extraArguments: [String] = []) throws -> [Ack] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = ["crash-writer", "--store", store, "--seed", String(seed)]
            + (batch > 1 && CrashWriter.supportsBatch ? ["--batch", String(batch)] : [])
            + extraArguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let fd = pipe.fileHandleForReading.fileDescriptor
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        let deadline = Date().addingTimeInterval(Double(millis) / 1000)
        var acks = 0
        while Date() < deadline && acks < maxAcks {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let wait = max(1, Int32(deadline.timeIntervalSinceNow * 1000))
            guard poll(&pfd, 1, wait) > 0 else { continue }
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { break }  // the child exited on its own
            buffer += chunk[0..<n]
            acks = buffer.lazy.filter { $0 == UInt8(ascii: "\n") }.count
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        // Lines already in the pipe were printed (so acknowledged) before the kill.
        while true {
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { break }
            buffer += chunk[0..<n]
        }
        var out: [Ack] = []
        var lines = String(decoding: buffer, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        lines.removeLast()  // an unterminated last line was cut by the kill: not an acknowledgement
        for line in lines where line.hasPrefix("ack ") {
            let rest = line.dropFirst(4)
            guard let space = rest.firstIndex(of: " "), let seq = UInt64(rest[..<space]) else {
                Issue.record("malformed ack line: \(line)")
                continue
            }
            out.append(Ack(sequence: seq, message: String(rest[rest.index(after: space)...])))
        }
        return out
    }

    @Test(.enabled(if: CrashWriter.available != nil, "logstore binary with `crash-writer` not built next to the tests"),
          .timeLimit(.minutes(1)))
    func acknowledgedRecordsSurviveSIGKILL() throws {
        let exe = try #require(CrashWriter.available)
        let dir = TempDir()
        let store = dir.path + "/store"
        var rng = SeededRandom(seed: 20_240_601)
        var acknowledged: [Ack] = []
        for iteration in 0..<15 {
            // Odd iterations append batches, so that heads fill up and the kill can land inside a flush.
            let batch = iteration % 2 == 1 ? Int.random(in: 10...200, using: &rng) : 1
            let acks = try Self.runAndKill(exe, store: store, seed: UInt64(iteration + 1), batch: batch,
                                          millis: Int.random(in: 20...200, using: &rng) * CrashWriter.slowdown,
                                          maxAcks: Int.random(in: 5...5_000, using: &rng))
            if ProcessInfo.processInfo.environment["LOGSTORE_TEST_TIMING"] != nil {
                print("crash iteration \(iteration): batch \(batch), \(acks.count) acks, segments \(segmentNames(store).count), wal \(walNames(store))")
            }
            // Acks of one run come in increasing sequence order, above every earlier run's.
            #expect(zip(acks, acks.dropFirst()).allSatisfy { $0.sequence < $1.sequence }, "iteration \(iteration)")
            if let first = acks.first, let last = acknowledged.last {
                #expect(first.sequence > last.sequence, "iteration \(iteration): sequence reused after a crash")
            }
            acknowledged += acks
            guard fileExists(store) else { continue }  // killed before it created anything

            let opened = try LogStore.open(at: store, options: StoreOptions(durability: .sync))
            #expect(opened.recoveryReport.walDamage.isEmpty, "iteration \(iteration): \(opened.recoveryReport.walDamage)")
            #expect(opened.recoveryReport.unreadableSegments.isEmpty, "iteration \(iteration)")
            if ProcessInfo.processInfo.environment["LOGSTORE_TEST_TIMING"] != nil {
                let r = opened.recoveryReport
                print("  recovery: torn \(r.tornTails), replayed \(r.replayedRecords), removed \(r.removedIncompleteSegments.count)")
            }
            let all = try opened.records(LogQuery())
            #expect(isStrictlySorted(all), "iteration \(iteration)")
            #expect(Set(all.map(\.sequence)).count == all.count, "iteration \(iteration): duplicate sequence")
            let bySequence = Dictionary(all.map { ($0.sequence, $0) }, uniquingKeysWith: { a, _ in a })
            var missing = 0
            for ack in acknowledged {
                guard let r = bySequence[ack.sequence] else { missing += 1; continue }
                #expect(r.message == ack.message, "iteration \(iteration): sequence \(ack.sequence) changed")
            }
            #expect(missing == 0, "iteration \(iteration): \(missing) of \(acknowledged.count) acknowledged records lost")
            // The store takes appends again, above every acknowledged sequence.
            let r = try opened.append(LogRecord(timestamp: nowNanos(), level: .info, source: "test",
                                                message: "after crash \(iteration)"))
            #expect(r.accepted == 1)
            #expect(r.firstSequence > (acknowledged.last?.sequence ?? 0))
            acknowledged.append(Ack(sequence: r.firstSequence, message: "after crash \(iteration)"))
            try opened.close()
            let report = try LogStore.verify(at: store)
            #expect(report.isClean, "iteration \(iteration): \(report.problems)")
        }
        #expect(acknowledged.count > 15, "the crash writer should acknowledge records within the time given")
    }
}
