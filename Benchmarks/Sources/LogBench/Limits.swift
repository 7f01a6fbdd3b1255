import Foundation
import Glibc
import LogStore
import LogStoreFormat

/// What the machine allows, measured in the same run as the engines so that LogStore's figures can be
/// read as fractions of it (issue 3: "how far is it from what the hardware allows"):
///
/// - single-core LZ4 (`LZ4_compress_default`, i.e. acceleration 1) of the dataset's NDJSON bytes in
///   64 KiB blocks: MB/s, ratio, bytes per record;
/// - sequential write bandwidth: 256 MiB in 1 MiB `write`s to a new file, one `fdatasync` at the end;
/// - `fdatasync` latency: 1,000 × (append 4 KiB to a file opened with O_APPEND + `fdatasync`).
///
/// One repetition runs after each repetition of the engines' ingest workloads, so noise hits both alike.
final class MachineLimits {
    static let lz4BlockBytes = 64 << 10
    static let writeChunkBytes = 1 << 20
    static let appendBytes = 4096
    static let fsyncIterations = 1000
    /// Targets of issue 3 as fractions of the limits.
    static let ingestFractionTarget = 0.5

    static let lz4Workload = "limits: LZ4 64 KiB blocks, 1 core"
    static let writeWorkload = "limits: sequential write + fdatasync"
    static let fsyncWorkload = "limits: 4 KiB append + fdatasync"
    static let fractionWorkload = "LogStore ÷ machine limits"

    let options: Options
    let ndjsonPath: String
    let records: Int
    let workdir: String
    /// Bytes written by the sequential-write figure: 256 MiB (64 MiB in a smoke run, or `--limits-write-mib`).
    let writeBytes: Int
    var problems: [String] = []
    var peaks: [PhaseMemory] = []

    private var lz4MBps = Samples(), lz4Ratio = Samples(), lz4PerRecord = Samples(), lz4MicrosPerRecord = Samples()
    private var lz4InputBytes = 0
    private var seqMBps = Samples(), seqSeconds = Samples()
    private var fsyncP50 = Samples(), fsyncP99 = Samples(), fsyncMax = Samples(), fsyncMean = Samples()

    init(options: Options, ndjsonPath: String, records: Int, workdir: String) {
        self.options = options
        self.ndjsonPath = ndjsonPath
        self.records = records
        self.workdir = workdir
        self.writeBytes = (options.limitsWriteMiB ?? (options.smoke ? 64 : 256)) << 20
    }

    func progress(_ s: String) {
        FileHandle.standardError.write(Data(("[logbench] " + s + "\n").utf8))
    }

    func problem(_ s: String) {
        progress("PROBLEM: " + s)
        problems.append(s)
    }

    struct LimitsError: Error, CustomStringConvertible { var description: String }

    /// One repetition of the three measurements.
    func rep(_ rep: Int) throws {
        progress("rep \(rep + 1)/\(options.reps): machine limits (LZ4, sequential write, fdatasync latency)")
        try lz4()
        sync()
        try sequentialWrite()
        sync()
        try fsyncLatency()
        progress(String(format: "  LZ4 %.0f MB/s (ratio %.2f), write %.0f MB/s, fdatasync p50 %.3f ms p99 %.3f ms",
                        lz4MBps.values.last ?? .nan, lz4Ratio.values.last ?? .nan, seqMBps.values.last ?? .nan,
                        fsyncP50.values.last ?? .nan, fsyncP99.values.last ?? .nan))
    }

    // MARK: (a) LZ4

    /// Reads the NDJSON file into memory (not timed), then compresses it block by block on this thread.
    private func lz4() throws {
        Memory.resetPeak()
        let startRSS = Memory.currentBytes
        defer { notePeak("limits LZ4 (file held in memory)", startRSS) }
        let fd = open(ndjsonPath, O_RDONLY)
        guard fd >= 0 else { throw LimitsError(description: "cannot open \(ndjsonPath): errno \(errno)") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw LimitsError(description: "cannot stat \(ndjsonPath)") }
        let size = Int(st.st_size)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: 64)
        defer { buffer.deallocate() }
        var filled = 0
        while filled < size {
            let n = read(fd, buffer.baseAddress! + filled, size - filled)
            guard n > 0 else { throw LimitsError(description: "short read of \(ndjsonPath) (errno \(errno))") }
            filled += n
        }
        let input = UnsafeRawBufferPointer(buffer).prefix(size)
        var compressed = 0
        var failed = false
        let (_, d) = timed {
            var offset = 0
            while offset < size {
                let end = min(offset + Self.lz4BlockBytes, size)
                if let out = LZ4.compress(UnsafeRawBufferPointer(rebasing: input[offset..<end]), acceleration: 1) {
                    compressed += out.count
                } else {
                    failed = true
                }
                offset = end
            }
        }
        if failed { problem("LZ4 failed on a block") }
        lz4InputBytes = size
        lz4MBps.add(Double(size) / 1e6 / d.seconds)
        lz4Ratio.add(Double(size) / Double(max(compressed, 1)))
        lz4PerRecord.add(Double(compressed) / Double(max(records, 1)))
        lz4MicrosPerRecord.add(d.seconds * 1e6 / Double(max(records, 1)))
    }

    // MARK: (b) sequential write

    private func sequentialWrite() throws {
        let path = workdir + "/limits-sequential.bin"
        Files.remove(path)
        defer { Files.remove(path) }
        // Incompressible, non-zero bytes, so no layer below can shortcut the writes.
        var rng = SplitMix64(seed: options.seed ^ 0x5EC_0000)
        var chunk = [UInt8](repeating: 0, count: Self.writeChunkBytes)
        chunk.withUnsafeMutableBytes { raw in
            let words = raw.bindMemory(to: UInt64.self)
            for i in words.indices { words[i] = rng.next() }
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw LimitsError(description: "cannot create \(path): errno \(errno)") }
        defer { close(fd) }
        let chunks = writeBytes / Self.writeChunkBytes
        let (ok, d) = timed { () -> Bool in
            chunk.withUnsafeBytes { raw in
                for _ in 0..<chunks {
                    var done = 0
                    while done < raw.count {
                        let n = write(fd, raw.baseAddress! + done, raw.count - done)
                        if n <= 0 { return false }
                        done += n
                    }
                }
                return fdatasync(fd) == 0
            }
        }
        guard ok else { throw LimitsError(description: "sequential write to \(path) failed: errno \(errno)") }
        seqSeconds.add(d.seconds)
        seqMBps.add(Double(chunks * Self.writeChunkBytes) / 1e6 / d.seconds)
    }

    // MARK: (c) fdatasync latency

    private func fsyncLatency() throws {
        let path = workdir + "/limits-append.bin"
        Files.remove(path)
        defer { Files.remove(path) }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0o644)
        guard fd >= 0 else { throw LimitsError(description: "cannot create \(path): errno \(errno)") }
        defer { close(fd) }
        let block = [UInt8](repeating: 0x6C, count: Self.appendBytes)
        var lat = Samples()
        let clock = ContinuousClock()
        try block.withUnsafeBytes { raw in
            for _ in 0..<Self.fsyncIterations {
                let start = clock.now
                guard write(fd, raw.baseAddress!, raw.count) == raw.count, fdatasync(fd) == 0 else {
                    throw LimitsError(description: "append + fdatasync on \(path) failed: errno \(errno)")
                }
                lat.add((clock.now - start).milliseconds)
            }
        }
        fsyncP50.add(lat.percentile(50))
        fsyncP99.add(lat.percentile(99))
        fsyncMax.add(lat.max)
        fsyncMean.add(lat.mean)
    }

    private func notePeak(_ phase: String, _ startRSS: Int) {
        let peak = Memory.peakBytes
        if let i = peaks.firstIndex(where: { $0.phase == phase }) {
            peaks[i].peakRSSBytes = max(peaks[i].peakRSSBytes, peak)
            peaks[i].growthBytes = max(peaks[i].growthBytes, peak - startRSS)
        } else {
            peaks.append(PhaseMemory(phase: phase, peakRSSBytes: peak, growthBytes: peak - startRSS))
        }
    }

    // MARK: Report

    /// The limits' own rows for the main table.
    func metrics() -> [Metric] {
        let c = "machine"
        return [
            Metric(contender: c, workload: Self.lz4Workload, name: "compression speed", unit: "MB/s", lz4MBps,
                   note: "LZ4_compress_default (liblz4 \(LZ4.version)) of the dataset's \(Fmt.bytes(lz4InputBytes)) NDJSON file in 64 KiB blocks, one thread, file in memory"),
            Metric(contender: c, workload: Self.lz4Workload, name: "time per record", unit: "µs", lz4MicrosPerRecord),
            Metric(contender: c, workload: Self.lz4Workload, name: "ratio NDJSON / compressed", unit: "×", lz4Ratio),
            Metric(contender: c, workload: Self.lz4Workload, name: "compressed bytes per record", unit: "B", lz4PerRecord),
            Metric(contender: c, workload: Self.writeWorkload, name: "bandwidth incl. fdatasync", unit: "MB/s", seqMBps,
                   note: "\(writeBytes >> 20) MiB in 1 MiB write() calls to a new file in the work directory, one fdatasync at the end"),
            Metric(contender: c, workload: Self.writeWorkload, name: "wall clock", unit: "s", seqSeconds),
            Metric(contender: c, workload: Self.fsyncWorkload, name: "p50", unit: "ms", fsyncP50,
                   note: "\(Self.fsyncIterations) × (write 4 KiB to an O_APPEND file + fdatasync) per rep; min/max are over reps"),
            Metric(contender: c, workload: Self.fsyncWorkload, name: "p99", unit: "ms", fsyncP99),
            Metric(contender: c, workload: Self.fsyncWorkload, name: "max", unit: "ms", fsyncMax),
        ]
    }

    /// LogStore's figures divided by the limits (ratios of medians), as rows for the main table.
    func fractionMetrics(_ report: Report) -> [Metric] {
        summary(report).fractions.map { f in
            Metric(contender: "logstore", workload: Self.fractionWorkload, name: f.figure, unit: "fraction",
                   f.value.map { Samples([$0]) } ?? Samples(), target: f.target,
                   passes: f.target == nil ? nil : { $0 >= Self.ingestFractionTarget }, note: f.how)
        }
    }

    func summary(_ report: Report) -> LimitsSummary {
        func ls(_ workload: String, _ name: String, _ unit: String) -> Double? {
            report.metrics.first { $0.contender == "logstore" && $0.workload == workload && $0.name == name && $0.unit == unit }?
                .median.flatMap { $0.isFinite ? $0 : nil }
        }
        let lz4 = lz4MBps.isEmpty ? nil : lz4MBps.median
        let seq = seqMBps.isEmpty ? nil : seqMBps.median
        let lz4B = lz4PerRecord.isEmpty ? nil : lz4PerRecord.median
        func div(_ a: Double?, _ b: Double?) -> Double? {
            guard let a, let b, b != 0 else { return nil }
            return a / b
        }
        let batch = "ingest library .batch ×1000"
        let libMBps = ls(batch, "throughput incl. close", "MB/s")
        let libRate = ls(batch, "throughput incl. close", "records/s")
        let written = ls(batch, "bytes written (write calls) per record", "B")
        let cliMBps = ls("ingest CLI (logstore ingest)", "throughput (wall clock)", "MB/s")
        let diskB = ls("storage after close", "bytes on disk per record", "B")
        let writeMBps = (libRate != nil && written != nil) ? libRate! * written! / 1e6 : nil
        var fractions: [LimitsSummary.Fraction] = [
            .init(figure: "library ingest .batch MB/s ÷ LZ4 MB/s", value: div(libMBps, lz4), logstore: libMBps, limit: lz4,
                  target: "≥ 0.50", how: "NDJSON MB/s of `ingest library .batch ×1000` (close included) ÷ single-core LZ4 of the same bytes"),
            .init(figure: "`logstore ingest` MB/s ÷ LZ4 MB/s", value: div(cliMBps, lz4), logstore: cliMBps, limit: lz4,
                  target: nil, how: "wall clock of the CLI child process, start included"),
            .init(figure: "bytes on disk per record ÷ LZ4 bytes per record", value: div(diskB, lz4B), logstore: diskB, limit: lz4B,
                  target: nil, how: "below 1: the store is smaller than LZ4 of the NDJSON in 64 KiB blocks"),
            .init(figure: "write bandwidth used by .batch ingest ÷ disk bandwidth", value: div(writeMBps, seq), logstore: writeMBps, limit: seq,
                  target: nil, how: "(bytes passed to write() per record × records/s) ÷ sequential write MB/s with fdatasync"),
        ]
        fractions.removeAll { $0.value == nil && $0.logstore == nil }
        return LimitsSummary(
            lz4Version: LZ4.version, lz4BlockBytes: Self.lz4BlockBytes, inputBytes: lz4InputBytes,
            lz4MBps: lz4, lz4Ratio: lz4Ratio.isEmpty ? nil : lz4Ratio.median, lz4BytesPerRecord: lz4B,
            sequentialWriteBytes: writeBytes, sequentialWriteMBps: seq,
            fdatasyncIterations: Self.fsyncIterations,
            fdatasyncP50Ms: fsyncP50.isEmpty ? nil : fsyncP50.median, fdatasyncP99Ms: fsyncP99.isEmpty ? nil : fsyncP99.median,
            reps: lz4MBps.count, fractions: fractions)
    }

    /// The Markdown table printed after the side-by-side table.
    static func text(_ s: LimitsSummary) -> String {
        func v(_ x: Double?) -> String { x.map(Fmt.number) ?? "—" }
        var lines = ["limits of the machine (medians of \(s.reps) reps):", ""]
        lines.append("| limit | value |")
        lines.append("|---|---:|")
        lines.append("| LZ4 (liblz4 \(s.lz4Version)), 64 KiB blocks, 1 core: speed on the NDJSON | \(v(s.lz4MBps)) MB/s |")
        lines.append("| LZ4: ratio NDJSON / compressed | \(v(s.lz4Ratio))× |")
        lines.append("| LZ4: compressed bytes per record | \(v(s.lz4BytesPerRecord)) B |")
        lines.append("| sequential write, \(s.sequentialWriteBytes >> 20) MiB in 1 MiB writes + fdatasync | \(v(s.sequentialWriteMBps)) MB/s |")
        lines.append("| 4 KiB append + fdatasync, p50 | \(v(s.fdatasyncP50Ms)) ms |")
        lines.append("| 4 KiB append + fdatasync, p99 | \(v(s.fdatasyncP99Ms)) ms |")
        if !s.fractions.isEmpty {
            lines.append("")
            lines.append("| LogStore as a fraction of the limit | LogStore | limit | fraction | target |")
            lines.append("|---|---:|---:|---:|---|")
            for f in s.fractions {
                let verdict = f.target.map { t in f.value.map { $0 >= ingestFractionTarget ? "\(t) PASS" : "\(t) FAIL" } ?? "\(t) n/a" } ?? ""
                lines.append("| \(f.figure) | \(v(f.logstore)) | \(v(f.limit)) | \(f.value.map { String(format: "%.3f", $0) } ?? "—") | \(verdict) |")
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// The limits and LogStore's fractions of them, for the JSON.
struct LimitsSummary: Codable, Sendable {
    struct Fraction: Codable, Sendable {
        var figure: String
        var value: Double?
        var logstore: Double?
        var limit: Double?
        var target: String?
        var how: String
    }

    var lz4Version: String
    var lz4BlockBytes: Int
    var inputBytes: Int
    var lz4MBps: Double?
    var lz4Ratio: Double?
    var lz4BytesPerRecord: Double?
    var sequentialWriteBytes: Int
    var sequentialWriteMBps: Double?
    var fdatasyncIterations: Int
    var fdatasyncP50Ms: Double?
    var fdatasyncP99Ms: Double?
    var reps: Int
    var fractions: [Fraction]
}
