import Foundation
import LogStore
import Glibc
import LogStoreFormat

/// A third latency reader of `--tail`: `logstore tail -f` as a second process, filtered to the probes'
/// source, its NDJSON output read from a pipe. A probe counts when its line arrives here: the time
/// from its write until then includes the child's follow, formatting and the pipe.
final class TailCLIReader: @unchecked Sendable {
    private let process = Process()
    private let pipe = Pipe()
    /// Correlation ID → monotonic wall-clock ns when its line arrived.
    private let arrivals = Locked<[String: Int64]>([:])
    private let reader: Thread

    init(executable: String, store: String) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["tail", "-f", "-n", "0", "--store", store, "--source", "logbench-probe", "--format", "ndjson"]
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let handle = pipe.fileHandleForReading
        let arrivals = self.arrivals
        reader = Thread {
            var pending = [UInt8]()
            while true {
                let data = handle.availableData
                if data.isEmpty { return }
                let now = wallClockNanosNow()
                pending.append(contentsOf: data)
                while let nl = pending.firstIndex(of: 10) {
                    let line = String(decoding: pending[..<nl], as: UTF8.self)
                    pending.removeSubrange(...nl)
                    if let id = Self.correlationID(in: line) { arrivals.withLock { $0[id] = now } }
                }
            }
        }
        reader.start()
    }

    /// The value of `"correlation_id":"…"` in an NDJSON line of `logstore tail --format ndjson`.
    static func correlationID(in line: String) -> String? {
        guard let key = line.range(of: "\"correlation_id\":\"") else { return nil }
        let rest = line[key.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }

    /// When the probe's line arrived (wall-clock ns), nil if it has not.
    func arrival(of id: String) -> Int64? { arrivals.withLock { $0[id] } }
    var count: Int { arrivals.withLock { $0.count } }

    /// Ends the child (SIGINT: it exits 0) and waits for it.
    func stop() {
        if process.isRunning { process.interrupt() }
        process.waitUntilExit()
    }
}
