import Foundation
import LogStore

/// A fourth latency reader of `--tail`: what a user runs beside the writer. On its own thread it
/// starts `logstore query --correlation ID` as a new process for the oldest probe not yet found (each
/// process opens the store read-only, looks the ID up and exits), back to back while a probe is
/// outstanding. A probe counts when the process that printed it has exited: the time from its write
/// until then includes the process start, the read-only open (the unflushed WAL replayed) and the lookup.
final class TailQueryReader: @unchecked Sendable {
    private let executable: String
    private let store: String
    private let written: @Sendable () -> [(id: String, ns: Int64)]
    private let found = Locked<[String: Int64]>([:])
    private let durations = Locked<[Double]>([])
    private let failure = Locked<String?>(nil)
    private let stopped = Locked(false)
    private let finished = Locked(false)
    private var thread: Thread?

    /// `written` gives the probes written so far, oldest first.
    init(executable: String, store: String, written: @escaping @Sendable () -> [(id: String, ns: Int64)]) {
        self.executable = executable
        self.store = store
        self.written = written
    }

    func start() {
        let t = Thread { [self] in
            while !stopped.withLock({ $0 }) {
                guard let probe = written().first(where: { !has($0.id) }) else { usleep(1_000); continue }
                let t0 = wallClockNanosNow()
                do {
                    let printed = try Self.run(executable, ["query", "--store", store, "--correlation", probe.id,
                                                            "--format", "ndjson", "--limit", "1"])
                    let now = wallClockNanosNow()
                    durations.withLock { $0.append(Double(now - t0) / 1e6) }
                    if printed.contains(probe.id) { found.withLock { $0[probe.id] = now } }
                } catch {
                    failure.withLock { $0 = "\(error)" }
                    break
                }
                usleep(1_000)
            }
            finished.withLock { $0 = true }
        }
        t.stackSize = 8 << 20
        thread = t
        t.start()
    }

    /// Whether this reader has found the probe `id`.
    func has(_ id: String) -> Bool { found.withLock { $0[id] != nil } }
    /// When the process that found `id` exited (wall-clock ns), nil if none has.
    func arrival(of id: String) -> Int64? { found.withLock { $0[id] } }
    var count: Int { found.withLock { $0.count } }
    /// Wall time of each `logstore query` process, ms.
    var processMillis: [Double] { durations.withLock { $0 } }
    var error: String? { failure.withLock { $0 } }

    /// Stops polling and waits for the running process to end.
    func stop() {
        stopped.withLock { $0 = true }
        while thread != nil && !finished.withLock({ $0 }) { usleep(1_000) }
    }

    struct QueryFailed: Error, CustomStringConvertible { var description: String }

    /// Runs `executable arguments`, returns its standard output; throws when it exits non-zero.
    private static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw QueryFailed(description: "`logstore \(arguments.joined(separator: " "))` exited with status \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
