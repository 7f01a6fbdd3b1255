import LogStore

/// What `by=` groups records by: `level`, `source` or `attr.KEY`.
enum GroupKey: Sendable {
    case level
    case source
    case attribute(String)

    init?(_ text: String) {
        switch text {
        case "level": self = .level
        case "source": self = .source
        default:
            guard text.hasPrefix("attr."), text.count > 5 else { return nil }
            self = .attribute(String(text.dropFirst(5)))
        }
    }

    /// The group of a record; `""` when the attribute is absent.
    func value(of record: LogRecord) -> String {
        switch self {
        case .level: record.level.name
        case .source: record.source
        case .attribute(let key): record.attribute(key)?.description ?? ""
        }
    }
}
