/// The severity of a record, ordered from least to most severe.
///
/// The raw value is the byte stored on disk (docs/FORMAT.md, "Levels") and must never change.
public enum LogLevel: UInt8, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    case trace = 0
    case debug = 1
    case info = 2
    case notice = 3
    case warning = 4
    case error = 5
    case critical = 6

    /// The canonical lowercase name (`"warning"`, `"error"`, …).
    public var name: String {
        switch self {
        case .trace: "trace"
        case .debug: "debug"
        case .info: "info"
        case .notice: "notice"
        case .warning: "warning"
        case .error: "error"
        case .critical: "critical"
        }
    }

    public var description: String { name }

    /// Parses a level name case-insensitively, accepting the usual aliases:
    /// `warn` → warning, `err` → error, `fatal`/`crit`/`panic`/`emerg`/`alert` → critical.
    /// Returns nil for anything else.
    public init?(name: some StringProtocol) {
        switch name.lowercased() {
        case "trace", "trc": self = .trace
        case "debug", "dbg": self = .debug
        case "info", "information", "informational", "inf": self = .info
        case "notice": self = .notice
        case "warning", "warn", "wrn": self = .warning
        case "error", "err", "eror": self = .error
        case "critical", "crit", "fatal", "panic", "emerg", "emergency", "alert": self = .critical
        default: return nil
        }
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Number of levels; level bytes on disk are always below this.
    public static let count = 7
}
