import Foundation
import Testing
@testable import LogStore
import LogStoreFormat

// The pieces of the corruption matrix (CorruptionMatrixTests): a small store image, seeded
// mutations, and the tally that docs/FUZZING.md reports.

/// The real file system without `fdatasync`/directory `fsync`: the matrix opens stores thousands of
/// times and checks what they contain, not their durability.
struct NoSyncIO: StorageIO {
    let base = PosixIO()
    func open(_ path: String, flags: Int32, mode: mode_t) throws(LogStoreError) -> Int32 { try base.open(path, flags: flags, mode: mode) }
    func close(_ fd: Int32) { base.close(fd) }
    func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws(LogStoreError) { try base.write(fd, buffer, path: path) }
    func pread(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64, path: String) throws(LogStoreError) -> Int {
        try base.pread(fd, into: buffer, at: offset, path: path)
    }
    func fdatasync(_ fd: Int32, path: String) throws(LogStoreError) {}
    func truncate(_ fd: Int32, length: Int64, path: String) throws(LogStoreError) { try base.truncate(fd, length: length, path: path) }
    func fileSize(_ fd: Int32, path: String) throws(LogStoreError) -> Int64 { try base.fileSize(fd, path: path) }
    func fsyncDirectory(_ path: String) throws(LogStoreError) {}
    func rename(_ from: String, _ to: String) throws(LogStoreError) { try base.rename(from, to) }
    func unlink(_ path: String) throws(LogStoreError) { try base.unlink(path) }
    func makeDirectory(_ path: String) throws(LogStoreError) { try base.makeDirectory(path) }
    func listDirectory(_ path: String) throws(LogStoreError) -> [String] { try base.listDirectory(path) }
    func exists(_ path: String) -> Bool { base.exists(path) }
}

/// One seeded change to a file's bytes.
enum Mutation: CustomStringConvertible {
    case bitFlip(offset: Int, bit: Int)
    case zero(offset: Int, length: Int)
    case truncate(length: Int)
    case extend(bytes: [UInt8])

    enum Kind: String, CaseIterable { case bitFlip = "bit flip", zero = "zeroed range", truncate = "truncation", extend = "extension" }

    var kind: Kind {
        switch self {
        case .bitFlip: .bitFlip
        case .zero: .zero
        case .truncate: .truncate
        case .extend: .extend
        }
    }

    /// A random mutation of `kind` for a file of `size` bytes (size ≥ 1).
    static func random(_ kind: Kind, size: Int, using rng: inout SeededRandom) -> Mutation {
        switch kind {
        case .bitFlip: .bitFlip(offset: Int.random(in: 0..<size, using: &rng), bit: Int.random(in: 0..<8, using: &rng))
        case .zero: .zero(offset: Int.random(in: 0..<size, using: &rng), length: Int.random(in: 1...64, using: &rng))
        case .truncate: .truncate(length: Int.random(in: 0..<size, using: &rng))
        case .extend: .extend(bytes: (0..<Int.random(in: 1...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
        }
    }

    func apply(_ bytes: [UInt8]) -> [UInt8] {
        var b = bytes
        switch self {
        case .bitFlip(let o, let bit): b[o] ^= 1 << UInt8(bit)
        case .zero(let o, let n): for i in o..<min(b.count, o + n) { b[i] = 0 }
        case .truncate(let n): b.removeLast(b.count - n)
        case .extend(let extra): b += extra
        }
        return b
    }

    /// The byte range of the original file that the mutation touches (for an extension, the bytes
    /// after the end; for a truncation, the bytes cut).
    func range(size: Int) -> Range<Int> {
        switch self {
        case .bitFlip(let o, _): o..<(o + 1)
        case .zero(let o, let n): o..<min(size, o + n)
        case .truncate(let n): n..<size
        case .extend(let extra): size..<(size + extra.count)
        }
    }

    var description: String {
        switch self {
        case .bitFlip(let o, let bit): "flip bit \(bit) of byte \(o)"
        case .zero(let o, let n): "zero \(n) bytes at \(o)"
        case .truncate(let n): "truncate to \(n) bytes"
        case .extend(let extra): "append \(extra.count) random bytes"
        }
    }
}

/// Counts per mutation kind, printed as one line each for docs/FUZZING.md.
struct MatrixTally {
    struct Row {
        var mutations = 0
        /// The mutation left the bytes as they were (zeroing zeros).
        var unchanged = 0
        /// `verify` reported a problem.
        var detectedAsDamage = 0
        /// `verify` noted a torn WAL tail, which open cuts silently (FORMAT.md 4.3).
        var detectedAsTornTail = 0
        /// Not detectable by design, each with its reason (counted per reason).
        var undetectableByDesign: [String: Int] = [:]
        /// Missed although the format should catch it: findings.
        var missed = 0
        var openRefused = 0
        var openRepaired = 0
        var queryErrors = 0

        var changed: Int { mutations - unchanged }
        var detected: Int { detectedAsDamage + detectedAsTornTail }
    }

    let fileKind: String
    var rows: [Mutation.Kind: Row] = [:]

    mutating func update(_ kind: Mutation.Kind, _ body: (inout Row) throws -> Void) rethrows {
        var row = rows[kind, default: Row()]
        defer { rows[kind] = row }
        try body(&row)
    }

    var lines: [String] {
        Mutation.Kind.allCases.compactMap { kind in
            guard let r = rows[kind] else { return nil }
            let rate = r.changed == 0 ? 100 : Double(r.detected) * 100 / Double(r.changed)
            let design = r.undetectableByDesign.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            return "corruption-matrix | \(fileKind) | \(kind.rawValue) | \(r.mutations) | \(r.unchanged) | "
                + "\(r.detectedAsDamage) | \(r.detectedAsTornTail) | \(String(format: "%.1f", rate)) % | "
                + "\(design.isEmpty ? "0" : design) | \(r.missed) | open refused \(r.openRefused), repaired \(r.openRepaired) | \(r.queryErrors) |"
        }
    }
}

/// A small store image: a SETTINGS file, a KEYS file, a CHECKPOINTS file, one flushed segment of several blocks, and a WAL file of
/// several frames (what a crash leaves while a writer is running), with the records each holds.
struct StoreImage {
    var files: [String: [UInt8]]
    /// Every record, with its sequence, by sequence.
    var records: [UInt64: LogRecord]
    var segmentName: String
    var walName: String
    /// The WAL file's frames: byte range and the sequences they hold.
    var walFrames: [(range: Range<Int>, sequences: ClosedRange<UInt64>)]
    var segmentSequences: Set<UInt64>
    var settings: StoreSettings

    static func make() throws -> StoreImage {
        let dir = TempDir("matrix-base")
        let copies = TempDir("matrix-copy")
        var opts = StoreOptions(durability: .sync)
        opts.blockSize = 1024
        opts.retention = .seconds(30 * 86_400)  // not the default, so SETTINGS is written
        opts.io = NoSyncIO()
        let store = try LogStore.open(at: dir.path, options: opts)
        // Inside one one-hour window, so the flush writes exactly one segment.
        let base = (nowNanos() - 3 * nanosPerHour) / nanosPerHour * nanosPerHour + 10 * nanosPerMinute
        // Keyed records, so that the flush writes a KEYS file (FORMAT.md 8.2); the WAL records stay unkeyed.
        let keyed = makeRecords(40, seed: 11, base: base, spread: 30 * nanosPerMinute).enumerated().map { i, r in
            var r = r
            r.idempotencyKey = IdempotencyKey("upstream-\(i)")
            return r
        }
        let inSegment = try appendInBatches(store, keyed, batches: 2)
        // A checkpoint, so that the flush writes a CHECKPOINTS file (FORMAT.md 9.2).
        try store.append([LogRecord](), checkpoints: [Checkpoint(name: "tail:/var/log/app.log", value: Array("dev=1 ino=2 off=4096".utf8))])
        try store.flush()
        var inWAL: [LogRecord] = []
        for i in 0..<8 {
            inWAL += try appendInBatches(store, makeRecords(3, seed: 100 + UInt64(i), base: base, spread: 30 * nanosPerMinute), batches: 1)
        }
        let image = try copyStore(dir.path, into: copies)
        try store.close()
        var files = try snapshotFiles(image)
        files["LOCK"] = Array("4242\n".utf8)  // a pid: what a running writer leaves
        let segments = files.keys.filter { $0.hasPrefix("segments/") && $0.hasSuffix(".seg") }
        let wals = files.keys.filter { $0.hasPrefix("wal/") && $0.hasSuffix(".wal") }.sorted()
        guard segments.count == 1, let segmentName = segments.first, let walName = wals.last,
              let walBytes = files[walName], files["SETTINGS"] != nil, files["KEYS"] != nil,
              files[CheckpointsFile.fileName] != nil else {
            throw LogStoreError(.invalidArgument, "unexpected store image: \(files.keys.sorted())")
        }
        // Keep only the newest WAL file (the older ones hold nothing: their head was flushed).
        for w in wals where w != walName { files[w] = nil }
        var frames: [(range: Range<Int>, sequences: ClosedRange<UInt64>)] = []
        for o in walFrameOffsets(walBytes) {
            let len = Int(walBytes[o]) | Int(walBytes[o + 1]) << 8 | Int(walBytes[o + 2]) << 16 | Int(walBytes[o + 3]) << 24
            var first: UInt64 = 0
            for i in 0..<8 { first |= UInt64(walBytes[o + 9 + i]) << (8 * UInt64(i)) }
            var count: UInt64 = 0
            for i in 0..<4 { count |= UInt64(walBytes[o + 17 + i]) << (8 * UInt64(i)) }
            frames.append((o..<(o + 9 + len), first...(first + count - 1)))
        }
        var records: [UInt64: LogRecord] = [:]
        for r in inSegment + inWAL { records[r.sequence] = r }
        var settings = StoreSettings()
        settings.retentionSeconds = 30 * 86_400
        return StoreImage(files: files, records: records, segmentName: segmentName, walName: walName, walFrames: frames,
                          segmentSequences: Set(inSegment.map(\.sequence)), settings: settings)
    }

    /// Writes the image, with `file` replaced by `bytes`, into a new directory under `root`.
    func materialize(in root: String, index: Int, replacing file: String, with bytes: [UInt8]) throws -> String {
        let dir = root + "/m\(index)"
        let fm = FileManager.default
        for sub in ["wal", "segments", "quarantine"] {
            try fm.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true)
        }
        for (rel, content) in files { try Self.write(dir + "/" + rel, rel == file ? bytes : content) }
        if files[file] == nil { try Self.write(dir + "/" + file, bytes) }
        return dir
    }

    /// Writes a file without syncing it (Foundation's `Data.write` syncs, which costs the matrix
    /// more than everything else together).
    static func write(_ path: String, _ bytes: [UInt8]) throws {
        let io = PosixIO()
        let fd = try io.open(path, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
        defer { io.close(fd) }
        var failure: LogStoreError?
        bytes.withUnsafeBytes { b in
            do throws(LogStoreError) { try io.write(fd, b, path: path) } catch { failure = error }
        }
        if let failure { throw failure }
    }
}
