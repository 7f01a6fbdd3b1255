import LogStore
import LogStoreFormat

/// Idempotency keys over OTLP (docs/SERVER.md, "OTLP mapping"): a log record whose attribute
/// `logstore.idempotency_key` is a non-empty string is stored with that string as its
/// ``LogRecord/idempotencyKey``, so the store drops it when it accepted the same key within its window
/// (docs/FORMAT.md, 8). `logstore forward --to otlp+http://…` sends `STORE-ID/SEQ` there, which makes
/// forwarding into `logstore serve` exactly once (docs/FORWARDING.md 8). The attribute is stored too.
package enum OTLPIdempotency {
    /// The attribute that carries the key.
    package static let attributeKey = "logstore.idempotency_key"

    /// The key `record` carries, or nil.
    @inline(__always)
    static func key(of record: OTLPLogRecord) -> IdempotencyKey? {
        for kv in record.attributes where kv.key == attributeKey {
            if case .stringValue(let text)? = kv.value.value, !text.isEmpty { return IdempotencyKey(text) }
        }
        return nil
    }

    /// Gives the row just written for `record` its key, when it carries one.
    @inline(__always)
    static func keyLastRow(of record: OTLPLogRecord, in rows: inout OTLPRowBytes) {
        if let key = key(of: record) { rows.keyLastRow(key) }
    }

    /// Whether a JSON body mentions the key attribute at all: such bodies are read through the messages
    /// (``OTLPRowMapper``), which honours it, instead of the one-pass reader, which does not look for it.
    static func mentionsKey(_ body: [UInt8]) -> Bool {
        let needle = Array(attributeKey.utf8)
        guard body.count >= needle.count, let first = needle.first else { return false }
        var i = 0
        let last = body.count - needle.count
        while i <= last {
            if body[i] == first, body[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }
}
