import LogStore
import LogStoreFormat

/// How records are fed to a contender during an ingest workload.
struct IngestPlan: Sendable, CustomStringConvertible {
    enum Durability: String, Sendable { case batch, sync, none }

    var durability: Durability
    /// Records per append call.
    var batchSize: Int
    /// Concurrent writer threads; records are split into contiguous slices, one per writer.
    var writers: Int = 1
    /// Ingest only the first `limit` records (quick workloads on big datasets).
    var limit: Int?

    var description: String {
        "\(durability.rawValue), batches of \(batchSize)" + (writers > 1 ? ", \(writers) writers" : "")
    }
}

/// What an ingest took.
struct IngestTiming: Sendable {
    /// Records handed to the contender.
    var offered: Int
    /// Records it reports as stored.
    var accepted: Int
    /// Time until the last append returned.
    var append: Duration
    /// Time of the final close (flush to durable files, release resources).
    var close: Duration

    var total: Duration { append + close }
}

/// A named ingest configuration of a peer (SQLite: synchronous level × transaction size).
struct IngestVariant: Sendable {
    /// Workload name in the report, e.g. `ingest SQLite WAL NORMAL, tx of 100`.
    var workload: String
    var plan: IngestPlan
    /// Whether this variant's last store is kept for the storage, reopen and query workloads.
    var keepsStore: Bool = false
}

/// One in-process storage engine under test: the LogStore library and SQLite through GRDB.
/// (DuckDB runs in a Python child process and has its own driver, `DuckDBRun`.)
protocol Contender: Sendable {
    /// Short name for tables and JSON (`logstore`, `sqlite`, …).
    var name: String { get }
    /// Whether `plan` is meaningful for this contender (e.g. group commit across writers).
    func supports(_ plan: IngestPlan) -> Bool
    /// Ingests the dataset's records into a fresh store at `directory` and closes it.
    func ingest(_ dataset: Dataset, into directory: String, plan: IngestPlan) throws -> IngestTiming
    /// Time to open an existing, closed store at `directory` (closing is not timed).
    func reopenTime(at directory: String, readOnly: Bool) throws -> Duration
    /// Opens an existing store for the query workloads.
    func openReader(at directory: String) throws -> any ContenderReader
    /// The ingest variants a peer runs in each repetition (LogStore's workloads are built in).
    var ingestVariants: [IngestVariant] { get }
    /// Ingests like `ingest` but never closes: the process kills itself with SIGKILL afterwards
    /// (the child side of the recovery workload).
    func ingestAndCrash(_ dataset: Dataset, into directory: String, plan: IngestPlan) throws -> Never
    /// The plan the recovery child uses.
    var crashPlan: IngestPlan { get }
    /// The in-memory index of the closed store at `directory`, when the contender reports one.
    func indexFigures(at directory: String) throws -> IndexFigures?
}

/// The size of a store's in-memory index.
struct IndexFigures: Sendable {
    var indexBytes: Int
    var segments: Int
    var records: Int
}

extension Contender {
    var ingestVariants: [IngestVariant] { [] }
    /// The in-memory index of the closed store at `directory`, when the contender reports one.
    func indexFigures(at directory: String) throws -> IndexFigures? { nil }
}

/// A record's identity in query answers, enough to check order and completeness.
struct RecordKey: Sendable, Comparable {
    var timestamp: Int64
    var sequence: UInt64

    static func < (a: RecordKey, b: RecordKey) -> Bool {
        (a.timestamp, a.sequence) < (b.timestamp, b.sequence)
    }
}

/// The query side of a contender. Every method must materialise its full answer.
protocol ContenderReader {
    /// All records of one correlation ID, in chronological order.
    func records(correlationID: String) throws -> [RecordKey]
    /// All records with `since <= timestamp < until`, collected; returns how many.
    func collectRange(since: Int64, until: Int64) throws -> Int
    /// Records per level with `timestamp >= since`.
    func countByLevel(since: Int64) throws -> [LogLevel: Int]
    /// Records whose message contains `token` (case-sensitive).
    func countMessages(containing token: String) throws -> Int
    /// Total records stored.
    func countAll() throws -> Int
    func close() throws
}
