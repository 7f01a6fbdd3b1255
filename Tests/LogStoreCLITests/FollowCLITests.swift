import Foundation
import Synchronization
import Testing
import LogStore
import Glibc

/// `logstore ingest --follow` as a real process: a partial last line, a restart mid-file, a new file
/// matching a pattern, and SIGKILLs while another thread writes and rotates fast.
@Suite(.serialized) struct FollowCLITests {
    @Test func partialLastLineIsWaitedForAndStoredWhole() throws {
        let dir = TempDir()
        let log = dir.path + "/app.log", store = dir.path + "/store"
        appendText("first line\nsec", to: log)
        let tailer = try FollowProcess(store: store, paths: [log], dir: dir)
        // "first line" is stored once the file has been idle a moment; the partial line with it would
        // have been stored too if the tailer split lines.
        let first = waitUntil(timeout: .seconds(120), every: .milliseconds(50)) { (try? storedMessages(store))?.isEmpty == false }
        #expect(first, "nothing stored: \(tailer.stderr)")
        #expect(try storedMessages(store) == ["first line"])
        appendText("ond line\n", to: log)
        #expect(waitUntil(timeout: .seconds(120), every: .milliseconds(50)) { (try? storedMessages(store)) == ["first line", "second line"] },
                "stored: \((try? storedMessages(store)) ?? [])")
        #expect(tailer.stop(SIGTERM) == 0, "\(tailer.stderr)")
    }

    @Test func restartMidFileContinuesExactlyAfterSIGTERM() throws {
        let dir = TempDir()
        let log = dir.path + "/app.log", store = dir.path + "/store"
        let lines = (1...300).map { "line \($0) of the file" }
        appendText(lines[0..<100].joined(separator: "\n") + "\n" + "line 101 of", to: log)
        var tailer = try FollowProcess(store: store, paths: [log], dir: dir)
        #expect(waitUntil(timeout: .seconds(120), every: .milliseconds(50)) { (try? storedMessages(store))?.count == 100 }, "\(tailer.stderr)")
        #expect(tailer.stop(SIGTERM) == 0, "\(tailer.stderr)")
        appendText(" the file\n" + lines[101..<200].joined(separator: "\n") + "\n", to: log)
        tailer = try FollowProcess(store: store, paths: [log], dir: dir)
        #expect(waitUntil(timeout: .seconds(120), every: .milliseconds(50)) { (try? storedMessages(store))?.count == 200 }, "\(tailer.stderr)")
        appendText(lines[200...].joined(separator: "\n") + "\n", to: log)
        #expect(waitUntil(timeout: .seconds(120), every: .milliseconds(50)) { (try? storedMessages(store))?.count == 300 }, "\(tailer.stderr)")
        #expect(tailer.stop(SIGINT) == 0, "\(tailer.stderr)")
        #expect(tailer.stderr.contains("from byte"), "the second run resumed mid-file: \(tailer.stderr)")
        #expect(try storedMessages(store) == lines)
    }

    /// logrotate's order: rename, new file, then the program writes a last line to the renamed file
    /// before it reopens the path. With --rotate-wait 3 that line is stored, and the new file after it.
    @Test func aLineWrittenToTheRotatedFileBeforeTheWriterReopensIsStored() throws {
        let dir = TempDir()
        let log = dir.path + "/app.log", store = dir.path + "/store"
        let fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)  // the program's descriptor
        try #require(fd >= 0)
        defer { close(fd) }
        func write(_ text: String) { _ = Array(text.utf8).withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } }
        write("before 1\nbefore 2\n")
        let tailer = try FollowProcess(store: store, paths: [log], dir: dir, extra: ["--rotate-wait", "3"])
        #expect(waitUntil(timeout: .seconds(120), every: .milliseconds(50)) { (try? storedMessages(store)) == ["before 1", "before 2"] }, "\(tailer.stderr)")
        try FileManager.default.moveItem(atPath: log, toPath: log + ".1")
        appendText("new 1\n", to: log)
        // The tailer has seen the rotation once it holds the new file open beside the renamed one.
        #expect(waitUntil(timeout: .seconds(120)) {
            let open = openPaths(of: tailer.process.processIdentifier)
            return open.contains { $0.hasSuffix("/app.log") } && open.contains { $0.hasSuffix("/app.log.1") }
        }, "the tailer never opened the new file: \(openPaths(of: tailer.process.processIdentifier)) \(tailer.stderr)")
        // The late line comes 0.8 s after that: later than the 0.3 s these tests use otherwise (the line
        // would be lost), well within the 3 s asked for. The delay is the scenario, not a wait.
        pace(.milliseconds(800))
        write("late, to the renamed file\n")
        #expect(waitUntil(timeout: .seconds(120), every: .milliseconds(50)) { (try? storedMessages(store))?.count == 4 }, "stored: \((try? storedMessages(store)) ?? []) \(tailer.stderr)")
        #expect(tailer.stop(SIGTERM) == 0, "\(tailer.stderr)")
        #expect(try storedMessages(store) == ["before 1", "before 2", "late, to the renamed file", "new 1"])
    }

    @Test func aNewFileMatchingThePatternIsPickedUp() throws {
        let dir = TempDir()
        let logs = dir.path + "/logs", store = dir.path + "/store"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        appendText("a one\n", to: logs + "/a.log")
        let tailer = try FollowProcess(store: store, paths: [logs + "/*.log"], dir: dir)
        #expect(waitUntil(timeout: .seconds(120), every: .milliseconds(50)) { (try? storedMessages(store)) == ["a one"] }, "\(tailer.stderr)")
        appendText("b one\n", to: logs + "/b.log")
        appendText("not followed\n", to: logs + "/c.txt")
        #expect(waitUntil(timeout: .seconds(120), every: .milliseconds(50)) { (try? storedMessages(store))?.sorted() == ["a one", "b one"] },
                "stored: \((try? storedMessages(store)) ?? []) \(tailer.stderr)")
        #expect(tailer.stop(SIGTERM) == 0, "\(tailer.stderr)")
        #expect(try storedMessages(store).sorted() == ["a one", "b one"])
    }

    @Test func followRefusesStandardInputAndJSONSummary() throws {
        let noPath = try CLI.run(["ingest", "--follow", "--store", "/nonexistent/store"])
        #expect(noPath.status == 2)
        #expect(noPath.stderr.contains("--follow needs file paths"))
        let json = try CLI.run(["ingest", "--follow", "--summary", "json", "--store", "/nonexistent/store", "a.log"])
        #expect(json.status == 2)
        #expect(json.stderr.contains("--summary json does not apply"))
    }

    @Test func pollingFallbackFollowsGrowthAndRotation() throws {
        let dir = TempDir()
        let log = dir.path + "/app.log", store = dir.path + "/store"
        appendText("p1\n", to: log)
        let tailer = try FollowProcess(store: store, paths: [log], dir: dir, extra: ["--follow-polling"])
        #expect(waitUntil(timeout: .seconds(120), every: .milliseconds(50)) { (try? storedMessages(store)) == ["p1"] }, "\(tailer.stderr)")
        appendText("p2\n", to: log)
        try FileManager.default.moveItem(atPath: log, toPath: log + ".1")
        appendText("p3\n", to: log)
        #expect(waitUntil(timeout: .seconds(120), every: .milliseconds(50)) { (try? storedMessages(store)) == ["p1", "p2", "p3"] },
                "stored: \((try? storedMessages(store)) ?? []) \(tailer.stderr)")
        #expect(tailer.stop(SIGTERM) == 0, "\(tailer.stderr)")
        #expect(tailer.stderr.contains("polling: checking the files"))
    }

    /// A writer thread appends numbered lines fast and rotates the file by rename every 2.5 s; the
    /// tailer is SIGKILLed every 1–2 s and started again. At the end the store holds every line of every
    /// source file exactly once.
    @Test func sigkillDuringHeavyWritingLosesAndRepeatsNothing() throws {
        let dir = TempDir()
        let logs = dir.path + "/logs", store = dir.path + "/store"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        let log = logs + "/app.log"
        let writer = RotatingWriter(path: log, rotateEvery: 2.5)
        writer.start()
        var tailer = try FollowProcess(store: store, paths: [log], dir: dir)
        var kills = 0
        let started = Date()
        while Date().timeIntervalSince(started) < 12 {
            // Killed at a random moment of the writing (time passing is the point, not a wait).
            pace(.seconds(Double.random(in: 1.0...2.0)))
            tailer.kill()
            kills += 1
            tailer = try FollowProcess(store: store, paths: [log], dir: dir)
        }
        writer.stop()
        let expected = try sourceLines(in: logs)
        #expect(expected.count == writer.linesWritten)
        let caughtUp = waitUntil(timeout: .seconds(300), every: .milliseconds(50)) { ((try? storedMessages(store))?.count ?? 0) >= expected.count }
        // Give a wrong tailer 1.5 s to store more than it should before comparing (a negative check).
        _ = staysTrue(for: .seconds(1.5), every: .milliseconds(100)) { ((try? storedMessages(store))?.count ?? 0) <= expected.count }
        #expect(tailer.stop(SIGTERM) == 0, "\(tailer.stderr)")
        let stored = try storedMessages(store)
        print("follow SIGKILL test: \(expected.count) lines in \(writer.rotations + 1) files, \(kills) kills, \(stored.count) stored")
        var counts: [String: Int] = [:]
        for m in stored { counts[m, default: 0] += 1 }
        let missing = expected.filter { counts[$0] == nil }
        let duplicated = counts.filter { $0.value > 1 }.map(\.key).sorted()
        let unexpected = Set(stored).subtracting(expected)
        let (storedCount, expectedCount) = (stored.count, expected.count)
        let (missingCount, duplicatedCount, unexpectedCount) = (missing.count, duplicated.count, unexpected.count)
        #expect(caughtUp, "stored \(storedCount) of \(expectedCount) lines")
        #expect(missingCount == 0, "lines missing of \(expectedCount) (\(kills) kills, \(writer.rotations) rotations), first: \(missing.prefix(5)), last: \(missing.suffix(2))")
        #expect(duplicatedCount == 0, "lines stored more than once, first: \(duplicated.prefix(5))")
        #expect(unexpectedCount == 0, "stored lines in no source file, first: \(unexpected.prefix(5))")
        #expect(storedCount == expectedCount)
        #expect(kills >= 5 && writer.rotations >= 3)
    }
}

// MARK: - Support

/// A running `logstore ingest --follow --format text`.
final class FollowProcess {
    let process = Process()
    let errPath: String

    init(store: String, paths: [String], dir: TempDir, extra: [String] = []) throws {
        let exe = try #require(CLI.executable, "the logstore binary is not built next to the tests")
        process.executableURL = URL(fileURLWithPath: exe)
        // These writers never write to a file after renaming it: a short --rotate-wait keeps the tests
        // fast (the wait itself is tested in LogStoreTailTests.RotateWaitTests).
        process.arguments = ["ingest", "--follow", "--format", "text", "--rotate-wait", "0.3", "--store", store] + extra + paths
        errPath = dir.path + "/follow-\(UUID().uuidString).err"
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// Sends `signal` and waits for the exit; returns the exit status (-1 if killed by a signal).
    func stop(_ signal: Int32) -> Int32 {
        Glibc.kill(process.processIdentifier, signal)
        process.waitUntilExit()
        return process.terminationReason == .exit ? process.terminationStatus : -1
    }

    func kill() { _ = stop(SIGKILL) }

    var stderr: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }
}

/// Appends numbered lines in bursts (about 40,000 lines a second at most) to `path`, renaming it to
/// `path.N` and starting a new file every `rotateEvery` seconds.
final class RotatingWriter: Sendable {
    let path: String
    let rotateEvery: Double
    private let state = Mutex<(stop: Bool, lines: Int, rotations: Int)>((false, 0, 0))
    private let done = DispatchSemaphore(value: 0)

    init(path: String, rotateEvery: Double) {
        self.path = path
        self.rotateEvery = rotateEvery
    }

    var linesWritten: Int { state.withLock { $0.lines } }
    var rotations: Int { state.withLock { $0.rotations } }

    func start() {
        Thread { [self] in
            run()
            done.signal()
        }.start()
    }

    func stop() {
        state.withLock { $0.stop = true }
        done.wait()
    }

    private func run() {
        var generation = 0
        var fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        var rotatedAt = Date()
        var n = 0
        while !state.withLock({ $0.stop }) {
            var burst = ""
            for _ in 0..<200 {
                n += 1
                burst += "line g\(generation) n\(n) " + String(repeating: "x", count: n % 40) + "\n"
            }
            _ = Array(burst.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            state.withLock { $0.lines += 200 }
            if Date().timeIntervalSince(rotatedAt) >= rotateEvery {
                close(fd)
                rename(path, path + ".\(generation)")
                generation += 1
                fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
                rotatedAt = Date()
                state.withLock { $0.rotations += 1 }
            }
            // Under a sanitizer (LOGSTORE_TEST_SLOWDOWN, set by scripts/sanitize.sh) the tailer runs
            // several times slower: write that much slower too, so it can keep up.
            pace(.milliseconds(5 * testSlowdown))
        }
        close(fd)
    }
}

/// How much slower than a plain debug build the binaries run (`LOGSTORE_TEST_SLOWDOWN`, set by
/// scripts/sanitize.sh: 2 under AddressSanitizer, 5 under ThreadSanitizer).
let testSlowdown = max(1, Int(ProcessInfo.processInfo.environment["LOGSTORE_TEST_SLOWDOWN"] ?? "") ?? 1)

/// Every line of every file in `dir`.
func sourceLines(in dir: String) throws -> [String] {
    var out: [String] = []
    for name in try FileManager.default.contentsOfDirectory(atPath: dir).sorted() {
        let text = try String(contentsOfFile: dir + "/" + name, encoding: .utf8)
        out += text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }
    return out
}

/// Messages in the store, in storage order (read-only open, so it works while the tailer writes).
func storedMessages(_ path: String) throws -> [String] {
    guard FileManager.default.fileExists(atPath: path) else { return [] }
    var options = StoreOptions()
    options.readOnly = true
    let store = try LogStore.open(at: path, options: options)
    defer { try? store.close() }
    let it = try store.query(LogQuery())
    var out: [String] = []
    while let r = try it.next() { out.append(r.message) }
    return out
}

func appendText(_ text: String, to path: String) {
    let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    guard fd >= 0 else { return }
    defer { close(fd) }
    _ = Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
}

/// The paths of the files process `pid` has open (/proc/PID/fd), as the kernel names them now (a
/// renamed file under its new name).
func openPaths(of pid: Int32) -> [String] {
    let dir = "/proc/\(pid)/fd"
    let fds = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
    return fds.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: dir + "/" + $0) }
}
