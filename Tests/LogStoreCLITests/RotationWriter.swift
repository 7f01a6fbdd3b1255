import Foundation
import LogStore
import Glibc

/// How a log file is rotated: what an application or logrotate does to the file being written.
enum RotationScheme: String, CaseIterable, Sendable, CustomStringConvertible {
    /// `app.log` renamed to `app.log.1` (replacing the previous `.1`), a new `app.log` opened.
    case renameToDotOne
    /// `.2 → .3`, `.1 → .2`, `app.log → .1` (the oldest replaced), a new `app.log`.
    case chain
    /// `app.log` renamed to `app-N.log`, which the pattern `*.log` matches (logback, log4j2 `%d`).
    case renameToMatchingName
    /// logrotate `dateext`: `app.log` renamed to `app.log-2026120N`.
    case dateext
    /// logrotate `copytruncate`: `app.log` copied to `app.log.N`, then truncated; the writer keeps its
    /// descriptor (O_APPEND).
    case copytruncate
    /// `app.log` deleted, a new `app.log` created (the kernel may give it the freed inode).
    case deleteAndRecreate
    /// Renamed to `app.log.N`, and the file rotated before it compressed with gzip (logrotate's
    /// `compress` + `delaycompress`): the uncompressed file is deleted; its lines stay readable in the `.gz`.
    case gzipAfterRotate
    /// Four files under one glob, each rotated by rename on its own schedule.
    case manyFiles
    /// Under `*.log`: the writer moves on to a new file (`app-N.log`); the file before stops growing
    /// and is deleted one rotation later.
    case stopThenDelete

    var description: String { rawValue }

    /// The schemes tested: all, or those named in `LOGSTORE_ROTATION_SCHEMES` (comma-separated), to
    /// rerun one while working on it.
    static var selected: [RotationScheme] {
        guard let names = ProcessInfo.processInfo.environment["LOGSTORE_ROTATION_SCHEMES"], !names.isEmpty else { return allCases }
        return names.split(separator: ",").compactMap { RotationScheme(rawValue: String($0)) }
    }

    /// The patterns `logstore ingest --follow` is given (relative to the logs directory).
    var patterns: [String] {
        switch self {
        case .renameToMatchingName, .manyFiles, .stopThenDelete: ["*.log"]
        default: ["app.log"]
        }
    }

    /// The files written at once.
    var fileNames: [String] {
        switch self {
        case .manyFiles: ["a.log", "b.log", "c.log", "d.log"]
        case .stopThenDelete: ["app-0.log"]
        default: ["app.log"]
        }
    }
}

/// Every file starts with this line: files with equal first bytes must be told apart by device and
/// inode. Its records are counted apart (one per file created).
let rotationHeader = "# app log format 1, written by the rotation test writer"

/// Appends numbered lines to the scheme's files at about 20,000 lines a second (slower under a
/// sanitizer), rotating each every `rotateEvery` seconds by the scheme. Each new file begins with the
/// header and one short line, then a pause, so it is shorter than a fingerprint for a moment.
/// Lines of files destroyed by the rotation (replaced, deleted, compressed) are remembered: they may
/// be lost if the tailer was not running to read them in time.
final class SchemeWriter: Sendable {
    let dir: String
    let scheme: RotationScheme
    let rotateEvery: Double
    private struct State {
        var stop = false
        var rotations = 0
        var written: [String] = []
        var filesCreated = 0
        /// Lines of files that no longer exist uncompressed under any name.
        var destroyed = Set<String>()
        /// New files that got the inode of the file deleted just before.
        var inodesReused = 0
    }
    // LockedState: ThreadSanitizer cannot see Mutex on Linux (the writer thread and the test share it).
    private let state = LockedState(State())
    private let done = DispatchSemaphore(value: 0)

    init(dir: String, scheme: RotationScheme, rotateEvery: Double) {
        self.dir = dir
        self.scheme = scheme
        self.rotateEvery = rotateEvery
    }

    var rotations: Int { state.withLock { $0.rotations } }
    var written: [String] { state.withLock { $0.written } }
    var filesCreated: Int { state.withLock { $0.filesCreated } }
    var destroyed: Set<String> { state.withLock { $0.destroyed } }
    var inodesReused: Int { state.withLock { $0.inodesReused } }

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

    /// One file being written: its descriptor, the lines in it (by generation, for destruction).
    private final class Output {
        var name: String
        var fd: Int32 = -1
        var generation = 0
        var lines: [String] = []
        var rotatedAt = Date()
        /// Lines per rotated name still on disk.
        var rotated: [String: [String]] = [:]
        init(name: String) { self.name = name }
    }

    private func run() {
        let outputs = scheme.fileNames.map { Output(name: $0) }
        var n = 0
        for (i, o) in outputs.enumerated() {
            open(o)
            // Independent schedules: each file rotates at its own moment.
            o.rotatedAt = Date().addingTimeInterval(-rotateEvery * Double(i) / Double(outputs.count))
        }
        while !state.withLock({ $0.stop }) {
            for o in outputs {
                var burst = ""
                var lines: [String] = []
                for _ in 0..<(200 / outputs.count) {
                    n += 1
                    let line = "\(scheme) \(o.name) g\(o.generation) n\(n) " + String(repeating: "x", count: n % 40)
                    burst += line + "\n"
                    lines.append(line)
                }
                write(o.fd, burst)
                o.lines += lines
                state.withLock { $0.written += lines }
                if Date().timeIntervalSince(o.rotatedAt) >= rotateEvery { rotate(o) }
            }
            // A writer that writes in bursts, not as fast as it can (the pace is the scenario, not a wait).
            pace(.milliseconds(10 * testSlowdown))
        }
        for o in outputs { close(o.fd) }
    }

    private func path(_ name: String) -> String { dir + "/" + name }

    private func write(_ fd: Int32, _ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }

    /// Opens a new file under the output's name and writes its header and one short line, slowly.
    private func open(_ o: Output) {
        o.fd = Glibc.open(path(o.name), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        o.lines = []
        state.withLock { $0.filesCreated += 1 }
        write(o.fd, rotationHeader + "\n")
        pace(.milliseconds(2))
        let first = "\(scheme) \(o.name) g\(o.generation) first"
        write(o.fd, first + "\n")
        o.lines.append(first)
        state.withLock { $0.written.append(first) }
        pace(.milliseconds(2))
    }

    private func destroy(_ o: Output, _ name: String) {
        if let lines = o.rotated.removeValue(forKey: name) { state.withLock { $0.destroyed.formUnion(lines) } }
    }

    private func moveRotated(_ o: Output, from: String, to: String) {
        destroy(o, to)
        guard let lines = o.rotated.removeValue(forKey: from) else { return }
        rename(path(from), path(to))
        o.rotated[to] = lines
    }

    private func rotate(_ o: Output) {
        let g = o.generation
        switch scheme {
        case .copytruncate:
            let copy = "\(o.name).\(g)"
            let bytes = FileManager.default.contents(atPath: path(o.name)) ?? Data()
            FileManager.default.createFile(atPath: path(copy), contents: bytes)
            o.rotated[copy] = o.lines
            ftruncate(o.fd, 0)
            o.lines = []
            write(o.fd, rotationHeader + "\n")
            state.withLock { $0.filesCreated += 1 }
        default:
            close(o.fd)
            switch scheme {
            case .renameToDotOne:
                destroy(o, o.name + ".1")
                rename(path(o.name), path(o.name + ".1"))
                o.rotated[o.name + ".1"] = o.lines
            case .chain:
                moveRotated(o, from: o.name + ".2", to: o.name + ".3")
                moveRotated(o, from: o.name + ".1", to: o.name + ".2")
                rename(path(o.name), path(o.name + ".1"))
                o.rotated[o.name + ".1"] = o.lines
            case .renameToMatchingName:
                let to = "app-\(g).log"
                rename(path(o.name), path(to))
                o.rotated[to] = o.lines
            case .dateext:
                let to = o.name + "-2026120\(g % 10)\(g / 10)"
                rename(path(o.name), path(to))
                o.rotated[to] = o.lines
            case .deleteAndRecreate:
                state.withLock { $0.destroyed.formUnion(o.lines) }
                var st = stat()
                let inode = stat(path(o.name), &st) == 0 ? st.st_ino : 0
                unlink(path(o.name))
                o.generation += 1
                open(o)
                if fstat(o.fd, &st) == 0, st.st_ino == inode { state.withLock { $0.inodesReused += 1 } }
                o.rotatedAt = Date()
                state.withLock { $0.rotations += 1 }
                return
            case .stopThenDelete:
                o.rotated[o.name] = o.lines
                destroy(o, "app-\(g - 1).log")
                unlink(path("app-\(g - 1).log"))
                o.name = "app-\(g + 1).log"
            case .gzipAfterRotate:
                let to = "\(o.name).\(g)"
                rename(path(o.name), path(to))
                o.rotated[to] = o.lines
                let previous = "\(o.name).\(g - 1)"
                if o.rotated[previous] != nil {
                    let gz = Process()
                    gz.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
                    gz.arguments = ["-f", path(previous)]
                    // The lines are still readable in the .gz (the tailer reads its unread end from there).
                    if (try? gz.run()) != nil {
                        gz.waitUntilExit()
                        if gz.terminationStatus == 0, let lines = o.rotated.removeValue(forKey: previous) {
                            o.rotated[previous + ".gz"] = lines
                        }
                    }
                }
            case .manyFiles:
                let to = "\(o.name).\(g)"
                rename(path(o.name), path(to))
                o.rotated[to] = o.lines
            case .copytruncate: break
            }
            o.generation += 1
            open(o)
        }
        if scheme == .copytruncate { o.generation += 1 }
        o.rotatedAt = Date()
        state.withLock { $0.rotations += 1 }
    }
}
