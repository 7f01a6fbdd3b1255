/// Settings every process that opens the store applies, persisted in `STORE/SETTINGS`
/// (docs/FORMAT.md, section 2).
import LogStoreFormat

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
    static let versionPrefix = "logstore-settings="
    /// The version this build writes: 2, with a closing checksum line (FORMAT.md 2).
    static let versionLine = "logstore-settings=2"
    static let checksumKey = "crc32c"

    func encode() -> String {
        var s = Self.versionLine + "\n"
        s += "retention_seconds=\(retentionSeconds)\n"
        s += "max_bytes=\(maxBytes)\n"
        s += "segment_span_seconds=\(segmentSpanSeconds)\n"
        for (k, v) in unknown { s += "\(k)=\(v)\n" }
        return s + Self.checksumKey + "=" + Self.hex8(CRC32C.checksum(Array(s.utf8))) + "\n"
    }

    private static func hex8(_ v: UInt32) -> String {
        let digits = String(v, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    static func decode(_ text: String, path: String) throws(LogStoreError) -> StoreSettings {
        var settings = StoreSettings()
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        guard let first = lines.first, first.hasPrefix(versionPrefix) else {
            throw .corruption("the settings file does not start with `logstore-settings=`", path: path, offset: 0)
        }
        let version = first.dropFirst(versionPrefix.count)
        guard version == "1" || version == "2" else {
            throw LogStoreError(.unsupportedVersion,
                                "settings version \(version) is not supported (this build reads versions 1 and 2); open it with a newer LogStore",
                                path: path, offset: 0)
        }
        var body = lines.dropFirst()
        if version == "2" {
            // The last line checksums every byte before it.
            let checked = text.utf8.count - (lines.last?.utf8.count ?? 0) - 1
            guard text.hasSuffix("\n"), let last = lines.last, lines.count >= 2, last.hasPrefix(checksumKey + "=") else {
                throw .corruption("the settings file does not end with its `crc32c=` line and a line end: it was cut short or extended",
                                  path: path, offset: max(0, checked))
            }
            // Exactly the line a writer writes (8 lowercase hex digits), so no other spelling passes.
            guard last == checksumKey + "=" + hex8(CRC32C.checksum(Array(text.utf8.prefix(checked)))) else {
                throw .corruption("settings checksum mismatch: the file was damaged; run `logstore verify`, then restore it or set the settings again",
                                  path: path, offset: checked)
            }
            body = body.dropLast()
        }
        var offset = first.utf8.count + 1
        for line in body {
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
            case checksumKey:
                // Only version 2 ends with a checksum (consumed above); anywhere else it is damage.
                throw .corruption("settings line `\(line)` is a checksum where a setting belongs", path: path, offset: offset)
            default: settings.unknown.append((key, value))
            }
        }
        return settings
    }
}
