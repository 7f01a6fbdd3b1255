import Foundation
import Glibc
import LogStore
import LogStoreFormat

/// Real log files (issue 3, "Real corpora"): bytes on disk of LogStore against the raw text, beside
/// `lz4 -1` and `zstd -3` of the same file.
///
/// Each file under `loghub/` and `elastic-examples/` of the corpora folder (default
/// `<repository>/../shared/corpora`) is read in place — never copied — and ingested as plain text lines
/// through the library into a fresh store: one record per line (a trailing `\r` stripped; a last line
/// without a newline counts), source = the file name, level info, no correlation ID, no attributes,
/// timestamp = a fixed time (the start of the run's minute minus 1 h) + the line number in ms.
/// Bytes that are not UTF-8 become U+FFFD, because `LogRecord.message` is a `String`.
enum Corpora {
    static let subfolders = ["loghub", "elastic-examples"]
    static let batchSize = 1000

    static func defaultDirectory() -> String {
        CLIIngest.repositoryRoot.appendingPathComponent("../shared/corpora").standardizedFileURL.path
    }

    static func progress(_ s: String) {
        FileHandle.standardError.write(Data(("[logbench] " + s + "\n").utf8))
    }

    struct CorpusError: Error, CustomStringConvertible { var description: String }

    /// Ingests every corpus file; `workdir` receives the stores and the lz4/zstd outputs (removed after).
    static func run(directory: String, workdir: String) -> CorporaSummary {
        var summary = CorporaSummary(directory: directory)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            summary.skipped = "corpora folder \(directory) not found: real-corpora figures skipped (pass --corpora DIR)"
            progress(summary.skipped!)
            return summary
        }
        let lz4 = executablePath("lz4"), zstd = executablePath("zstd")
        summary.lz4Version = lz4.flatMap { toolVersion($0, workdir: workdir) }
        summary.zstdVersion = zstd.flatMap { toolVersion($0, workdir: workdir) }
        if lz4 == nil { summary.problems.append("lz4 not on PATH: lz4 -1 column empty (apt-get install lz4)") }
        if zstd == nil { summary.problems.append("zstd not on PATH: zstd -3 column empty (bash Benchmarks/setup.sh)") }

        // A fixed recent base: ordering is stable and every record is within the default 7-day retention.
        let now = wallClockNanosNow()
        let minute: Int64 = 60_000_000_000
        let base = now / minute * minute - 60 * minute
        summary.baseTimestamp = base

        let scratch = workdir + "/corpora"
        try? Files.makeDirectory(scratch)
        defer { Files.remove(scratch) }
        var files: [String] = []
        for sub in subfolders {
            let dir = directory + "/" + sub
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
            for name in names.sorted() where !name.hasPrefix(".") && !name.hasPrefix("LICENSE") && !name.hasPrefix("README") {
                var st = stat()
                if stat(dir + "/" + name, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG { files.append(sub + "/" + name) }
            }
        }
        if files.isEmpty {
            summary.skipped = "no files under \(subfolders.map { directory + "/" + $0 }.joined(separator: " or "))"
            progress(summary.skipped!)
            return summary
        }
        progress("real corpora: \(files.count) files from \(directory)")
        for (k, rel) in files.enumerated() {
            do {
                let row = try ingest(directory + "/" + rel, name: rel, base: base, scratch: scratch + "/\(k)", lz4: lz4, zstd: zstd)
                if row.storedRecords != row.lines {
                    summary.problems.append("\(rel): the store holds \(row.storedRecords) of \(row.lines) lines")
                }
                summary.rows.append(row)
                progress(String(format: "  %@: %d lines, %d B raw → LogStore %d B (%.2f×), lz4 -1 %.2f×, zstd -3 %.2f×",
                                rel, row.lines, row.rawBytes, row.logstoreBytes, row.logstoreRatio,
                                row.lz4Ratio ?? .nan, row.zstdRatio ?? .nan))
            } catch {
                summary.problems.append("\(rel): \(error)")
                progress("PROBLEM: \(rel): \(error)")
            }
        }
        let rows = summary.rows
        if !rows.isEmpty {
            let raw = rows.reduce(0) { $0 + $1.rawBytes }, ls = rows.reduce(0) { $0 + $1.logstoreBytes }
            let lz = rows.allSatisfy { $0.lz4Bytes != nil } ? rows.reduce(0) { $0 + ($1.lz4Bytes ?? 0) } : nil
            let zs = rows.allSatisfy { $0.zstdBytes != nil } ? rows.reduce(0) { $0 + ($1.zstdBytes ?? 0) } : nil
            summary.total = CorpusRow(
                file: "all \(rows.count) files", lines: rows.reduce(0) { $0 + $1.lines }, rawBytes: raw, logstoreBytes: ls,
                lz4Bytes: lz, zstdBytes: zs, storedRecords: rows.reduce(0) { $0 + $1.storedRecords },
                invalidUTF8Lines: rows.reduce(0) { $0 + $1.invalidUTF8Lines },
                ingestSeconds: rows.reduce(0) { $0 + $1.ingestSeconds })
        }
        return summary
    }

    private static func ingest(_ path: String, name: String, base: Int64, scratch: String,
                               lz4: String?, zstd: String?) throws -> CorpusRow {
        guard let data = FileManager.default.contents(atPath: path) else { throw CorpusError(description: "cannot read \(path)") }
        let bytes = [UInt8](data)
        let source = (name as NSString).lastPathComponent
        var records: [LogRecord] = []
        var invalid = 0
        var start = 0
        func addLine(_ lo: Int, _ hi: Int) {
            var end = hi
            if end > lo && bytes[end - 1] == 0x0D { end -= 1 }
            let slice = bytes[lo..<end]
            let message: String
            if let s = String(validating: slice, as: UTF8.self) {
                message = s
            } else {
                invalid += 1
                message = String(decoding: slice, as: UTF8.self)
            }
            records.append(LogRecord(timestamp: base + Int64(records.count) * 1_000_000, level: .info,
                                     source: source, message: message))
        }
        for i in bytes.indices where bytes[i] == 0x0A {
            addLine(start, i)
            start = i + 1
        }
        if start < bytes.count { addLine(start, bytes.count) }

        try Files.makeDirectory(scratch)
        let storeDir = scratch + "/store"
        var accepted = 0
        let (_, d) = try timed {
            let store = try LogStore.open(at: storeDir, options: StoreOptions(durability: .batch))
            var i = 0
            while i < records.count {
                let end = min(i + batchSize, records.count)
                accepted += try store.append(records[i..<end]).accepted
                i = end
            }
            try store.close()
        }
        let disk = Int(Files.treeSize(storeDir))
        var ro = StoreOptions()
        ro.readOnly = true
        ro.createIfMissing = false
        let reader = try LogStore.open(at: storeDir, options: ro)
        let stored = try reader.count(LogQuery())
        try reader.close()
        if accepted != records.count { progress("PROBLEM: \(name): \(accepted) of \(records.count) lines accepted") }

        func compressed(_ tool: String?, _ args: [String], _ out: String) -> Int? {
            guard let tool else { return nil }
            guard let r = try? ChildProcess.run(tool, args, logPath: scratch + "/tool.log"), r.status == 0, !r.signaled else { return nil }
            var st = stat()
            return stat(out, &st) == 0 ? Int(st.st_size) : nil
        }
        let lz4Out = scratch + "/file.lz4", zstdOut = scratch + "/file.zst"
        let lz = compressed(lz4, ["-1", "-q", "-f", path, lz4Out], lz4Out)
        let zs = compressed(zstd, ["-3", "-q", "-f", path, "-o", zstdOut], zstdOut)
        Files.remove(scratch)
        return CorpusRow(file: name, lines: records.count, rawBytes: bytes.count, logstoreBytes: disk,
                         lz4Bytes: lz, zstdBytes: zs, storedRecords: stored, invalidUTF8Lines: invalid,
                         ingestSeconds: d.seconds)
    }

    /// `lz4 --version` / `zstd --version` → "v1.9.4".
    private static func toolVersion(_ tool: String, workdir: String) -> String? {
        guard let r = try? ChildProcess.run(tool, ["--version"], logPath: workdir + "/tool-version.log") else { return nil }
        defer { Files.remove(workdir + "/tool-version.log") }
        return r.output.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\n" })
            .first { $0.hasPrefix("v") && $0.dropFirst().first?.isNumber == true }.map(String.init)
    }

    /// The Markdown table printed at the end of the report.
    static func text(_ s: CorporaSummary) -> String {
        var lines = ["real corpora (\(s.directory)), plain text lines → LogStore, beside whole-file lz4 -1 (\(s.lz4Version ?? "?")) and zstd -3 (\(s.zstdVersion ?? "?")):"]
        if let skipped = s.skipped {
            lines.append("  skipped: " + skipped)
            return lines.joined(separator: "\n")
        }
        lines.append("")
        lines.append("| file | lines | raw bytes | LogStore bytes | LogStore ratio | lz4 -1 bytes | lz4 ratio | zstd -3 bytes | zstd ratio | LogStore ÷ lz4 size |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        func g(_ n: Int?) -> String { n.map { Fmt.grouped(Double($0)) } ?? "—" }
        func r(_ x: Double?) -> String { x.map { String(format: "%.2f×", $0) } ?? "—" }
        for row in s.rows + (s.total.map { [$0] } ?? []) {
            let file = row.file.hasPrefix("all ") ? "**\(row.file)**" : "`\(row.file)`"
            let vsLZ4 = row.lz4Bytes.map { String(format: "%.2f", Double(row.logstoreBytes) / Double(max($0, 1))) } ?? "—"
            lines.append("| \(file) | \(g(row.lines)) | \(g(row.rawBytes)) | \(g(row.logstoreBytes)) | \(r(row.logstoreRatio)) | "
                         + "\(g(row.lz4Bytes)) | \(r(row.lz4Ratio)) | \(g(row.zstdBytes)) | \(r(row.zstdRatio)) | \(vsLZ4) |")
        }
        if let t = s.total, t.invalidUTF8Lines > 0 {
            lines.append("")
            lines.append("\(t.invalidUTF8Lines) lines were not valid UTF-8 and were stored with U+FFFD replacements (LogRecord.message is a String).")
        }
        if !s.problems.isEmpty { lines.append(contentsOf: s.problems.map { "  ! " + $0 }) }
        return lines.joined(separator: "\n")
    }
}

struct CorpusRow: Codable, Sendable {
    var file: String
    var lines: Int
    var rawBytes: Int
    /// Sum of the store's file sizes after close.
    var logstoreBytes: Int
    var logstoreRatio: Double
    var lz4Bytes: Int?
    var lz4Ratio: Double?
    var zstdBytes: Int?
    var zstdRatio: Double?
    /// Records counted in the store, reopened read-only.
    var storedRecords: Int
    var invalidUTF8Lines: Int
    /// Open, appends and close.
    var ingestSeconds: Double

    init(file: String, lines: Int, rawBytes: Int, logstoreBytes: Int, lz4Bytes: Int?, zstdBytes: Int?,
         storedRecords: Int, invalidUTF8Lines: Int, ingestSeconds: Double) {
        self.file = file
        self.lines = lines
        self.rawBytes = rawBytes
        self.logstoreBytes = logstoreBytes
        self.logstoreRatio = Double(rawBytes) / Double(max(logstoreBytes, 1))
        self.lz4Bytes = lz4Bytes
        self.lz4Ratio = lz4Bytes.map { Double(rawBytes) / Double(max($0, 1)) }
        self.zstdBytes = zstdBytes
        self.zstdRatio = zstdBytes.map { Double(rawBytes) / Double(max($0, 1)) }
        self.storedRecords = storedRecords
        self.invalidUTF8Lines = invalidUTF8Lines
        self.ingestSeconds = ingestSeconds
    }
}

struct CorporaSummary: Codable, Sendable {
    var directory: String
    /// Why the corpora were not measured (folder absent), else nil.
    var skipped: String?
    var lz4Version: String?
    var zstdVersion: String?
    /// Timestamp of line 0 (ns); line i is stamped `baseTimestamp + i ms`.
    var baseTimestamp: Int64 = 0
    var rows: [CorpusRow] = []
    var total: CorpusRow?
    var problems: [String] = []

    init(directory: String) { self.directory = directory }
}
