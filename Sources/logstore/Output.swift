import ArgumentParser
import LogStore
import LogStoreIngest
import Glibc
import LogStoreFormat

/// Buffered writing to standard output (or another descriptor) and messages to standard error.
struct Output {
    private var buffer: [UInt8] = []
    /// The descriptor written to.
    let fd: Int32
    /// For messages: the file's name when `fd` is not standard output.
    let fileName: String?

    init(fd: Int32 = 1, fileName: String? = nil) {
        self.fd = fd
        self.fileName = fileName
        buffer.reserveCapacity(1 << 16)
    }

    mutating func write(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { b in
            var done = 0
            while done < b.count {
                guard let base = b.baseAddress else { return }
                let n = Glibc.write(fd, base + done, b.count - done)
                if n <= 0 {
                    if errno == EINTR { continue }
                    if let fileName {
                        Output.error("cannot write \(fileName): \(String(cString: strerror(errno)))")
                        exit(1)
                    }
                    // The reader went away (a closed pipe): stop quietly.
                    exit(0)
                }
                done += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    static func error(_ message: String) {
        writeStderr(message.hasPrefix("logstore:") ? message + "\n" : "logstore: " + message + "\n")
    }
}

/// How records are printed.
enum RecordFormat: String, CaseIterable, ExpressibleByArgument {
    case text
    case ndjson
    /// The same as ndjson: one JSON object per record and line.
    case json

    func line(_ r: LogRecord) -> String { self == .text ? RecordPrinter.text(r) : RecordPrinter.ndjson(r) }
}

enum RecordPrinter {
    /// One readable line: time, level, source, correlation ID, message, attributes.
    static func text(_ r: LogRecord) -> String {
        var s = TimestampParser.formatRFC3339(r.timestamp)
        s += " " + r.level.name.uppercased().padded(8)
        s += " " + (r.source.isEmpty ? "-" : r.source)
        s += " " + (r.correlationID ?? "-")
        s += " " + r.message.replacingNewlines()
        for a in r.attributes {
            s += " " + a.key + "=" + quoteIfNeeded(a.value.description)
        }
        return s + "\n"
    }

    /// One JSON object per line (`JSONWriter.record`: seq, timestamp, timestamp_ns, level, source,
    /// correlation_id, message, attributes), the same form the server answers with.
    static func ndjson(_ r: LogRecord) -> String {
        var writer = JSONWriter()
        writer.record(r)
        return writer.text + "\n"
    }

    private static func quoteIfNeeded(_ v: String) -> String {
        if !v.isEmpty && !v.utf8.contains(where: { $0 == 0x20 || $0 == 0x22 || $0 == 0x3D || $0 < 0x20 }) { return v }
        return JSONWriter.quoted(v)
    }
}

extension String {
    func padded(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }

    func replacingNewlines() -> String {
        guard utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }) else { return self }
        var out = ""
        for u in unicodeScalars {
            if u == "\n" { out += "\\n" } else if u == "\r" { out += "\\r" } else { out.unicodeScalars.append(u) }
        }
        return out
    }
}

/// Writes `text` to standard error, unbuffered.
func writeStderr(_ text: String) {
    var t = text
    t.withUTF8 { b in
        var done = 0
        while done < b.count {
            guard let base = b.baseAddress else { return }
            let n = Glibc.write(2, base + done, b.count - done)
            if n <= 0 { if errno == EINTR { continue }; return }
            done += n
        }
    }
}

/// Output of commands that print a summary rather than records.
enum SummaryFormat: String, CaseIterable, ExpressibleByArgument {
    case text
    case json
}
