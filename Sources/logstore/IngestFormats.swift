import ArgumentParser
import LogStoreIngest
import Glibc

/// `--file-format 'GLOB=FORMAT'`: the format of the files whose path (as given, or its last component)
/// matches the glob. The first matching rule wins; other files take `--format`.
struct FileFormatRule: Sendable {
    var glob: String
    var format: LineFormat

    init(_ text: String) throws {
        guard let eq = text.lastIndex(of: "="), eq != text.startIndex else {
            throw ValidationError("--file-format '\(text)': expected GLOB=FORMAT, like '*access*.log=access'")
        }
        let name = String(text[text.index(after: eq)...])
        guard let format = LineFormat(rawValue: name) else {
            throw ValidationError("--file-format '\(text)': '\(name)' is not a format (\(LineFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        glob = String(text[..<eq])
        self.format = format
    }

    func matches(_ path: String) -> Bool {
        if fnmatch(glob, path, 0) == 0 { return true }
        let base = path.split(separator: "/").last.map(String.init) ?? path
        return fnmatch(glob, base, 0) == 0
    }
}

/// The formats of `ingest`: `--format`, `--file-format`, `--pattern` and `--timestamp-layout`, checked.
struct IngestFormats: Sendable {
    var format: LineFormat
    var rules: [FileFormatRule]
    var pattern: LinePattern?

    init(format: LineFormat, rules: [String], pattern: String?, timestampLayout: String?) throws {
        self.format = format
        self.rules = try rules.map(FileFormatRule.init)
        if let pattern {
            do {
                self.pattern = try LinePattern(pattern, timestampLayout: timestampLayout)
            } catch {
                throw ValidationError(error.description)
            }
        } else if timestampLayout != nil {
            throw ValidationError("--timestamp-layout applies to --pattern's timestamp capture: give --pattern too")
        }
        if self.pattern == nil, format == .pattern || self.rules.contains(where: { $0.format == .pattern }) {
            throw ValidationError("--format pattern needs --pattern 'REGEX' with named captures such as (?<message>.*)")
        }
    }

    /// The format of `path`.
    func format(of path: String) -> LineFormat {
        rules.first { $0.matches(path) }?.format ?? format
    }
}

/// The modification time of an open file in nanoseconds since the epoch (the year of year-less syslog
/// times), or nil.
func modificationTime(_ fd: Int32) -> Int64? {
    var st = stat()
    guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
    return Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
}

extension LineStatistics {
    /// `12 kept as text (not an access log line: 10, bad [time] in access log line: 2)`, or nil when none.
    var keptAsTextSummary: String? {
        guard unmatchedTotal > 0 else { return nil }
        let reasons = unmatched.sorted { $0.value == $1.value ? $0.key < $1.key : $0.value > $1.value }
        return "\(unmatchedTotal) kept as text (" + reasons.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + ")"
    }
}

extension LineStatistics {
    /// Adds another input's counts (the detection is not merged).
    mutating func add(_ other: LineStatistics) {
        records += other.records
        timestampsDetected += other.timestampsDetected
        levelsDetected += other.levelsDetected
        joinedLines += other.joinedLines
        errors += other.errors
        joinedPieces += other.joinedPieces
        cutMessages += other.cutMessages
        for (reason, count) in other.unmatched { unmatched[reason, default: 0] += count }
    }
}
