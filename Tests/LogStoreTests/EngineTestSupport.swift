import Foundation
import Synchronization
import Testing
@testable import LogStore
import LogStoreFormat

// Helpers shared by the engine suites: clocks, file surgery, record bookkeeping, random queries.

// MARK: Clock

/// A wall clock that tests move by hand (for ``StoreOptions/clock``).
final class TestClock: Sendable {
    private let value: Mutex<Int64>
    init(_ start: Int64) { value = Mutex(start) }
    var now: Int64 { value.withLock { $0 } }
    func advance(by d: Duration) { value.withLock { $0 += d.nanoseconds } }
    var function: @Sendable () -> Int64 { { [self] in now } }
}

let nanosPerSecond: Int64 = 1_000_000_000
let nanosPerMinute: Int64 = 60 * nanosPerSecond
let nanosPerHour: Int64 = 3_600 * nanosPerSecond

// MARK: Files

func fileBytes(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

func writeFileBytes(_ path: String, _ bytes: [UInt8]) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

func fileExists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

/// Names in `dir`, sorted; empty when it does not exist.
func listNames(_ dir: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
}

func walNames(_ store: String) -> [String] { listNames(store + "/wal").filter { $0.hasSuffix(".wal") } }
/// The WAL files that hold more than a header (docs/FORMAT.md 6: close keeps the newest file, empty).
func walFilesWithFrames(_ store: String) -> [String] {
    walNames(store).filter { (try? fileBytes(store + "/wal/" + $0).count) ?? 0 > WALFormat.headerSize }
}
func segmentNames(_ store: String) -> [String] { listNames(store + "/segments").filter { $0.hasSuffix(".seg") } }

/// Every regular file under `dir` (relative path → bytes).
func snapshotFiles(_ dir: String) throws -> [String: [UInt8]] {
    var out: [String: [UInt8]] = [:]
    guard let e = FileManager.default.enumerator(atPath: dir) else { return out }
    while let rel = e.nextObject() as? String {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir + "/" + rel, isDirectory: &isDir), !isDir.boolValue {
            out[rel] = try fileBytes(dir + "/" + rel)
        }
    }
    return out
}

/// Copies a store directory (possibly open by a writer: this is what a crash would leave on disk,
/// as far as written bytes go) to a fresh directory inside `into`, and returns its path.
func copyStore(_ from: String, into: TempDir, name: String = "copy") throws -> String {
    let target = into.path + "/" + name
    try FileManager.default.copyItem(atPath: from, toPath: target)
    return target
}

func flipByte(_ path: String, at offset: Int, mask: UInt8 = 0x5A) throws {
    var b = try fileBytes(path)
    precondition(offset < b.count, "offset \(offset) beyond file of \(b.count) bytes")
    b[offset] ^= mask
    try writeFileBytes(path, b)
}

func truncateFile(_ path: String, to length: Int) throws {
    let b = try fileBytes(path)
    try writeFileBytes(path, Array(b.prefix(length)))
}

/// The start offsets of the frames of a WAL file (docs/FORMAT.md 4.2), walking the length fields; summary frames (4.4) left out.
func walFrameOffsets(_ bytes: [UInt8]) -> [Int] {
    var out: [Int] = []
    var o = WALFormat.headerSize
    while o + WALFormat.frameHeaderSize <= bytes.count {
        let len = Int(bytes[o]) | Int(bytes[o + 1]) << 8 | Int(bytes[o + 2]) << 16 | Int(bytes[o + 3]) << 24
        guard o + WALFormat.frameHeaderSize + len <= bytes.count else { break }
        // Summary frames (FORMAT.md 4.4) describe the frames before them; callers want the frames that hold data.
        if bytes[o + 8] != WALFormat.summaryFrameType { out.append(o) }
        o += WALFormat.frameHeaderSize + len
    }
    return out
}

/// Opens a segment file with the engine's own reader.
func openSegment(_ store: String, _ name: String) throws -> Segment {
    try Segment(path: store + "/segments/" + name, name: name, io: PosixIO())
}

// MARK: Records

/// Appends `records` in `batches` calls, requires that every record is accepted, and returns them
/// with the sequence numbers the store assigned.
func appendInBatches(_ store: LogStore, _ records: [LogRecord], batches: Int,
                     sourceLocation: SourceLocation = #_sourceLocation) throws -> [LogRecord] {
    var out: [LogRecord] = []
    out.reserveCapacity(records.count)
    let size = max(1, (records.count + batches - 1) / max(1, batches))
    var start = 0
    while start < records.count {
        let batch = Array(records[start..<min(records.count, start + size)])
        let receipt = try store.append(batch)
        try #require(receipt.accepted == batch.count, "batch at \(start): \(receipt.accepted) of \(batch.count) accepted",
                     sourceLocation: sourceLocation)
        for (i, var r) in batch.enumerated() {
            r.sequence = receipt.firstSequence + UInt64(i)
            out.append(r)
        }
        start += size
    }
    return out
}

/// Compares two record lists element by element with ``LogRecord/isIdentical(to:)``; reports the
/// count difference and the first mismatch only, so one broken query does not flood the log.
@discardableResult
func expectSameRecords(_ actual: [LogRecord], _ expected: [LogRecord], _ context: @autoclosure () -> String,
                       sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    if actual.count != expected.count {
        Issue.record("\(context()): \(actual.count) records, expected \(expected.count)", sourceLocation: sourceLocation)
        return false
    }
    for i in actual.indices where !actual[i].isIdentical(to: expected[i]) {
        Issue.record("\(context()): record \(i) differs:\n  got      \(actual[i])\n  expected \(expected[i])",
                     sourceLocation: sourceLocation)
        return false
    }
    return true
}

/// Whether `records` are strictly increasing by `(timestamp, sequence)` (or decreasing).
func isStrictlySorted(_ records: [LogRecord], descending: Bool = false) -> Bool {
    zip(records, records.dropFirst()).allSatisfy { a, b in
        descending ? QueryCursor(b) < QueryCursor(a) : QueryCursor(a) < QueryCursor(b)
    }
}

/// Per-level counts of the reference answer, ignoring the limit (what `countByLevel` must return).
func referenceLevelCounts(_ records: [LogRecord], _ q: LogQuery) -> [LogLevel: Int] {
    var unlimited = q
    unlimited.limit = nil
    var out: [LogLevel: Int] = [:]
    for r in reference(records, unlimited) { out[r.level, default: 0] += 1 }
    return out
}

/// A few hand-made records that stress what `makeRecords` does not: equal timestamps (ties broken by
/// sequence), uppercase UUIDs, repeated attribute keys, empty messages, no attributes.
func edgeCaseRecords(base: Int64, seed: UInt64) -> [LogRecord] {
    var rng = SeededRandom(seed: seed)
    var out: [LogRecord] = []
    let tie = base + 1_234_567_890
    for i in 0..<40 {
        out.append(LogRecord(timestamp: tie, level: LogLevel.allCases[i % LogLevel.allCases.count], source: "tie",
                             correlationID: "TIE-\(i % 3)", message: "same instant \(i)",
                             attributes: [Attribute("status", .int(Int64(i))), Attribute("status", .string("dup"))]))
    }
    for i in 0..<30 {
        let upper = UUID(uuid: (UInt8(i), 0xAB, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)).uuidString.uppercased()
        out.append(LogRecord(timestamp: base + Int64.random(in: 0..<3_000_000_000_000, using: &rng),
                             level: .error, source: "upper", correlationID: upper,
                             message: i % 5 == 0 ? "" : "UPPER case Message \(i)",
                             attributes: i % 2 == 0 ? [] : [Attribute("latency_ms", .int(Int64(i * 10)))]))
    }
    return out
}

// MARK: Random queries

/// Generates random queries over a known data set, property-test style.
struct QueryGenerator {
    let records: [LogRecord]
    var rng: SeededRandom
    let minTimestamp: Int64
    let maxTimestamp: Int64
    let correlationIDs: [String]
    let sources: [String]

    init(records: [LogRecord], seed: UInt64) {
        self.records = records
        rng = SeededRandom(seed: seed)
        minTimestamp = records.map(\.timestamp).min() ?? 0
        maxTimestamp = records.map(\.timestamp).max() ?? 0
        correlationIDs = Array(Set(records.compactMap(\.correlationID))).sorted()
        sources = Array(Set(records.map(\.source))).sorted()
    }

    private mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }

    private mutating func timestamp() -> Int64 {
        if chance(0.3), let r = records.randomElement(using: &rng) { return r.timestamp }  // exact boundaries
        let span = max(1, maxTimestamp - minTimestamp)
        return minTimestamp - span / 20 + Int64.random(in: 0...(span + span / 10), using: &rng)
    }

    private mutating func absentCorrelationID() -> String {
        let upper = correlationIDs.first { $0.count == 36 && $0 == $0.lowercased() }?.uppercased()
        let candidates = ["job-absent", "00000000-0000-0000-0000-000000000000", upper ?? "NOPE", "tie-0"]
        return candidates.randomElement(using: &rng)!
    }

    private mutating func attributeFilter() -> AttributeFilter {
        let cmp: [AttributeFilter.Comparison] = [.equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual]
        let c = cmp.randomElement(using: &rng)!
        switch Int.random(in: 0..<9, using: &rng) {
        case 0: return AttributeFilter("status", c, .int([200, 201, 404, 500, 3].randomElement(using: &rng)!))
        case 1: return AttributeFilter("status", c, .double([200.0, 404.5, 500.0, 250.25].randomElement(using: &rng)!))
        case 2: return AttributeFilter("latency_ms", c, .double(Double(Int.random(in: 0...5000, using: &rng)) / 10))
        case 3: return AttributeFilter("latency_ms", c, .int(Int64.random(in: 0...500, using: &rng)))
        case 4: return AttributeFilter("path", c, .string(["/users", "/orders", "/login", "/health", "/m"].randomElement(using: &rng)!))
        case 5: return AttributeFilter("cached", c, .bool(Bool.random(using: &rng)))
        case 6: return AttributeFilter("method", c, .string("GET"))
        case 7: return AttributeFilter("status", c, .string("dup"))  // type mismatch for most records
        default: return AttributeFilter("missing_key", c, .int(1))
        }
    }

    mutating func next() -> LogQuery {
        var q = LogQuery()
        if chance(0.4) { q.since = timestamp() }
        if chance(0.4) { q.until = timestamp() }
        if chance(0.3) {
            q.levels = Set(LogLevel.allCases.filter { _ in chance(0.5) })  // may be empty
        }
        if chance(0.3) {
            q.sources = (0..<Int.random(in: 1...2, using: &rng)).map { _ in sources.randomElement(using: &rng)! }
            if chance(0.2) { q.sources.append("no-such-source") }
        }
        if chance(0.25) {
            q.correlationID = chance(0.75) ? correlationIDs.randomElement(using: &rng) : absentCorrelationID()
        }
        if chance(0.3) {
            let needles = ["/users", "404", "Ünïcode", "ünïcode", "ÜNÏCODE", "REQUEST", "request", "Request /o",
                           "after 1", "upper case", "same instant 1", "finished with 500", "x-absent-x"]
            q.messageContains = needles.randomElement(using: &rng)
            q.caseInsensitive = Bool.random(using: &rng)
        }
        if chance(0.3) { q.attributes = (0..<Int.random(in: 1...2, using: &rng)).map { _ in attributeFilter() } }
        if chance(0.3) { q.limit = [0, 1, 2, 7, 50, 500].randomElement(using: &rng) }
        if chance(0.4) { q.order = .descending }
        if chance(0.25) {
            // A cursor taken from the middle of this query's own result, or an arbitrary position.
            var full = q
            full.limit = nil
            let result = reference(records, full)
            if !result.isEmpty, chance(0.8) {
                q.after = QueryCursor(result[Int.random(in: 0..<result.count, using: &rng) / 2 + result.count / 4])
            } else {
                q.after = QueryCursor(timestamp: timestamp(), sequence: UInt64.random(in: 0...UInt64(records.count), using: &rng))
            }
        }
        return q
    }
}

/// Runs `count` random queries against `store` and compares records, count and countByLevel with the
/// in-memory reference. Returns how many queries had a non-empty answer (to check the generator).
@discardableResult
func checkRandomQueries(_ store: LogStore, records: [LogRecord], seed: UInt64, count: Int, phase: String,
                        sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
    var gen = QueryGenerator(records: records, seed: seed)
    var nonEmpty = 0
    var failures = 0
    var storeTime = Duration.zero
    var referenceTime = Duration.zero
    let clock = ContinuousClock()
    for i in 0..<count where failures < 5 {
        let q = gen.next()
        var unlimited = q
        unlimited.limit = nil
        var full: [LogRecord] = []
        referenceTime += clock.measure { full = reference(records, unlimited) }
        let expected = Array(full.prefix(q.limit ?? .max))
        if !expected.isEmpty { nonEmpty += 1 }
        var got: [LogRecord] = []
        var n = 0
        var byLevel: [LogLevel: Int] = [:]
        storeTime += try clock.measure {
            got = try store.records(q)
            n = try store.count(q)
            byLevel = try store.countByLevel(q)
        }
        if !expectSameRecords(got, expected, "\(phase) query \(i) \(q)", sourceLocation: sourceLocation) { failures += 1 }
        if n != full.count {
            Issue.record("\(phase) query \(i) count \(n), expected \(full.count): \(q)", sourceLocation: sourceLocation)
            failures += 1
        }
        var expectedByLevel: [LogLevel: Int] = [:]
        for r in full { expectedByLevel[r.level, default: 0] += 1 }
        if byLevel != expectedByLevel {
            Issue.record("\(phase) query \(i) countByLevel \(byLevel), expected \(expectedByLevel): \(q)", sourceLocation: sourceLocation)
            failures += 1
        }
    }
    if ProcessInfo.processInfo.environment["LOGSTORE_TEST_TIMING"] != nil {
        print("\(phase): store \(storeTime), reference \(referenceTime)")
    }
    return nonEmpty
}

// MARK: Threads

/// A value shared between test threads (escaping closures cannot capture a `Mutex` directly).
///
/// Guarded by an `NSLock` (a pthread mutex), not `Synchronization.Mutex`: ThreadSanitizer does not
/// see the futex-based locking of `Mutex` in Swift 6.3 on Linux and reports races that are not there.
final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func update<R: Sendable>(_ body: (inout Value) -> R) -> R { lock.withLock { body(&stored) } }
}

// MARK: I/O hooks

/// The real file system, with a hook that runs before a directory is listed: lets a test make another
/// thread's work (a flush) happen at an exact point of an open.
struct ListingHookIO: StorageIO {
    let base = PosixIO()
    let beforeListing: @Sendable (String) -> Void

    func open(_ path: String, flags: Int32, mode: mode_t) throws(LogStoreError) -> Int32 { try base.open(path, flags: flags, mode: mode) }
    func close(_ fd: Int32) { base.close(fd) }
    func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws(LogStoreError) { try base.write(fd, buffer, path: path) }
    func pread(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64, path: String) throws(LogStoreError) -> Int {
        try base.pread(fd, into: buffer, at: offset, path: path)
    }
    func fdatasync(_ fd: Int32, path: String) throws(LogStoreError) { try base.fdatasync(fd, path: path) }
    func truncate(_ fd: Int32, length: Int64, path: String) throws(LogStoreError) { try base.truncate(fd, length: length, path: path) }
    func fileSize(_ fd: Int32, path: String) throws(LogStoreError) -> Int64 { try base.fileSize(fd, path: path) }
    func fsyncDirectory(_ path: String) throws(LogStoreError) { try base.fsyncDirectory(path) }
    func rename(_ from: String, _ to: String) throws(LogStoreError) { try base.rename(from, to) }
    func unlink(_ path: String) throws(LogStoreError) { try base.unlink(path) }
    func makeDirectory(_ path: String) throws(LogStoreError) { try base.makeDirectory(path) }
    func listDirectory(_ path: String) throws(LogStoreError) -> [String] {
        beforeListing(path)
        return try base.listDirectory(path)
    }
    func exists(_ path: String) -> Bool { base.exists(path) }
}

/// The entries of the store's `MANIFEST` (docs/FORMAT.md 11); empty when there is none.
func manifestEntries(_ store: String) throws -> [ManifestFile.Entry] {
    let path = store + "/" + ManifestFile.fileName
    guard FileManager.default.fileExists(atPath: path) else { return [] }
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    return try bytes.withUnsafeBytes { try ManifestFile.decode($0) }
}
