import Testing
import LogStoreFormat
import LogStoreIngest

/// Builds random records together with a JSON rendering of them that exercises escapes, key aliases,
/// timestamp forms, level spellings, nesting, arrays and whitespace.
struct RandomLine {
    var rng: SeededRandom

    static let pieces: [Unicode.Scalar] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\r", "\u{0}", "\u{1F}",
                                           "\u{7F}", "é", "ß", "中", "\u{2028}", "\u{FFFF}", "😀", "\u{10FFFF}", "{", "}", ":", ","]
    static let mapped: Set<String> = ["timestamp", "ts", "time", "@timestamp", "level", "log_level", "severity", "lvl",
                                      "source", "worker_name", "service", "logger", "correlation_id", "correlationId",
                                      "trace_id", "message", "msg"]

    mutating func string(max: Int = 20) -> String {
        var s = String.UnicodeScalarView()
        for _ in 0..<rng.int(0...max) {
            if rng.chance(3) {
                s.append(rng.pick(Self.pieces))
            } else {
                s.append(Unicode.Scalar(UInt8(rng.int(0x20...0x7E))))
            }
        }
        return String(s)
    }

    mutating func ws() -> String { rng.pick(["", "", "", " ", "\t", "  "]) }

    /// JSON text of `s`, escaping what must be escaped and randomly escaping the rest.
    mutating func quoted(_ s: String) -> String {
        var out = "\""
        let escapeSome = rng.chance(2)   // half the strings take the unescaped fast path
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "/" where rng.chance(2): out += "\\/"
            case "\n" where rng.chance(2): out += "\\n"
            case "\t" where rng.chance(2): out += "\\t"
            case "\r" where rng.chance(2): out += "\\r"
            case "\u{8}": out += "\\b"
            case "\u{C}": out += "\\f"
            default:
                if scalar.value < 0x20 || (escapeSome && rng.chance(6)) {
                    out += escape(scalar)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    mutating func escape(_ scalar: Unicode.Scalar) -> String {
        func hex(_ v: UInt32, _ upper: Bool) -> String {
            let h = String(v, radix: 16, uppercase: upper)
            return "\\u" + String(repeating: "0", count: 4 - h.count) + h
        }
        let upper = rng.chance(2)
        if scalar.value < 0x10000 { return hex(scalar.value, upper) }
        let v = scalar.value - 0x10000
        return hex(0xD800 + (v >> 10), upper) + hex(0xDC00 + (v & 0x3FF), upper)
    }

    mutating func key() -> String {
        while true {
            let k = rng.chance(2) ? rng.pick(["method", "path", "status", "latency_ms", "request_id", "Level", "é", "a b"]) : string(max: 8)
            if !Self.mapped.contains(k) { return k }
        }
    }

    mutating func double() -> Double {
        switch rng.int(0...3) {
        case 0: return Double(rng.int(-100_000...100_000)) / 100
        case 1: return Double(rng.int(-1000...1000)) // rendered as "12.0"
        case 2: return Double.random(in: -1e300...1e300, using: &rng)
        default:
            while true {
                let d = Double(bitPattern: rng.next())
                if d.isFinite { return d }
            }
        }
    }

    /// Members for one attribute slot (maybe a nested group), with the attributes they should produce.
    mutating func attributeMembers(prefix: String, depth: Int) -> (json: String, expected: [Attribute]) {
        let k = key()
        let full = prefix + k
        switch rng.int(0...9) {
        case 0, 1: let s = string(); return ("\(quoted(k))\(ws()):\(ws())\(quoted(s))", [Attribute(full, .string(s))])
        case 2:
            let v = rng.chance(4) ? rng.int64(Int64.min...Int64.max) : Int64(rng.int(-1000...100_000))
            return ("\(quoted(k)):\(v)", [Attribute(full, .int(v))])
        case 3: let d = double(); return ("\(quoted(k)):\(d)", [Attribute(full, .double(d))])
        case 4: let b = rng.chance(2); return ("\(quoted(k)):\(b)", [Attribute(full, .bool(b))])
        case 5: return ("\(quoted(k)):null", [])
        case 6:
            let items = (0..<rng.int(0...3)).map { _ in rng.pick(["1", "\"x\"", "true", "null", "[2,3]", "{\"a\":-1.5}", "\"\\u00e9\""]) }
            let text = "[" + items.joined(separator: rng.pick([",", ", "])) + "]"
            return ("\(quoted(k)):\(text)", [Attribute(full, .string(text))])
        default:
            guard depth < 5 else { return ("\(quoted(k)):7", [Attribute(full, .int(7))]) }
            var members: [String] = []
            var expected: [Attribute] = []
            for _ in 0..<rng.int(0...3) {
                let member = attributeMembers(prefix: full + ".", depth: depth + 1)
                members.append(member.json)
                expected += member.expected
            }
            return ("\(quoted(k)):{\(ws())\(members.joined(separator: ",\(ws())"))\(ws())}", expected)
        }
    }

    mutating func timestamp() -> (ns: Int64, json: String) {
        var ns = rng.int64(100_000_000_000_000_000...9_000_000_000_000_000_000)
        switch rng.int(0...6) {
        case 0: return (ns, quoted(TimestampParser.formatRFC3339(ns)))
        case 1:
            let minutes = rng.int(-720...840)
            let local = TimestampParser.formatRFC3339(ns + Int64(minutes) * 60_000_000_000).dropLast()
            let h = abs(minutes) / 60, m = abs(minutes) % 60
            let zone = (minutes < 0 ? "-" : "+") + (h < 10 ? "0\(h)" : "\(h)") + ":" + (m < 10 ? "0\(m)" : "\(m)")
            return (ns, "\"\(local)\(zone)\"")
        case 2: return (ns, "\(ns)")
        case 3: return (ns, "\"\(ns)\"")
        case 4:
            let fraction = String(ns % 1_000_000_000)
            return (ns, "\(ns / 1_000_000_000).\(String(repeating: "0", count: 9 - fraction.count))\(fraction)")
        case 5:
            ns -= ns % 1_000_000
            return (ns, "\(ns / 1_000_000)")
        default:
            ns -= ns % 1_000_000_000
            return (ns, "\"\(ns / 1_000_000_000)\"")
        }
    }

    mutating func level() -> (LogLevel, String) {
        let level = rng.pick(LogLevel.allCases)
        let syslog: [LogLevel: [Int]] = [.critical: [0, 1, 2], .error: [3], .warning: [4], .notice: [5], .info: [6], .debug: [7]]
        if let numbers = syslog[level], rng.chance(4) { return (level, "\(rng.pick(numbers))") }
        var name = rng.chance(3) ? level.name.uppercased() : level.name
        if level == .warning && rng.chance(2) { name = "warn" }
        return (level, quoted(name))
    }

    mutating func next() -> (record: LogRecord, json: String) {
        var members: [String] = []
        var attributes: [Attribute] = []
        for _ in 0..<rng.int(0...8) {
            let member = attributeMembers(prefix: "", depth: 1)
            members.append(member.json)
            attributes += member.expected
        }
        var mapped: [String] = []
        let ts = timestamp()
        mapped.append("\(quoted(rng.pick(["timestamp", "ts", "time", "@timestamp"]))):\(ws())\(ts.json)")
        var level = LogLevel.info
        if !rng.chance(5) {
            let l = self.level()
            level = l.0
            mapped.append("\(quoted(rng.pick(["level", "log_level", "severity", "lvl"]))):\(l.1)")
        }
        let source = rng.chance(5) ? "" : string()
        if !source.isEmpty || rng.chance(2) {
            mapped.append("\(quoted(rng.pick(["source", "worker_name", "service", "logger"]))):\(quoted(source))")
        }
        var correlation: String? = nil
        if rng.chance(2) {
            var id = string(max: 80)
            while id.utf8.count > 255 { id.unicodeScalars.removeLast() }
            correlation = id.isEmpty ? nil : id
            mapped.append("\(quoted(rng.pick(["correlation_id", "correlationId", "trace_id"]))):\(quoted(id))")
        } else if rng.chance(4) {
            mapped.append("\"trace_id\":null")
        }
        let message = string(max: 60)
        if !message.isEmpty || rng.chance(2) {
            mapped.append("\(quoted(rng.pick(["message", "msg"]))):\(quoted(message))")
        }
        // Mapped members go anywhere among the attribute members; attribute order is unaffected.
        for member in mapped {
            members.insert(member, at: rng.int(0...members.count))
        }
        let json = ws() + "{" + ws() + members.joined(separator: ws() + "," + ws()) + ws() + "}" + ws()
        let record = LogRecord(timestamp: ts.ns, level: level, source: source, correlationID: correlation,
                               message: message, attributes: attributes)
        return (record, json)
    }
}

@Suite("NDJSON round trips")
struct NDJSONRoundTripTests {
    @Test(arguments: [UInt64(1), 2, 3, 0xDEAD_BEEF])
    func randomRecordsParseBack(seed: UInt64) throws {
        var generator = RandomLine(rng: SeededRandom(seed: seed))
        var failures: [String] = []
        for _ in 0..<1500 {
            let (expected, json) = generator.next()
            switch parse(json) {
            case .success(let r) where r.isIdentical(to: expected): break
            case .success(let r): failures.append("\(json)\n  expected \(expected)\n  got      \(r)")
            case .failure(let e): failures.append("\(json)\n  error \(e)")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) failures, first: \(failures.first ?? "")")
    }

    @Test func randomDocumentsThroughChunksAndStreams() throws {
        var generator = RandomLine(rng: SeededRandom(seed: 2026))
        var expected: [LogRecord] = []
        var text = ""
        for i in 0..<800 {
            let (record, json) = generator.next()
            expected.append(record)
            text += json + (i % 3 == 0 ? "\r\n" : "\n")
            if i % 17 == 0 { text += "\n" }
        }
        let chunk = parseChunk(text)
        #expect(chunk.errors.isEmpty)
        #expect(chunk.records.count == expected.count)
        #expect(zip(chunk.records, expected).allSatisfy { $0.isIdentical(to: $1) })

        let bytes = Array(text.utf8)
        var rng = SeededRandom(seed: 5)
        var stream = NDJSONStream()
        var records: [LogRecord] = []
        var errors: [LineError] = []
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + rng.int(1...4000))
            bytes[start..<end].withUnsafeBytes { stream.feed($0, into: &records, errors: &errors) }
            start = end
        }
        stream.finish(into: &records, errors: &errors)
        #expect(errors.isEmpty)
        #expect(records.count == expected.count)
        #expect(zip(records, expected).allSatisfy { $0.isIdentical(to: $1) })
        #expect(stream.nextLineNumber == chunk.lines + 1)
    }
}
