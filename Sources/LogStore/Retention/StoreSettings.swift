/// Settings every process that opens the store applies, persisted in `STORE/SETTINGS`
/// (docs/FORMAT.md, section 2).
public struct StoreSettings: Sendable, Equatable {
    /// Records older than this are expired. Default 7 days.
    public var retentionSeconds: Int64 = 7 * 86_400
    /// Cap on the total size of segment files; 0 means none.
    public var maxBytes: Int64 = 0
    /// Time window one segment may cover. Default one hour.
    public var segmentSpanSeconds: Int64 = 3_600
    /// Keys this version does not know, kept when the file is rewritten.
    var unknown: [(String, String)] = []

    /// The defaults: 7 days, no size cap, one-hour segments.
    public init() {}

    /// Compares the known settings.
    public static func == (a: StoreSettings, b: StoreSettings) -> Bool {
        a.retentionSeconds == b.retentionSeconds && a.maxBytes == b.maxBytes && a.segmentSpanSeconds == b.segmentSpanSeconds
    }

    static let fileName = "SETTINGS"
    static let versionLine = "logstore-settings=1"

    func encode() -> String {
        var s = Self.versionLine + "\n"
        s += "retention_seconds=\(retentionSeconds)\n"
        s += "max_bytes=\(maxBytes)\n"
        s += "segment_span_seconds=\(segmentSpanSeconds)\n"
        for (k, v) in unknown { s += "\(k)=\(v)\n" }
        return s
    }

    static func decode(_ text: String, path: String) throws(LogStoreError) -> StoreSettings {
        var settings = StoreSettings()
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        guard let first = lines.first, first.hasPrefix("logstore-settings=") else {
            throw .corruption("the settings file does not start with `logstore-settings=`", path: path, offset: 0)
        }
        guard first == versionLine else {
            throw LogStoreError(.unsupportedVersion,
                                "settings version \(first.dropFirst("logstore-settings=".count)) is not supported (this build reads version 1); open it with a newer LogStore",
                                path: path, offset: 0)
        }
        var offset = first.utf8.count + 1
        for line in lines.dropFirst() {
            defer { offset += line.utf8.count + 1 }
            guard let eq = line.firstIndex(of: "=") else {
                throw .corruption("settings line `\(line)` has no `=`", path: path, offset: offset)
            }
            let key = String(line[..<eq])
            let value = String(line[line.index(after: eq)...])
            func number(_ min: Int64) throws(LogStoreError) -> Int64 {
                guard let v = Int64(value), v >= min else {
                    throw .corruption("setting \(key) has the invalid value `\(value)`", path: path, offset: offset)
                }
                return v
            }
            switch key {
            case "retention_seconds": settings.retentionSeconds = try number(1)
            case "max_bytes": settings.maxBytes = try number(0)
            case "segment_span_seconds": settings.segmentSpanSeconds = try number(1)
            default: settings.unknown.append((key, value))
            }
        }
        return settings
    }
}
