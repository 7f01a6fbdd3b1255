#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LogStore
import LogStoreFormat

/// Settings shared by the line parsers (``LineRecordStream``, ``LogfmtParser``, ``TextLineParser`` and the
/// formats of ``LineFormat``).
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

    /// Default nil. The path of the file read: the `docker` and `cri` formats take Kubernetes metadata
    /// from kubelet log paths (``KubernetesPath``).
    public var path: String?
    /// Default nil. The pattern of the `pattern` format (required by it; ignored by the others).
    public var pattern: LinePattern?
    /// Default nil (then ``now``). Nanoseconds since the epoch that give year-less timestamps (RFC 3164
    /// syslog, layouts without `%Y`) their year: typically the file's modification time, so that a
    /// December line read in January gets the year before.
    public var yearReference: Int64?

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
    /// Lines that did not fit the format, kept as plain-text records, counted per reason (the access,
    /// error-log, syslog, docker, cri and pattern formats).
    public var unmatched: [String: Int] = [:]
    /// Container log pieces (CRI `P`, Docker lines split at 16 KiB) joined into the record before them.
    public var joinedPieces = 0
    /// Container messages stored in pieces: cut at the size limit, or never completed by the end of input
    /// (those carry the attribute `partial` = true).
    public var cutMessages = 0
    /// What `auto` chose (nil for other formats, and until the first lines are in).
    public var detection: FormatDetector.Detection?

    /// Lines kept as plain text, all reasons together.
    public var unmatchedTotal: Int { unmatched.values.reduce(0, +) }

    public init() {}
}
