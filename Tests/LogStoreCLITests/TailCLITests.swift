import Foundation
import Testing
import LogStore

@Suite struct TailCLITests {
    @Test func tailPrintsTheLastNMatchingRecordsOldestFirst() throws {
        let dir = TempDir()
        let t0 = nowNanos() - 600 * nanosPerSecond
        let path = dir.path + "/store"
        try makeStore(path, (0..<50).map { i in record(t0 + Int64(i) * nanosPerSecond, i % 2 == 0 ? .warning : .info, "line \(i)") })
        let r = try CLI.run(["tail", "--store", path, "-n", "3", "--where", "level >= warning", "--format", "ndjson"])
        #expect(r.status == 0, "\(r.stderr)")
        let messages = try r.stdout.split(separator: "\n").map { try json(String($0))["message"] as? String }
        #expect(messages == ["line 44", "line 46", "line 48"])
    }

    @Test func tailFollowPrintsNewCommittedRecordsAndExitsCleanlyOnCtrlC() throws {
        let dir = TempDir()
        let exe = try #require(CLI.executable)
        let path = dir.path + "/store"
        let t0 = nowNanos() - 60 * nanosPerSecond
        try makeStore(path, [record(t0 - nanosPerSecond, .info, "old new"), record(t0, .info, "new zero")])

        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = ["tail", "-f", "--store", path, "-n", "1", "--interval", "50", "--where", "message ~ \"new\""]
        let outPath = dir.path + "/out"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        // Once tail printed the latest matching record, it has its starting point: what is appended now is after it.
        #expect(waitUntil { ((try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "").contains("new zero") })
        // A writer in this process appends while tail follows.
        let store = try LogStore.open(at: path, options: StoreOptions(durability: .sync))
        _ = try store.append([record(t0 + nanosPerSecond, .info, "new one"), record(t0 + 2 * nanosPerSecond, .info, "skipped"),
                              record(t0 + 3 * nanosPerSecond, .error, "new two")])
        var text = ""
        waitUntil {
            text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
            return text.contains("new two")
        }
        try store.close()
        let (reason, status) = Self.interrupt(p)
        #expect(reason == .exit && status == 0)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 3, "\(text)")
        #expect(lines.first?.contains("new zero") == true && lines.dropFirst().first?.contains("new one") == true
                && lines.last?.contains("new two") == true, "\(text)")
    }

    /// Starts `logstore ARGS` with stdout to `outPath` (a follower that runs until signalled).
    /// With `readyFile`, tail -f is given `--ready-file` and this returns once it is following.
    static func start(_ args: [String], outPath: String, readyFile: String? = nil) throws -> Process {
        let exe = try #require(CLI.executable)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args + (readyFile.map { ["--ready-file", $0] } ?? [])
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        p.standardError = FileHandle.nullDevice
        try p.run()
        if let readyFile {
            let ready = waitUntil { FileManager.default.fileExists(atPath: readyFile) || !p.isRunning }
            try #require(ready && p.isRunning, "tail -f did not say it was following (exited: \(!p.isRunning))")
        }
        return p
    }

    /// The sequence number a `tail -f --ready-file PATH` said it follows after.
    static func readySequence(_ path: String) -> UInt64? {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").first.flatMap { UInt64($0) }
    }

    static func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Sends SIGINT and returns how the process ended (SIGKILL after 30 s, so a test never hangs; the
    /// expectations on the result fail then).
    static func interrupt(_ p: Process) -> (Process.TerminationReason, Int32) {
        kill(p.processIdentifier, SIGINT)
        if !waitUntil(timeout: .seconds(30), { !p.isRunning }) { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        return (p.terminationReason, p.terminationStatus)
    }

    @Test func tailFollowPrintsEveryRecordAnotherProcessWritesOnceIncludingLateOnes() throws {
        let dir = TempDir()
        let path = dir.path + "/store"
        let t0 = nowNanos() - 60 * nanosPerSecond
        try makeStore(path, [record(t0, .info, "before one"), record(t0 + nanosPerSecond, .info, "before two")])
        let allPath = dir.path + "/all", warnPath = dir.path + "/warn"
        let all = try Self.start(["tail", "-f", "--store", path, "-n", "1", "--format", "ndjson"], outPath: allPath,
                                 readyFile: dir.path + "/all.ready")
        defer { if all.isRunning { kill(all.processIdentifier, SIGKILL) } }
        // The -n 0 follower prints nothing first: its ready file says when it is following.
        let warn = try Self.start(["tail", "-f", "--store", path, "-n", "0", "--format", "ndjson",
                                   "--where", "level >= warning and message ~ \"m-\""], outPath: warnPath,
                                  readyFile: dir.path + "/warn.ready")
        defer { if warn.isRunning { kill(warn.processIdentifier, SIGKILL) } }
        #expect(Self.readySequence(dir.path + "/all.ready") == 2 && Self.readySequence(dir.path + "/warn.ready") == 2,
                "both follow after the two records stored before")
        #expect(waitUntil { !Self.lines(allPath).isEmpty })
        #expect(Self.lines(allPath).first?.contains("before two") == true)
        // Another process writes 6,006 records, 7 per append, with durability sync: its 256 KiB heads
        // rotate WAL files and flush them into segments (deleting them) while tail follows. Record n
        // has timestamp base + n ms - (n % 7) * 5 ms, so many are older than records written before them.
        let count = 6_006
        let writer = try CLI.run(["crash-writer", "--store", path, "--count", "\(count)", "--batch", "7", "--seed", "3"])
        #expect(writer.status == 0, "\(writer.stderr)")
        let acks = writer.stdout.split(separator: "\n").map { $0.split(separator: " ") }
        try #require(acks.count == count)
        let ackedMessages = acks.map { String($0[2]) }
        let warningLevels: Set<String> = ["warning", "error", "critical"]
        let expectedWarnings = (0..<count).filter { warningLevels.contains(LogLevel.allCases[$0 % LogLevel.count].name) }.count
        // A sentinel written after everything, matching both followers' filters: records are printed in
        // commit order, so once it is printed anything extra (a duplicate) would have been printed before it.
        let sentinel = try LogStore.open(at: path, options: StoreOptions(durability: .sync))
        _ = try sentinel.append(record(nowNanos(), .critical, "m-sentinel"))
        try sentinel.close()
        #expect(waitUntil(timeout: .seconds(120)) {
            Self.lines(allPath).last?.contains("m-sentinel") == true && Self.lines(warnPath).last?.contains("m-sentinel") == true
        }, "both followers printed the sentinel: \(Self.lines(allPath).count - 2) of \(count), \(Self.lines(warnPath).count - 1) of \(expectedWarnings)")
        let (reason, status) = Self.interrupt(all)
        #expect(reason == .exit && status == 0, "SIGINT ends tail -f with status 0")
        let (wReason, wStatus) = Self.interrupt(warn)
        #expect(wReason == .exit && wStatus == 0)

        let printed = try Self.lines(allPath).dropFirst().dropLast().map { try json($0) }
        let messages = printed.compactMap { $0["message"] as? String }
        #expect(messages.count == count, "every record once: \(messages.count) of \(count)")
        #expect(messages == ackedMessages, "in commit order")
        #expect(Set(messages).count == messages.count, "no duplicates")
        let sequences = printed.compactMap { $0["seq"] as? Int }
        #expect(sequences == sequences.sorted())
        // m-3-6 is 24 ms older than m-3-5 and was written after it: a late record.
        let five = messages.firstIndex(of: "m-3-5"), six = messages.firstIndex(of: "m-3-6")
        #expect(five != nil && six != nil && five! < six!)
        if let five, let six {
            #expect((printed[six]["timestamp"] as? String ?? "") < (printed[five]["timestamp"] as? String ?? ""),
                    "m-3-6 has the older timestamp")
        }

        let filtered = try Self.lines(warnPath).dropLast().map { try json($0) }
        let expected = (0..<count).filter { warningLevels.contains(LogLevel.allCases[$0 % LogLevel.count].name) }.map { "m-3-\($0)" }
        #expect(filtered.compactMap { $0["message"] as? String } == expected, "--where: exactly the matching records")
    }

    @Test func readyFileIsRefusedWithoutFollow() throws {
        let dir = TempDir()
        let path = dir.path + "/store"
        try makeStore(path, [record(nowNanos() - nanosPerSecond, .info, "one")])
        let r = try CLI.run(["tail", "--store", path, "--ready-file", dir.path + "/ready"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("--ready-file applies only with -f"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/ready"))
    }

    @Test func tailFollowKeepsFollowingWritersThatAreKilledAndRestarted() throws {
        let dir = TempDir()
        let exe = try #require(CLI.executable)
        let path = dir.path + "/store"
        try makeStore(path, [record(nowNanos() - 60 * nanosPerSecond, .info, "before")])
        let outPath = dir.path + "/out"
        let tail = try Self.start(["tail", "-f", "--store", path, "-n", "0", "--format", "ndjson"], outPath: outPath,
                                  readyFile: dir.path + "/ready")
        defer { if tail.isRunning { kill(tail.processIdentifier, SIGKILL) } }
        // Three writers killed with SIGKILL at random moments (torn frames, WAL files the next writer
        // replays, flushes and deletes, file numbers it reuses), then one that finishes.
        var acked: [String] = []
        var rng = SystemRandomNumberGenerator()
        for round in 0..<4 {
            let ackPath = dir.path + "/acks\(round)"
            _ = FileManager.default.createFile(atPath: ackPath, contents: nil)
            let w = Process()
            w.executableURL = URL(fileURLWithPath: exe)
            w.arguments = ["crash-writer", "--store", path, "--seed", "\(round)", "--batch", "5"] + (round == 3 ? ["--count", "500"] : [])
            w.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: ackPath))
            w.standardError = FileHandle.nullDevice
            try w.run()
            if round < 3 {
                // Killed at a random moment of its writing (time passing is the point, not a wait).
                pace(.milliseconds(Int.random(in: 300...900, using: &rng)))
                kill(w.processIdentifier, SIGKILL)
            }
            w.waitUntilExit()
            let acks = ((try? String(contentsOfFile: ackPath, encoding: .utf8)) ?? "").split(separator: "\n")
            // The last line may be cut by the kill.
            acked += acks.compactMap { line in
                let parts = line.split(separator: " ")
                return parts.count == 3 && line.hasPrefix("ack ") && (round == 3 || line != acks.last) ? String(parts[2]) : nil
            }
        }
        #expect(acked.count > 500)
        // A sentinel after everything: printed in commit order, so once it is printed, anything printed
        // twice would have been printed before it.
        let sentinel = try LogStore.open(at: path, options: StoreOptions(durability: .sync))
        _ = try sentinel.append(record(nowNanos(), .info, "sentinel"))
        try sentinel.close()
        #expect(waitUntil(timeout: .seconds(120)) { Self.lines(outPath).last?.contains("\"sentinel\"") == true },
                "the sentinel was printed (\(Self.lines(outPath).count) lines)")
        let printed = Self.lines(outPath).dropLast().compactMap { try? json($0) }
        let (reason, status) = Self.interrupt(tail)
        #expect(reason == .exit && status == 0)
        let messages = printed.compactMap { $0["message"] as? String }
        let sequences = printed.compactMap { $0["seq"] as? Int }
        #expect(Set(messages).count == messages.count, "no record twice")
        #expect(sequences == sequences.sorted() && Set(sequences).count == sequences.count, "in sequence order")
        let missing = Set(acked).subtracting(messages)
        #expect(missing.isEmpty, "every acknowledged record is printed; missing \(missing.count), e.g. \(missing.sorted().prefix(5))")
    }
}
