import Foundation
import Glibc

/// The writers of `--tail`: the full-speed copy and the paced probe writer.
extension TailBench {
    /// Appends `source` to `target` in chunks of about 1 MiB cut at line ends.
    static func copyLines(from source: String, to target: String) throws {
        let input = open(source, O_RDONLY)
        guard input >= 0 else { throw Failure(description: "cannot open \(source)") }
        defer { close(input) }
        let output = open(target, O_WRONLY | O_APPEND)
        guard output >= 0 else { throw Failure(description: "cannot open \(target)") }
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var carry: [UInt8] = []
        while true {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n < 0 { throw Failure(description: "read failed: errno \(errno)") }
            if n == 0 { break }
            var chunk = carry
            chunk.append(contentsOf: buffer[0..<n])
            let cut = (chunk.lastIndex(of: UInt8(ascii: "\n")) ?? -1) + 1
            try writeAll(output, chunk[0..<cut])
            carry = Array(chunk[cut...])
        }
        if !carry.isEmpty { try writeAll(output, carry[...]) }
    }

    static func writeAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>) throws {
        var done = 0
        try bytes.withUnsafeBytes { raw in
            while done < raw.count {
                let w = write(fd, raw.baseAddress! + done, raw.count - done)
                if w < 0 {
                    if errno == EINTR { continue }
                    throw Failure(description: "write failed: errno \(errno)")
                }
                done += w
            }
        }
    }

    /// The first `count` lines of the dataset's NDJSON file (cycled if it has fewer), each with its newline.
    static func datasetLines(_ path: String, count: Int) throws -> [[UInt8]] {
        guard count > 0 else { return [] }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw Failure(description: "cannot open \(path)") }
        defer { try? handle.close() }
        var lines: [[UInt8]] = []
        var pending: [UInt8] = []
        while lines.count < count {
            let data = handle.readData(ofLength: 1 << 20)
            if data.isEmpty { break }
            pending.append(contentsOf: data)
            var start = 0
            for i in pending.indices where pending[i] == UInt8(ascii: "\n") {
                lines.append(Array(pending[start...i]))
                start = i + 1
                if lines.count == count { break }
            }
            pending.removeFirst(start)
        }
        guard !lines.isEmpty else { throw Failure(description: "\(path) holds no lines") }
        while lines.count < count { lines.append(lines[lines.count % max(lines.count, 1)]) }
        return lines
    }

    /// Writes `probes` probe lines, one every `interval` ns, and `rate` dataset lines per second between them
    /// (in 5 ms steps); calls `wrote` with each probe's ID and write time (also its timestamp).
    static func pacedWriter(file: String, lines: [[UInt8]], rate: Int, probes: Int, interval: Int64, tag: String,
                            wrote: (String, Int64) -> Void) throws {
        let fd = open(file, O_WRONLY | O_APPEND)
        guard fd >= 0 else { throw Failure(description: "cannot open \(file)") }
        defer { close(fd) }
        let start = monotonicNanos()
        var background = 0
        var nextLine = 0
        for k in 0..<probes {
            let due = start + Int64(k + 1) * interval
            // Background lines up to the probe's time, in 5 ms steps.
            while true {
                let now = monotonicNanos()
                let owed = min(Int(Double(rate) * Double(min(now, due) - start) / 1e9), lines.count) - background
                if owed > 0 {
                    var chunk: [UInt8] = []
                    for _ in 0..<owed {
                        chunk.append(contentsOf: lines[nextLine % lines.count])
                        nextLine += 1
                    }
                    try writeAll(fd, chunk[...])
                    background += owed
                }
                if now >= due { break }
                let step = min(due - now, 5_000_000)
                var ts = timespec(tv_sec: 0, tv_nsec: Int(step))
                nanosleep(&ts, nil)
            }
            let id = "probe-\(tag)-\(k)"
            let ns = wallClockNanosNow()
            let line = "{\"timestamp\":\(ns),\"level\":\"info\",\"source\":\"logbench-probe\",\"correlation_id\":\"\(id)\",\"message\":\"probe \(k)\"}\n"
            try writeAll(fd, Array(line.utf8)[...])
            wrote(id, ns)
        }
    }
}
