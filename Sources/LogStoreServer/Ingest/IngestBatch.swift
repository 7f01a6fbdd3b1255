import LogStore
import LogStoreProtocols

/// A decoded request body: the records to store, either as `LogRecord`s (OTLP, Loki) or, for NDJSON,
/// as rows already in the engine's row encoding (docs/FORMAT.md, 3.4) — the path `logstore ingest`
/// takes, with no `LogRecord` or `String` built per line — and the items that were not turned into
/// records.
struct IngestBatch: Sendable {
    enum Content: Sendable {
        case records([LogRecord])
        case rows(EncodedRows)
    }

    var content: Content
    /// The items not turned into records, in input order.
    var rejected: [ProtocolDecodeError]

    init(_ decoded: DecodedRecords) {
        content = .records(decoded.records)
        rejected = decoded.rejected
    }

    init(rows: EncodedRows, rejected: [ProtocolDecodeError]) {
        content = .rows(rows)
        self.rejected = rejected
    }

    /// How many records the batch holds.
    var count: Int {
        switch content {
        case .records(let records): records.count
        case .rows(let rows): rows.count
        }
    }
}
