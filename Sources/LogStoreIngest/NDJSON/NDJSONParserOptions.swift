import LogStoreFormat

/// Limits an ``NDJSONParser`` applies to every line.
public struct NDJSONParserOptions: Sendable, Hashable {
    /// Longest accepted line in bytes, not counting its line terminator.
    public var maxRecordBytes: Int
    /// Deepest accepted nesting of objects and arrays; the record object itself is level 1.
    public var maxNestingDepth: Int

    public init(maxRecordBytes: Int = RecordLimits.defaultMaxRecordBytes, maxNestingDepth: Int = 32) {
        self.maxRecordBytes = maxRecordBytes
        self.maxNestingDepth = maxNestingDepth
    }
}
