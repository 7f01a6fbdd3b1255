import Foundation
import Testing
import LogStore
import LogStoreProtocols
import SwiftProtobuf
@testable import LogStoreForward

/// The exporter's mapping (record → OTLP) against the server's (OTLP → record), property-style: for
/// random records, what `logstore serve` stores is the record itself plus what docs/FORWARDING.md 8
/// says does not round-trip (the key attribute, a non-hex correlation ID as an attribute, notice as info).
struct OTLPMappingRoundTripTests {
    static let receiveTime: Int64 = 1_800_000_000_000_000_000

    @Test func randomRecordsComeBackAsTheDocumentedMappingSays() throws {
        var rng = SeededRandom(seed: 0x5EED_0715)
        for round in 0..<200 {
            let records = (0..<Int.random(in: 1...40, using: &rng)).map { i in Self.randomRecord(sequence: UInt64(round * 100 + i + 1), using: &rng) }
            let request = OTLPLogMapper.request(records[...], storeID: "host:/var/logs")
            // What the exporter sends: written straight from the records, the bytes swift-protobuf writes
            // for the mapped message.
            var bytes: [UInt8] = []
            var encoder = OTLPProtobufEncoder()
            encoder.request(records[...], storeID: "host:/var/logs", into: &bytes)
            #expect(bytes == (try request.serializedBytes() as [UInt8]), "round \(round): the direct encoding differs")
            let decoded = try OTLPLogsDecoder.decodeProtobuf(bytes, receiveTime: Self.receiveTime)
            #expect(decoded.rejected.isEmpty, "round \(round): \(decoded.rejected)")
            try #require(decoded.records.count == records.count)
            for (original, stored) in zip(records, decoded.records) {
                let expected = Self.expected(original, storeID: "host:/var/logs")
                #expect(stored.timestamp == expected.timestamp && stored.level == expected.level && stored.source == expected.source
                        && stored.correlationID == expected.correlationID && stored.message == expected.message
                        && stored.attributes == expected.attributes,
                        "round \(round): \(original) came back as \(stored), expected \(expected)")
            }
            // The row path, which the server stores, carries each record's idempotency key.
            let rows = try OTLPLogsDecoder.decodeProtobufRows(bytes, receiveTime: Self.receiveTime)
            #expect(rows.rows.keys.map(\.row) == Array(0..<records.count))
            #expect(rows.rows.keys.map(\.key.description) == records.map { "host:/var/logs/\($0.sequence)" })
        }
    }

    @Test func exactWhereTheMappingIsExact() throws {
        let record = LogRecord(timestamp: 1_765_080_000_123_456_789, level: .warning, source: "api",
                               correlationID: "5b8efff798038103d269b633813fc60c", message: "GET /orders failed",
                               attributes: [Attribute("status", .int(503)), Attribute("ratio", .double(0.25)), Attribute("ok", .bool(false)),
                                            Attribute("path", .string("/orders"))])
        let request = OTLPLogMapper.request([record][...], storeID: "s")
        let out = request.resourceLogs[0].scopeLogs[0].logRecords[0]
        #expect(out.severityNumber == .warn && out.severityText.isEmpty)
        #expect(out.traceID == Data([0x5b, 0x8e, 0xff, 0xf7, 0x98, 0x03, 0x81, 0x03, 0xd2, 0x69, 0xb6, 0x33, 0x81, 0x3f, 0xc6, 0x0c]))
        #expect(request.resourceLogs[0].resource.attributes.map(\.key) == ["service.name"])
        let stored = try OTLPLogsDecoder.decodeProtobuf(try request.serializedBytes(), receiveTime: 0).records[0]
        #expect(stored.correlationID == record.correlationID && stored.level == .warning && stored.timestamp == record.timestamp)
        #expect(stored.attributes == record.attributes + [Attribute("logstore.idempotency_key", .string("s/0"))])
    }

    /// OTLP/JSON bodies with the key attribute are read through the messages, which honour it.
    @Test func jsonBodiesCarryTheKeyToo() throws {
        let body = Array(#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"hi"},"attributes":[{"key":"logstore.idempotency_key","value":{"stringValue":"s/1"}}]},{"body":{"stringValue":"no key"}}]}]}]}"#.utf8)
        let decoded = try OTLPLogsDecoder.decodeJSONRows(body, receiveTime: Self.receiveTime)
        #expect(decoded.rows.count == 2)
        #expect(decoded.rows.keys.map(\.row) == [0] && decoded.rows.keys.map(\.key.description) == ["s/1"])
    }

    @Test func runsOfOneSourceShareAResourceAndKeepTheirOrder() {
        let records = ["a", "a", "b", "a"].enumerated().map { LogRecord(timestamp: 1, level: .info, source: $0.element, message: "\($0.offset)") }
        let request = OTLPLogMapper.request(records[...], storeID: "s")
        #expect(request.resourceLogs.map { $0.scopeLogs[0].logRecords.count } == [2, 1, 1])
        #expect(request.resourceLogs.flatMap { $0.scopeLogs[0].logRecords.map(\.body.stringValue) } == ["0", "1", "2", "3"])
    }

    @Test func longStoreIDsMakeKeysWithinTheLimit() {
        let key = OTLPLogMapper.idempotencyKey(storeID: String(repeating: "x", count: 256), sequence: UInt64.max)
        #expect(key.utf8.count <= IdempotencyKey.maxBytes && key.hasPrefix("#") && key.hasSuffix("/\(UInt64.max)"))
        #expect(OTLPLogMapper.idempotencyKey(storeID: "h:/p", sequence: 7) == "h:/p/7")
    }

    /// What the server stores for `record` (docs/FORWARDING.md 8).
    static func expected(_ record: LogRecord, storeID: String) -> LogRecord {
        var attributes = record.attributes
        var correlationID = record.correlationID
        if let id = correlationID, !id.isEmpty, OTLPLogMapper.traceID(id) == nil {
            attributes.append(Attribute("correlation_id", .string(id)))
            correlationID = nil
        }
        if correlationID?.isEmpty == true { correlationID = nil }
        attributes.append(Attribute("logstore.idempotency_key", .string("\(storeID)/\(record.sequence)")))
        if record.level == .notice { attributes.append(Attribute("severity_text", .string("NOTICE"))) }
        return LogRecord(timestamp: record.timestamp > 0 ? record.timestamp : receiveTime, level: record.level == .notice ? .info : record.level,
                         source: record.source, correlationID: correlationID, message: record.message, attributes: attributes)
    }

    static func randomRecord(sequence: UInt64, using rng: inout SeededRandom) -> LogRecord {
        let texts = ["", "a", "api", "ünïcode ✓", "line\nbreak", "tab\there", "\"quoted\"", String(repeating: "z", count: 300)]
        let ids: [String?] = [nil, "", "req-42", String(repeating: "0", count: 32), "5b8efff798038103d269b633813fc60c",
                              "5B8EFFF798038103D269B633813FC60C", "5b8efff798038103d269b633813fc60", UUID().uuidString.lowercased()]
        var attributes: [Attribute] = []
        for k in 0..<Int.random(in: 0...5, using: &rng) {
            let value: AttributeValue
            switch Int.random(in: 0...3, using: &rng) {
            case 0: value = .string(texts.randomElement(using: &rng)!)
            case 1: value = .int(Int64.random(in: Int64.min...Int64.max, using: &rng))
            case 2: value = .double([0.5, -1e300, 3.141592653589793, 0, .infinity].randomElement(using: &rng)!)
            default: value = .bool(Bool.random(using: &rng))
            }
            attributes.append(Attribute(["k\(k)", "span_id", "severity_text", "user.id"].randomElement(using: &rng)!, value))
        }
        let timestamp = [Int64.random(in: 1...4_000_000_000_000_000_000, using: &rng), 0, -5].randomElement(using: &rng)!
        var record = LogRecord(timestamp: timestamp, level: LogLevel.allCases.randomElement(using: &rng)!,
                               source: texts.randomElement(using: &rng)!, correlationID: ids.randomElement(using: &rng)!,
                               message: texts.randomElement(using: &rng)!, attributes: attributes)
        record.sequence = sequence
        return record
    }
}
