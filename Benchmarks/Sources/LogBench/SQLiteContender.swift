import Glibc
import GRDB
import LogStore
import LogStoreFormat

/// SQLite through GRDB, in process, with the `tail_logs` schema of the design documents.
///
/// Configuration (what a careful user would do): WAL journal, `synchronous=NORMAL` (or `FULL` for
/// per-commit durability), one prepared INSERT reused inside explicit transactions of 100 or 10,000
/// rows; otherwise SQLite's defaults (4 KiB pages, 2 MiB page cache). `logstore .batch` is compared
/// with NORMAL, `.sync` with FULL.
///
/// Timing counts only the database calls: each batch of records is turned into column values
/// (UUID string, RFC 3339 text, context JSON) before its transaction starts, as an application would
/// have them ready.
struct SQLiteContender: Contender {
    var name: String { "sqlite" }
    /// `.request`: table `tail_logs`; `.workflow`: table `workflow_logs` (see `workflowSchema`).
    var shape: DatasetShape = .request
    /// The ingest variants to run (`variantNames`); nil runs all four.
    var variantFilter: [String]? = nil

    func supports(_ plan: IngestPlan) -> Bool { plan.writers == 1 }

    static let schema = """
        CREATE TABLE tail_logs (
            log_id TEXT PRIMARY KEY,
            worker_name TEXT NOT NULL,
            request_id TEXT,
            correlation_id TEXT,
            log_level TEXT NOT NULL,
            message TEXT NOT NULL,
            context_json TEXT,
            timestamp TEXT NOT NULL,
            execution_time_ms INTEGER,
            created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
        );
        CREATE INDEX idx_tail_logs_timestamp ON tail_logs(timestamp);
        CREATE INDEX idx_tail_logs_correlation_id ON tail_logs(correlation_id);
        CREATE INDEX idx_tail_logs_worker_name ON tail_logs(worker_name);
        CREATE INDEX idx_tail_logs_log_level ON tail_logs(log_level);
        CREATE INDEX idx_tail_logs_created_at ON tail_logs(created_at);
        """

    static let insertSQL = """
        INSERT INTO tail_logs (log_id, worker_name, request_id, correlation_id, log_level, message,
                               context_json, timestamp, execution_time_ms)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// The workflow shape of the design documents, with indexes on the instance ID (the correlation
    /// lookup), the timestamp, the workflow name and the level. `payload` is JSON text holding the
    /// message and the other payload fields.
    static let workflowSchema = """
        CREATE TABLE workflow_logs (
            workflow_id TEXT NOT NULL,
            workflow_name TEXT NOT NULL,
            workflow_instance_id TEXT NOT NULL,
            task_name TEXT,
            task_instance_id TEXT,
            timestamp_ms INTEGER NOT NULL,
            level TEXT NOT NULL,
            payload TEXT
        );
        CREATE INDEX idx_workflow_logs_instance ON workflow_logs(workflow_instance_id);
        CREATE INDEX idx_workflow_logs_timestamp ON workflow_logs(timestamp_ms);
        CREATE INDEX idx_workflow_logs_name ON workflow_logs(workflow_name);
        CREATE INDEX idx_workflow_logs_level ON workflow_logs(level);
        """

    static let workflowInsertSQL = """
        INSERT INTO workflow_logs (workflow_id, workflow_name, workflow_instance_id, task_name, task_instance_id,
                                   timestamp_ms, level, payload)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """

    static func databasePath(_ directory: String) -> String { directory + "/tail_logs.sqlite" }

    static func configuration(synchronous: String?, readOnly: Bool = false) -> Configuration {
        var c = Configuration()
        if readOnly {
            c.readonly = true
        } else {
            c.journalMode = .wal
        }
        if let synchronous {
            // Not inside db.write {}: SQLite refuses to change the safety level inside a transaction.
            c.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = \(synchronous)") }
        }
        return c
    }

    /// Names for `--sqlite-variants`, in the order of `ingestVariants`.
    static let variantNames = ["normal100", "normal10k", "full100", "full10k"]

    /// The selected variants; the first one keeps its store for the storage, reopen and query workloads.
    var ingestVariants: [IngestVariant] {
        let all = [
            IngestVariant(workload: "ingest SQLite WAL NORMAL, tx of 100", plan: IngestPlan(durability: .batch, batchSize: 100)),
            IngestVariant(workload: "ingest SQLite WAL NORMAL, tx of 10,000", plan: IngestPlan(durability: .batch, batchSize: 10_000)),
            IngestVariant(workload: "ingest SQLite WAL FULL, tx of 100", plan: IngestPlan(durability: .sync, batchSize: 100)),
            IngestVariant(workload: "ingest SQLite WAL FULL, tx of 10,000", plan: IngestPlan(durability: .sync, batchSize: 10_000)),
        ]
        let wanted = variantFilter ?? Self.variantNames
        var out = wanted.compactMap { w in Self.variantNames.firstIndex(of: w).map { all[$0] } }
        if !out.isEmpty { out[0].keepsStore = true }
        return out
    }

    var crashPlan: IngestPlan { IngestPlan(durability: .batch, batchSize: 10_000) }

    /// One row's column values, bound to the INSERT inside the transaction.
    protocol InsertRow {
        var arguments: StatementArguments { get }
    }

    /// One row's column values.
    struct SQLRow: InsertRow {
        var logID: String
        var workerName: String
        var requestID: String?
        var correlationID: String?
        var level: String
        var message: String
        var context: String?
        var timestamp: String
        var executionTimeMs: Int64?

        var arguments: StatementArguments {
            [logID, workerName, requestID, correlationID, level, message, context, timestamp, executionTimeMs]
        }
    }

    /// Column values of `records` (log IDs are random UUIDs from `rng`).
    static func rows(_ records: ArraySlice<LogRecord>, rng: inout SplitMix64) -> [SQLRow] {
        var out: [SQLRow] = []
        out.reserveCapacity(records.count)
        var buffer: [UInt8] = []
        for r in records {
            var requestID: String?
            var exec: Int64?
            buffer.removeAll(keepingCapacity: true)
            buffer.append(UInt8(ascii: "{"))
            var first = true
            for a in r.attributes {
                if a.key == "request_id", case .string(let s) = a.value { requestID = s; continue }
                if a.key == "execution_time_ms", case .int(let v) = a.value { exec = v; continue }
                if !first { buffer.append(UInt8(ascii: ",")) }
                first = false
                NDJSONWriter.appendString(a.key, to: &buffer)
                buffer.append(UInt8(ascii: ":"))
                switch a.value {
                case .string(let s): NDJSONWriter.appendString(s, to: &buffer)
                case .int(let v): buffer.append(contentsOf: String(v).utf8)
                case .double(let v): buffer.append(contentsOf: (v.isFinite ? v.description : "null").utf8)
                case .bool(let v): buffer.append(contentsOf: (v ? "true" : "false").utf8)
                }
            }
            buffer.append(UInt8(ascii: "}"))
            out.append(SQLRow(logID: rng.uuid(), workerName: r.source, requestID: requestID,
                              correlationID: r.correlationID, level: r.level.name, message: r.message,
                              context: first ? nil : String(decoding: buffer, as: UTF8.self),
                              timestamp: rfc3339(r.timestamp), executionTimeMs: exec))
        }
        return out
    }

    /// A `workflow_logs` row.
    struct WorkflowRow: InsertRow {
        var workflowID: String
        var workflowName: String
        var instanceID: String
        var taskName: String?
        var taskInstanceID: String?
        var timestampMs: Int64
        var level: String
        var payload: String

        var arguments: StatementArguments {
            [workflowID, workflowName, instanceID, taskName, taskInstanceID, timestampMs, level, payload]
        }
    }

    /// Column values of workflow-shape `records`.
    static func workflowRows(_ records: ArraySlice<LogRecord>) -> [WorkflowRow] {
        var out: [WorkflowRow] = []
        out.reserveCapacity(records.count)
        var buffer: [UInt8] = []
        for r in records {
            r.workflowPayloadJSON(into: &buffer)
            out.append(WorkflowRow(workflowID: r.stringAttribute("workflow_id") ?? "", workflowName: r.source,
                                   instanceID: r.correlationID ?? "", taskName: r.stringAttribute("task_name"),
                                   taskInstanceID: r.stringAttribute("task_instance_id"),
                                   timestampMs: r.timestamp / 1_000_000, level: r.level.name,
                                   payload: String(decoding: buffer, as: UTF8.self)))
        }
        return out
    }

    /// Whole milliseconds at or after `ns` (the workflow shape's timestamps are whole milliseconds).
    static func ceilMs(_ ns: Int64) -> Int64 {
        ns >= 0 ? (ns + 999_999) / 1_000_000 : ns / 1_000_000
    }

    static func rfc3339(_ ns: Int64) -> String {
        var b: [UInt8] = []
        b.reserveCapacity(30)
        NDJSONWriter.appendRFC3339(ns, to: &b)
        return String(decoding: b, as: UTF8.self)
    }

    /// Parses the fixed-width `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` written by `rfc3339`.
    static func parseRFC3339(_ s: String) -> Int64 {
        var utf8 = s.utf8.makeIterator()
        var digits: [Int64] = []
        digits.reserveCapacity(24)
        while digits.count < 23, let c = utf8.next() {
            if c >= 48 && c <= 57 { digits.append(Int64(c - 48)) }
        }
        guard digits.count == 23 else { return 0 }
        func n(_ lo: Int, _ count: Int) -> Int64 { digits[lo..<(lo + count)].reduce(0) { $0 * 10 + $1 } }
        let y = n(0, 4), m = n(4, 2), d = n(6, 2)
        // Howard Hinnant's days-from-civil.
        let yy = m <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        let seconds = days * 86_400 + n(8, 2) * 3600 + n(10, 2) * 60 + n(12, 2)
        return seconds * 1_000_000_000 + n(14, 9)
    }

    private func insertAll(_ records: ArraySlice<LogRecord>, into db: DatabaseQueue, plan: IngestPlan) throws -> Duration {
        var rng = SplitMix64(seed: 0x5EED_5157)
        var spent = Duration.zero
        var i = records.startIndex
        while i < records.endIndex {
            let end = min(i + plan.batchSize, records.endIndex)
            switch shape {
            case .request: spent += try insert(Self.rows(records[i..<end], rng: &rng), sql: Self.insertSQL, into: db)
            case .workflow: spent += try insert(Self.workflowRows(records[i..<end]), sql: Self.workflowInsertSQL, into: db)
            }
            i = end
        }
        return spent
    }

    /// One transaction; returns its time.
    private func insert<R: InsertRow>(_ batch: [R], sql: String, into db: DatabaseQueue) throws -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        try db.write { db in
            let statement = try db.cachedStatement(sql: sql)
            for row in batch { try statement.execute(arguments: row.arguments) }
        }
        return clock.now - start
    }

    private func create(_ directory: String, plan: IngestPlan) throws -> DatabaseQueue {
        try Files.makeDirectory(directory)
        let db = try DatabaseQueue(path: Self.databasePath(directory),
                                   configuration: Self.configuration(synchronous: plan.durability == .sync ? "FULL" : "NORMAL"))
        try db.write { try $0.execute(sql: shape == .workflow ? Self.workflowSchema : Self.schema) }
        return db
    }

    func ingest(_ dataset: Dataset, into directory: String, plan: IngestPlan) throws -> IngestTiming {
        let records = plan.limit.map { dataset.records.prefix($0) } ?? dataset.records[...]
        let db = try create(directory, plan: plan)
        let append = try insertAll(records, into: db, plan: plan)
        // Closing the last connection checkpoints the WAL into the database file and deletes it.
        let (_, close) = try timed { try db.close() }
        return IngestTiming(offered: records.count, accepted: records.count, append: append, close: close)
    }

    func ingestAndCrash(_ dataset: Dataset, into directory: String, plan: IngestPlan) throws -> Never {
        let db = try create(directory, plan: plan)
        _ = try insertAll(dataset.records[...], into: db, plan: plan)
        kill(getpid(), SIGKILL)
        fatalError("SIGKILL did not end the process")
    }

    /// Opening is lazy in SQLite; reading the schema forces the file (and WAL index) to be read.
    func reopenTime(at directory: String, readOnly: Bool) throws -> Duration {
        let (db, d) = try timed {
            let db = try DatabaseQueue(path: Self.databasePath(directory),
                                       configuration: Self.configuration(synchronous: readOnly ? nil : "NORMAL", readOnly: readOnly))
            _ = try db.inDatabase { try Int.fetchOne($0, sql: "SELECT count(*) FROM sqlite_master") }
            return db
        }
        try db.close()
        return d
    }

    func openReader(at directory: String) throws -> any ContenderReader {
        let db = try DatabaseQueue(path: Self.databasePath(directory), configuration: Self.configuration(synchronous: "NORMAL"))
        return shape == .workflow ? WorkflowReader(db: db) : Reader(db: db)
    }

    /// A fully materialised row, as an application would fetch it.
    struct TailLog: FetchableRecord {
        var rowid: Int64
        var logID: String
        var workerName: String
        var requestID: String?
        var correlationID: String?
        var level: String
        var message: String
        var context: String?
        var timestamp: String
        var executionTimeMs: Int64?
        var createdAt: String

        init(row: Row) throws {
            rowid = row[0]
            logID = row[1]
            workerName = row[2]
            requestID = row[3]
            correlationID = row[4]
            level = row[5]
            message = row[6]
            context = row[7]
            timestamp = row[8]
            executionTimeMs = row[9]
            createdAt = row[10]
        }

        static let columns = "rowid, log_id, worker_name, request_id, correlation_id, log_level, message, context_json, timestamp, execution_time_ms, created_at"
    }

    final class Reader: ContenderReader {
        let db: DatabaseQueue

        init(db: DatabaseQueue) { self.db = db }

        func records(correlationID: String) throws -> [RecordKey] {
            try db.inDatabase { db in
                let s = try db.cachedStatement(sql: "SELECT \(TailLog.columns) FROM tail_logs WHERE correlation_id = ? ORDER BY timestamp, rowid")
                return try TailLog.fetchAll(s, arguments: [correlationID]).map {
                    RecordKey(timestamp: SQLiteContender.parseRFC3339($0.timestamp), sequence: UInt64($0.rowid))
                }
            }
        }

        func collectRange(since: Int64, until: Int64) throws -> Int {
            try db.inDatabase { db in
                let s = try db.cachedStatement(sql: "SELECT \(TailLog.columns) FROM tail_logs WHERE timestamp >= ? AND timestamp < ? ORDER BY timestamp")
                return try TailLog.fetchAll(s, arguments: [SQLiteContender.rfc3339(since), SQLiteContender.rfc3339(until)]).count
            }
        }

        func countByLevel(since: Int64) throws -> [LogLevel: Int] {
            try db.inDatabase { db in
                let s = try db.cachedStatement(sql: "SELECT log_level, count(*) FROM tail_logs WHERE timestamp >= ? GROUP BY log_level")
                var out: [LogLevel: Int] = [:]
                for row in try Row.fetchAll(s, arguments: [SQLiteContender.rfc3339(since)]) {
                    let name: String = row[0]
                    if let level = LogLevel.allCases.first(where: { $0.name == name }) { out[level] = row[1] }
                }
                return out
            }
        }

        /// `instr` is case-sensitive like LogStore's `messageContains` (`LIKE` is not, for ASCII).
        func countMessages(containing token: String) throws -> Int {
            try db.inDatabase { try Int.fetchOne($0, sql: "SELECT count(*) FROM tail_logs WHERE instr(message, ?) > 0", arguments: [token]) ?? 0 }
        }

        func countAll() throws -> Int {
            try db.inDatabase { try Int.fetchOne($0, sql: "SELECT count(*) FROM tail_logs") ?? 0 }
        }

        func close() throws { try db.close() }
    }
}

extension SQLiteContender {
    /// A fully materialised `workflow_logs` row.
    struct WorkflowLog: FetchableRecord {
        var rowid: Int64
        var workflowID: String
        var workflowName: String
        var instanceID: String
        var taskName: String?
        var taskInstanceID: String?
        var timestampMs: Int64
        var level: String
        var payload: String?

        init(row: Row) throws {
            rowid = row[0]
            workflowID = row[1]
            workflowName = row[2]
            instanceID = row[3]
            taskName = row[4]
            taskInstanceID = row[5]
            timestampMs = row[6]
            level = row[7]
            payload = row[8]
        }

        static let columns = "rowid, workflow_id, workflow_name, workflow_instance_id, task_name, task_instance_id, timestamp_ms, level, payload"
    }

    /// Queries on `workflow_logs`: lookup by workflow_instance_id, ranges on timestamp_ms, counts by
    /// level, and the substring count over `payload` (which holds the message).
    final class WorkflowReader: ContenderReader {
        let db: DatabaseQueue

        init(db: DatabaseQueue) { self.db = db }

        func records(correlationID: String) throws -> [RecordKey] {
            try db.inDatabase { db in
                let s = try db.cachedStatement(sql: "SELECT \(WorkflowLog.columns) FROM workflow_logs WHERE workflow_instance_id = ? ORDER BY timestamp_ms, rowid")
                return try WorkflowLog.fetchAll(s, arguments: [correlationID]).map {
                    RecordKey(timestamp: $0.timestampMs * 1_000_000, sequence: UInt64($0.rowid))
                }
            }
        }

        func collectRange(since: Int64, until: Int64) throws -> Int {
            try db.inDatabase { db in
                let s = try db.cachedStatement(sql: "SELECT \(WorkflowLog.columns) FROM workflow_logs WHERE timestamp_ms >= ? AND timestamp_ms < ? ORDER BY timestamp_ms")
                return try WorkflowLog.fetchAll(s, arguments: [SQLiteContender.ceilMs(since), SQLiteContender.ceilMs(until)]).count
            }
        }

        func countByLevel(since: Int64) throws -> [LogLevel: Int] {
            try db.inDatabase { db in
                let s = try db.cachedStatement(sql: "SELECT level, count(*) FROM workflow_logs WHERE timestamp_ms >= ? GROUP BY level")
                var out: [LogLevel: Int] = [:]
                for row in try Row.fetchAll(s, arguments: [SQLiteContender.ceilMs(since)]) {
                    let name: String = row[0]
                    if let level = LogLevel.allCases.first(where: { $0.name == name }) { out[level] = row[1] }
                }
                return out
            }
        }

        func countMessages(containing token: String) throws -> Int {
            try db.inDatabase { try Int.fetchOne($0, sql: "SELECT count(*) FROM workflow_logs WHERE instr(payload, ?) > 0", arguments: [token]) ?? 0 }
        }

        func countAll() throws -> Int {
            try db.inDatabase { try Int.fetchOne($0, sql: "SELECT count(*) FROM workflow_logs") ?? 0 }
        }

        func close() throws { try db.close() }
    }
}

/// The version of the linked SQLite library.
func sqliteVersion() -> String {
    (try? DatabaseQueue().inDatabase { try String.fetchOne($0, sql: "SELECT sqlite_version()") }) .flatMap { $0 } ?? "?"
}
