import LogStoreFormat

/// Parses container runtime log lines into pieces of messages; ``PartialLineJoiner`` joins the pieces
/// of one message and ``record(_:)`` makes the record.
///
/// - Docker json-file: `{"log":"text\n","stream":"stdout","time":"2024-01-02T03:04:05.123456789Z"}`. Docker
///   splits messages longer than 16 KiB into lines whose `log` lacks the final `\n`: such a piece is
///   joined with the ones after it up to the one that ends with `\n`. Other members (`attrs`) become
///   attributes as in NDJSON (`attrs.tag`).
/// - CRI (containerd, CRI-O; every Kubernetes node): `2024-01-02T03:04:05.123456789Z stdout F text`,
///   where `P` marks a partial piece joined with the following pieces up to the next `F`.
///
/// Records: timestamp of the first piece; attribute `stream` (`stdout`/`stderr`); the Kubernetes
/// metadata of ``LineParserOptions/path`` (``KubernetesPath``), whose container name is then the source;
/// message: the joined text without its line end. A message that is a JSON object is mapped like an
/// NDJSON line (its level, message, source and other members); otherwise the level is detected in the
/// text as in the text format.
struct ContainerLogParser {
    enum Runtime { case docker, cri }

    /// One line of a container log: a piece of a message.
    struct Piece: Equatable {
        var timestamp: Int64
        var stream: String
        var text: String
        /// Whether the piece ends its message (CRI `F`; Docker `log` ending with `\n`).
        var final: Bool
        var attributes: [Attribute]
    }

    let runtime: Runtime
    let options: LineParserOptions
    let kubernetes: KubernetesPath?

    init(runtime: Runtime, options: LineParserOptions) {
        self.runtime = runtime
        self.options = options
        kubernetes = options.path.flatMap { KubernetesPath(path: $0) }
    }

    func piece(_ p: UnsafePointer<UInt8>, count n: Int) -> Result<Piece, FormatMismatch> {
        runtime == .docker ? docker(p, count: n) : cri(p, count: n)
    }

    private func cri(_ p: UnsafePointer<UInt8>, count n: Int) -> Result<Piece, FormatMismatch> {
        var c = ByteCursor(p, count: n)
        let time = c.takeToken()
        guard let timestamp = TimestampParser.parseRFC3339(p + time.lowerBound, count: time.count) else {
            return .failure(FormatMismatch("no RFC 3339 time at the start of the CRI line"))
        }
        guard c.expect(0x20) else { return .failure(FormatMismatch("CRI line cut short")) }
        let stream = c.takeToken()
        guard !stream.isEmpty, c.expect(0x20) else { return .failure(FormatMismatch("CRI line cut short")) }
        let tag = c.takeToken()
        guard !tag.isEmpty, p[tag.lowerBound] == UInt8(ascii: "P") || p[tag.lowerBound] == UInt8(ascii: "F") else {
            return .failure(FormatMismatch("CRI tag is not P or F"))
        }
        if c.current == 0x20 { c.i += 1 }
        return .success(Piece(timestamp: timestamp, stream: c.string(stream), text: c.string(c.takeRest()),
                              final: p[tag.lowerBound] == UInt8(ascii: "F"), attributes: []))
    }

    private func docker(_ p: UnsafePointer<UInt8>, count n: Int) -> Result<Piece, FormatMismatch> {
        guard n > 0, p[0] == UInt8(ascii: "{") else { return .failure(FormatMismatch("not a Docker JSON line")) }
        if let piece = Self.dockerThreeKeys(p, count: n) { return .success(piece) }
        return dockerJSON(p, count: n)
    }

    /// A Docker line of any shape, through the full NDJSON parse.
    func dockerJSON(_ p: UnsafePointer<UInt8>, count n: Int) -> Result<Piece, FormatMismatch> {
        let parser = NDJSONParser(options: .init(maxRecordBytes: options.maxRecordBytes))
        guard case .success(let record) = parser.parseLine(UnsafeRawBufferPointer(start: p, count: n), lineNumber: 0) else {
            return .failure(FormatMismatch("not a Docker JSON line"))
        }
        var text: String?
        var stream = ""
        var rest: [Attribute] = []
        for attribute in record.attributes {
            switch (attribute.key, attribute.value) {
            case ("log", .string(let s)) where text == nil: text = s
            case ("stream", .string(let s)) where stream.isEmpty: stream = s
            default: rest.append(attribute)
            }
        }
        guard let text else { return .failure(FormatMismatch("Docker JSON line without \"log\"")) }
        return .success(Piece(timestamp: record.timestamp, stream: stream, text: text, final: text.hasSuffix("\n"),
                              attributes: rest))
    }

    /// The line as Docker's json-file driver writes it, `{"log":"…","stream":"…","time":"…"}` and nothing
    /// else, read in one scan of its three keys: the piece the full NDJSON parse (``dockerJSON(_:count:)``)
    /// gives for it. Nil for any other shape (other members, spaces, another order, a time that does not
    /// parse), which the full parse then reads.
    static func dockerThreeKeys(_ p: UnsafePointer<UInt8>, count n: Int) -> Piece? {
        var scanner = JSONScanner(base: p, count: n, maxDepth: 1)
        func literal(_ text: StaticString) -> Bool {
            let m = text.utf8CodeUnitCount
            guard scanner.pos + m <= n else { return false }
            let q = text.utf8Start
            for k in 0..<m where p[scanner.pos + k] != q[k] { return false }
            scanner.pos += m
            return true
        }
        guard literal(#"{"log":"#), scanner.current == UInt8(ascii: "\""), let log = try? scanner.scanString(),
              literal(#","stream":"#), scanner.current == UInt8(ascii: "\""), let stream = try? scanner.scanString(),
              literal(#","time":"#), scanner.current == UInt8(ascii: "\""), let time = try? scanner.scanString(),
              !time.hasEscapes, literal("}"), scanner.pos == n,
              let timestamp = TimestampParser.parseTimestamp(p + time.start, count: time.end - time.start)
        else { return nil }
        var scratch: [UInt8] = []
        let text = scanner.string(log, scratch: &scratch)
        return Piece(timestamp: timestamp, stream: scanner.string(stream, scratch: &scratch), text: text,
                     final: text.hasSuffix("\n"), attributes: [])
    }

    /// The record of a joined message whose first piece is `first` (its text the joined text).
    func record(_ first: Piece) -> TextLineParser.Parsed {
        var message = first.text
        if message.hasSuffix("\n") { message.removeLast() }   // "\r\n" is one Character: removed whole
        var attributes: [Attribute] = []
        if !first.stream.isEmpty { attributes.append(Attribute("stream", .string(first.stream))) }
        attributes += first.attributes
        if let kubernetes { attributes += kubernetes.attributes }
        let source = kubernetes?.container ?? options.source
        if let embedded = EmbeddedJSON.parse(message, fallbackTimestamp: first.timestamp) {
            var record = embedded.record
            if !embedded.hadSource { record.source = source }
            record.attributes = attributes + record.attributes
            return .init(record, timestamp: true, level: embedded.hadLevel)
        }
        let level = message.utf8.withContiguousStorageIfAvailable { b in
            b.baseAddress.flatMap { TextLevel.detect($0, count: b.count, from: 0) }
        } ?? nil
        let record = LogRecord(timestamp: first.timestamp, level: level ?? .info, source: source, correlationID: nil,
                               message: message, attributes: attributes)
        return .init(record, timestamp: true, level: level != nil)
    }
}

/// Why a line does not fit its format (the counter key of ``LineStatistics/unmatched``).
struct FormatMismatch: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
