#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LogStore

/// Settings shared by the line parsers (``LineRecordStream``, ``LogfmtParser``, ``TextLineParser``).
public struct LineParserOptions: Sendable {
    /// Default `RecordLimits.defaultMaxRecordBytes` (1 MiB). Longest accepted line, and longest record
    /// that multi-line joining may build; longer lines are reported as errors, never truncated.
    public var maxRecordBytes: Int = RecordLimits.defaultMaxRecordBytes
    /// Default `""`. The source of records whose line names none (every plain-text line; logfmt lines
    /// without a `source`/`service`/`logger` key), typically the file name or the program.
    public var source: String = ""
    /// Default `true`. Plain text only: join continuation lines (starting with a space or tab, `at `,
    /// `Caused by:` or `...`, or, after a line that starts with a timestamp, any line without one, such
    /// as an exception's `java.lang.IllegalStateException: boom`) to the record before them, separated
    /// by `\n`, as one record.
    public var joinContinuationLines = true
    /// Default: the wall clock. Nanoseconds since the epoch used as the timestamp of lines that carry
    /// none, and as the reference that gives yearless timestamps (syslog) their year.
    public var now: @Sendable () -> Int64 = LineParserOptions.wallClock

    public init() {}

    /// The current time in nanoseconds since the epoch.
    public static let wallClock: @Sendable () -> Int64 = {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        return Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec)
    }
}

/// What a stream of lines held, for reports such as "timestamps detected in 98% of records".
public struct LineStatistics: Sendable, Hashable {
    /// Records produced.
    public var records = 0
    /// Records whose timestamp came from the input (the rest got the ingestion time).
    public var timestampsDetected = 0
    /// Records whose level came from the input (the rest got `info`).
    public var levelsDetected = 0
    /// Continuation lines joined into the record before them.
    public var joinedLines = 0
    /// Lines reported as errors.
    public var errors = 0

    public init() {}
}
