/// Recognises the format of an input from its first lines (`--format auto`).
///
/// Looks at the first ``sampleLines`` non-blank lines within ``sampleBytes`` and tries every format on
/// them: Docker json-file, CRI, NDJSON (any line that starts with `{`), Apache/nginx access log, Apache/nginx
/// error log, syslog and logfmt (lines that start with a `key=value` pair and hold at least two). The
/// format that fits most lines wins if it fits more than half of them, earlier in that list on a tie;
/// otherwise the input is NDJSON if any line starts with `{` (so a JSON file with many bad lines still
/// has them reported as NDJSON errors), else plain text.
public enum FormatDetector {
    /// Lines looked at.
    public static let sampleLines = 16
    /// Bytes looked at.
    public static let sampleBytes = 64 << 10

    /// The formats tried, in order of preference.
    static let candidates: [LineFormat] = [.docker, .cri, .ndjson, .access, .errorLog, .syslog, .logfmt]

    /// What the detector chose and on what evidence.
    public struct Detection: Sendable, Hashable {
        /// The format chosen (`.text` when none fits).
        public var format: LineFormat
        /// Lines of the sample that fit it (for text: lines in the sample).
        public var matched: Int
        /// Non-blank lines in the sample.
        public var lines: Int
    }

    /// The format of the input that starts with `sample` (up to ``sampleBytes`` of it are used; an
    /// unterminated last line counts only when `sample` is the whole input).
    public static func detect(_ sample: UnsafeRawBufferPointer, isWholeInput: Bool,
                              options: LineParserOptions = LineParserOptions()) -> Detection {
        var splitter = LineSplitter(maxLineBytes: options.maxRecordBytes)
        let used = UnsafeRawBufferPointer(rebasing: sample[0..<min(sample.count, sampleBytes)])
        // A line handed out is valid only during the call: keep copies.
        var copies: [[UInt8]] = []
        func take(_ piece: LineSplitter.Piece) {
            guard case .line(let line, _, _) = piece, !NDJSONParser.isBlank(line), copies.count < sampleLines else { return }
            copies.append(Array(line))
        }
        splitter.feed(used, take)
        if isWholeInput && sample.count <= sampleBytes { splitter.finish(take) }
        let now = options.now()
        var best = Detection(format: .text, matched: copies.count, lines: copies.count)
        var bestCount = 0
        for format in candidates {
            var count = 0
            for line in copies {
                let fits = line.withUnsafeBufferPointer { b -> Bool in
                    guard let p = b.baseAddress else { return false }
                    return Self.fits(format, p, count: b.count, options: options, now: now)
                }
                if fits { count += 1 }
            }
            if count > bestCount {
                bestCount = count
                best = Detection(format: format, matched: count, lines: copies.count)
            }
        }
        if bestCount * 2 <= copies.count {
            // NDJSON was the default before detection: a sample with any line that starts with '{' and
            // no format that fits most lines stays NDJSON, so its bad lines are reported as before.
            let json = copies.filter { $0.withUnsafeBufferPointer { b in b.baseAddress.map { fits(.ndjson, $0, count: b.count, options: options, now: now) } ?? false } }.count
            if json > 0 { return Detection(format: .ndjson, matched: json, lines: copies.count) }
            return Detection(format: .text, matched: copies.count, lines: copies.count)
        }
        return best
    }

    static func fits(_ format: LineFormat, _ p: UnsafePointer<UInt8>, count n: Int, options: LineParserOptions, now: Int64) -> Bool {
        guard UTF8Validation.firstInvalidOffset(p, count: n) == nil else { return false }
        switch format {
        case .docker:
            if case .success = ContainerLogParser(runtime: .docker, options: options).piece(p, count: n) { return true }
            return false
        case .cri:
            if case .success = ContainerLogParser(runtime: .cri, options: options).piece(p, count: n) { return true }
            return false
        case .ndjson:
            var i = 0
            while i < n, p[i] == 0x20 || p[i] == 0x09 { i += 1 }
            return i < n && p[i] == UInt8(ascii: "{")
        case .access:
            if case .record = AccessLogParser(options: options).parse(p, count: n, now: now) { return true }
            return false
        case .errorLog:
            if case .record = ErrorLogParser(options: options).parse(p, count: n, now: now) { return true }
            return false
        case .syslog:
            if case .record = SyslogParser(options: options).parse(p, count: n, now: now) { return true }
            return false
        case .logfmt:
            guard case .success(let pairs) = LogfmtScanner(p: p, n: n).pairs(), let first = pairs.first, first.value != nil else { return false }
            return pairs.filter { $0.value != nil }.count >= 2
        case .text, .pattern, .auto:
            return false
        }
    }
}
