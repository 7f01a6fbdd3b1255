/// The table a ClickHouse forwarder creates when missing (docs/FORWARDING.md 2). The same DDL works on
/// clickhouse-server 18.16 and on current ClickHouse.
public enum ClickHouseSchema {
    /// Nanoseconds in a UTC day: the partition key is `intDiv(timestamp_ns, nanosecondsPerDay)`.
    public static let nanosecondsPerDay: Int64 = 86_400_000_000_000

    /// `CREATE TABLE IF NOT EXISTS` for `table` (a checked `DB.TABLE`).
    public static func createTable(_ table: String) -> String {
        """
        CREATE TABLE IF NOT EXISTS \(table) (
            store_id String,
            seq UInt64,
            timestamp_ns Int64,
            time DateTime MATERIALIZED toDateTime(intDiv(timestamp_ns, 1000000000)),
            level String,
            source String,
            correlation_id String,
            message String,
            attr Nested(key String, value String)
        ) ENGINE = MergeTree
        PARTITION BY intDiv(timestamp_ns, \(nanosecondsPerDay))
        ORDER BY (store_id, seq)
        """
    }

    /// The UTC day number of a timestamp, as the partition key computes it (rounding toward zero,
    /// like ClickHouse's `intDiv`).
    public static func day(ofTimestamp nanoseconds: Int64) -> Int64 { nanoseconds / nanosecondsPerDay }

    /// A ClickHouse string literal: single-quoted, with `\` and `'` escaped.
    static func literal(_ text: String) -> String {
        var out = "'"
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            case "\n": out += "\\n"
            case "\0": out += "\\0"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "'"
    }
}
