import Foundation
import Testing
import LogStore
import Glibc

/// `logstore tail -f` never skips damage silently (issue 11): records it cannot read are named on
/// standard error (file and offset), and every readable record is still printed.
@Suite struct TailDamageCLITests {
    /// WAL layout (docs/FORMAT.md 4): a 32-byte file header, then frames of a 9-byte header (length
    /// first, little-endian) and a payload; a records payload starts with the first sequence and count.
    static func frameOffsets(_ bytes: [UInt8]) -> [Int] {
        var out: [Int] = []
        var o = 32
        while o + 9 <= bytes.count {
            let len = Int(bytes[o]) | Int(bytes[o + 1]) << 8 | Int(bytes[o + 2]) << 16 | Int(bytes[o + 3]) << 24
            guard o + 9 + len <= bytes.count else { break }
            // Frame type 4 is an append's summary (FORMAT.md 4.4), not records.
            if bytes[o + 8] != 4 { out.append(o) }
            o += 9 + len
        }
        return out
    }

    @Test func tailFollowWarnsOnStandardErrorNamingTheFileAndOffsetOfDamage() throws {
        let dir = TempDir()
        let exe = try #require(CLI.executable)
        let full = dir.path + "/full", path = dir.path + "/store"
        // Five appends of 20 records (one WAL frame each, sequences 1…100), as a crash leaves them.
        var options = StoreOptions(durability: .sync)
        options.headFlushBytes = 64 << 20
        let writer = try LogStore.open(at: full, options: options)
        let t0 = nowNanos() - 600 * nanosPerSecond
        for part in 0..<5 {
            _ = try writer.append((0..<20).map { record(t0 + Int64(part * 20 + $0) * 1_000_000, .info, "m\(part * 20 + $0 + 1)") })
        }
        try FileManager.default.copyItem(atPath: full, toPath: path)
        try writer.close()
        let walName = try #require(try FileManager.default.contentsOfDirectory(atPath: path + "/wal").first { $0.hasSuffix(".wal") })
        let walPath = path + "/wal/" + walName
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: walPath)))
        let frames = Self.frameOffsets(bytes)
        try #require(frames.count == 5)
        // The store tail starts on holds the first two frames (records 1…40).
        try Data(bytes[..<frames[2]]).write(to: URL(fileURLWithPath: walPath))

        let outPath = dir.path + "/out", errPath = dir.path + "/err"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let tail = Process()
        tail.executableURL = URL(fileURLWithPath: exe)
        tail.arguments = ["tail", "-f", "--store", path, "-n", "1", "--format", "ndjson"]
        tail.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        tail.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try tail.run()
        defer { if tail.isRunning { kill(tail.processIdentifier, SIGKILL) } }
        func printed() -> [String] { TailCLITests.lines(outPath).compactMap { try? json($0)["message"] as? String } }
        func stderr() -> String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }
        // Once it printed the latest record (m40), it follows from there.
        #expect(waitUntil { printed() == ["m40"] }, "tail did not start: \(stderr())")

        // The writer's next three frames arrive, the first of them damaged (its first row's level byte).
        var rest = Array(bytes[frames[2]...])
        rest[9 + 12 + 8] ^= 0xE0
        let fd = open(walPath, O_WRONLY | O_APPEND | O_CLOEXEC)
        try #require(fd >= 0)
        _ = rest.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        // A writer restarts on the store and moves on to a new WAL file: the damage is final.
        let restarted = try LogStore.open(at: path, options: options)
        defer { try? restarted.close() }
        let warned = waitUntil { printed().count >= 41 && stderr().contains("warning") }
        let (reason, status) = TailCLITests.interrupt(tail)
        #expect(warned, "printed \(printed().count) records; stderr: \(stderr())")
        #expect(reason == .exit && status == 0)
        #expect(printed() == ["m40"] + (61...100).map { "m\($0)" }, "every readable record after the start, once")
        let warning = stderr()
        #expect(warning.contains("\(path)/wal/\(walName) at byte \(frames[2])"), "names the file and offset: \(warning)")
        #expect(warning.contains("20 records lost"), "counts the records: \(warning)")
    }
}
