/// Why a request body, or one item in it, could not be turned into records: the place and the reason.
///
/// `place` names where the problem is in the sender's terms: a byte offset for malformed bytes
/// (`"byte 17"`), a path for a structured body (`"resourceLogs[0].scopeLogs[1].logRecords[3].traceId"`,
/// `"streams[2].values[0]"`), a line number for NDJSON (`"line 4, column 9"`).
public struct ProtocolDecodeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where the problem is.
    public var place: String
    /// What is wrong, in words.
    public var reason: String

    public init(place: String, reason: String) {
        self.place = place
        self.reason = reason
    }

    public var description: String { place.isEmpty ? reason : "\(place): \(reason)" }
}

/// The records a request body held, and the items that were skipped.
///
/// A decoder keeps every good record when some items are bad: `rejected` lists the bad ones with
/// their place and reason, in input order. A body that cannot be read at all is a thrown
/// ``ProtocolDecodeError`` instead.
public struct DecodedRecords: Sendable {
    /// The records, in input order.
    public var records: [LogRecord]
    /// The items not turned into records, in input order.
    public var rejected: [ProtocolDecodeError]

    public init(records: [LogRecord] = [], rejected: [ProtocolDecodeError] = []) {
        self.records = records
        self.rejected = rejected
    }
}
