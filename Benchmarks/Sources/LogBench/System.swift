import Foundation
import Glibc

/// Facts about the machine a run happened on.
struct MachineFacts: Codable, Sendable {
    var cpuModel: String
    var cores: Int
    var memoryMiB: Int
    var kernel: String
    var date: String
    var hostLoadAtStart: String

    static func collect() -> MachineFacts {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) }
            ?? "unknown"
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        let memKB = meminfo.split(separator: "\n").first { $0.hasPrefix("MemTotal:") }
            .flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        var u = utsname()
        uname(&u)
        let release = withUnsafeBytes(of: &u.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let formatter = ISO8601DateFormatter()
        let load = ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "")
            .split(separator: " ").prefix(3).joined(separator: " ")
        return MachineFacts(cpuModel: model, cores: ProcessInfo.processInfo.activeProcessorCount,
                            memoryMiB: memKB / 1024, kernel: "Linux \(release)",
                            date: formatter.string(from: Date()), hostLoadAtStart: load)
    }
}

/// Peak and current resident set size of this process, from /proc/self/status.
enum Memory {
    static func field(_ name: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
            // "VmHWM:\t  123456 kB": the padding before the number is gone from 10,000,000 kB on, so
            // split on tabs as well as spaces.
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if parts.count >= 2, let kb = Int(parts[1]) { return kb * 1024 }
        }
        return 0
    }

    /// VmHWM: peak RSS since start or since the last `resetPeak()`.
    static var peakBytes: Int { field("VmHWM") }
    static var currentBytes: Int { field("VmRSS") }

    /// Resets VmHWM to the current RSS (Linux ≥ 4.0: write "5" to /proc/self/clear_refs).
    @discardableResult
    static func resetPeak() -> Bool {
        let fd = open("/proc/self/clear_refs", O_WRONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return write(fd, "5", 1) == 1
    }
}

/// CPU time (user + system, all threads) from getrusage; less sensitive to a busy machine than wall time.
enum CPUTime {
    static func of(_ who: Int32) -> Double {
        var u = rusage()
        getrusage(who, &u)
        return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6
            + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
    }

    /// This process, every thread.
    static var process: Double { of(RUSAGE_SELF.rawValue) }
    /// Every waited-for child process.
    static var children: Double { of(RUSAGE_CHILDREN.rawValue) }
}

/// I/O counters of this process from /proc/self/io.
enum IOCounters {
    /// `wchar`: bytes passed to write()-like calls (WAL, segments, …), cached or not.
    static var writtenBytes: Int {
        guard let text = try? String(contentsOfFile: "/proc/self/io", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("wchar:") {
            return Int(line.split(separator: " ").last ?? "") ?? 0
        }
        return 0
    }
}

enum Files {
    /// Sum of the sizes of regular files below `path`.
    static func treeSize(_ path: String) -> Int64 {
        var total: Int64 = 0
        guard let e = FileManager.default.enumerator(atPath: path) else { return 0 }
        while let rel = e.nextObject() as? String {
            var st = stat()
            if lstat(path + "/" + rel, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG { total += Int64(st.st_size) }
        }
        return total
    }

    /// File count and size per top-level subdirectory, for the report.
    static func breakdown(_ path: String) -> [String: Int64] {
        var out: [String: Int64] = [:]
        guard let e = FileManager.default.enumerator(atPath: path) else { return out }
        while let rel = e.nextObject() as? String {
            var st = stat()
            if lstat(path + "/" + rel, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG {
                let top = rel.split(separator: "/").count > 1 ? String(rel.split(separator: "/")[0]) + "/" : rel
                out[top, default: 0] += Int64(st.st_size)
            }
        }
        return out
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    static func makeDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// Whether `path` is an executable file.
    static func isExecutable(_ path: String) -> Bool { access(path, X_OK) == 0 }
}

/// Runs a child process with stdout/stderr sent to a file; returns exit status and wall time.
enum ChildProcess {
    struct Outcome {
        var status: Int32
        var wall: Duration
        var output: String
        /// Sampled every 10 ms; 0 when the child exited before the first sample.
        var peakRSS: Int
        /// Whether a signal ended the child (then `status` is the signal number).
        var signaled = false
        /// What it wrote to stdout, when `stdoutPath` was given (else stdout went to the log).
        var stdout = ""
    }

    /// Runs `executable`; stderr (and stdout unless `stdoutPath` is given) goes to `logPath`.
    static func run(_ executable: String, _ arguments: [String], logPath: String,
                    stdoutPath: String? = nil) throws -> Outcome {
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        defer { try? log.close() }
        var out: FileHandle?
        if let stdoutPath {
            _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
            out = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        }
        defer { try? out?.close() }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.standardOutput = out ?? log
        p.standardError = log
        p.standardInput = FileHandle.nullDevice
        let clock = ContinuousClock()
        let start = clock.now
        try p.run()
        // Poll the child's VmHWM (a high-water mark, so the last read before exit is close to its
        // peak). getrusage(RUSAGE_CHILDREN) would count the parent's pages at fork time.
        let status = "/proc/\(p.processIdentifier)/status"
        var peak = 0
        while p.isRunning {
            if let text = try? String(contentsOfFile: status, encoding: .utf8),
               let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
               let kb = Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") {
                peak = max(peak, kb * 1024)
            }
            usleep(10_000)
        }
        p.waitUntilExit()
        let wall = clock.now - start
        let output = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        let stdout = stdoutPath.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? ""
        return Outcome(status: p.terminationStatus, wall: wall, output: output, peakRSS: peak,
                       signaled: p.terminationReason == .uncaughtSignal, stdout: stdout)
    }
}

/// A value shared between threads.
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}

/// Runs `body(0..<n)` on `n` dedicated threads and waits for all of them.
func onThreads(_ n: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for i in 0..<n {
        group.enter()
        let t = Thread {
            body(i)
            group.leave()
        }
        t.stackSize = 8 << 20
        t.start()
    }
    group.wait()
}

func wallClockNanosNow() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}


/// The absolute path of `name` on PATH (or `name` itself when it contains a slash).
func executablePath(_ name: String) -> String? {
    if name.contains("/") { return Files.isExecutable(name) ? name : nil }
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for dir in path.split(separator: ":") where Files.isExecutable("\(dir)/\(name)") { return "\(dir)/\(name)" }
    return nil
}
