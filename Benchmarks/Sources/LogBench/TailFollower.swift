import Foundation
import LogStore
import Glibc
import LogStoreFormat

/// The `logstore ingest --follow` child process of `--tail`, and the read-only reader's open.
extension TailBench {
    final class Follower {
        let process = Process()
        let logPath: String

        init(executable: String, arguments: [String], logPath: String) throws {
            self.logPath = logPath
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.standardOutput = log
            process.standardError = log
            process.standardInput = FileHandle.nullDevice
            try process.run()
            try? log.close()
        }

        var pid: Int32 { process.processIdentifier }

        /// User + system CPU seconds of every child process waited for so far (a child's CPU counts
        /// once it has exited and was waited for).
        static func childrenCPUSeconds() -> Double {
            var u = rusage()
            getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &u)
            return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
        }
        var isRunning: Bool { process.isRunning }

        /// User + system CPU seconds so far, from /proc/PID/stat.
        var cpuSeconds: Double {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = text.lastIndex(of: ")") else { return 0 }
            let fields = text[text.index(after: close)...].split(separator: " ")
            // After the command: state is field 3, utime 14 and stime 15 (1-based over the whole line).
            guard fields.count > 13, let u = Double(fields[11]), let s = Double(fields[12]) else { return 0 }
            return (u + s) / Double(sysconf(Int32(_SC_CLK_TCK)))
        }

        var peakRSS: Int {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                  let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                  let kb = Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") else { return 0 }
            return kb * 1024
        }

        /// SIGINT, then SIGKILL after 10 s; returns the exit status.
        func stop() -> Int32 {
            if process.isRunning { process.interrupt() }
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning { kill(pid, SIGKILL) }
            process.waitUntilExit()
            return process.terminationStatus
        }

        var logTail: String {
            String(((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").suffix(400))
        }
    }

    /// User + system CPU seconds of this process so far (every thread).
    static func ownCPUSeconds() -> Double {
        var u = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }

    /// Opens `store` read-only, or nil while the follower has not created it yet.
    static func openReader(_ store: String) -> LogStore? {
        var o = StoreOptions()
        o.readOnly = true
        o.createIfMissing = false
        return try? LogStore.open(at: store, options: o)
    }

}
