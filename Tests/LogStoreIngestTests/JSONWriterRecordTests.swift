import Foundation
import Testing
import LogStoreFormat
import LogStoreIngest

/// `JSONWriter.record`, the one JSON form of a record (CLI ndjson, export, the server's answers): for random
/// records with every escape, unicode and attribute type, the text is valid JSON and every field reads back
/// as stored.
struct JSONWriterRecordTests {
    @Test(arguments: [1, 2, 3] as [UInt64])
    func randomRecordsAreValidJSONAndReadBackExactly(seed: UInt64) throws {
        var random = RandomLine(rng: SeededRandom(seed: seed))
        for i in 0..<2_000 {
            var attributes: [Attribute] = []
            for k in 0..<random.rng.int(0...4) {
                let value: AttributeValue = switch random.rng.int(0...4) {
                case 0: .string(random.string())
                case 1: .int(random.rng.int64(Int64.min...Int64.max))
                case 2: .double(Double(random.rng.int(-1_000_000...1_000_000)) / 64)
                case 3: .double(random.rng.pick([Double.nan, .infinity, -.infinity]))
                default: .bool(random.rng.chance(2))
                }
                attributes.append(Attribute("k\(k)-" + random.string(max: 5), value))
            }
            let record = LogRecord(timestamp: random.rng.int64(0...4_102_444_800_000_000_000),
                                   level: random.rng.pick(LogLevel.allCases), source: random.string(),
                                   correlationID: random.rng.chance(3) ? nil : random.string(),
                                   message: random.string(max: 60), attributes: attributes, sequence: UInt64(i + 1))
            var writer = JSONWriter()
            writer.record(record)
            let parsed = try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? [String: Any]
            let object = try #require(parsed, "not a JSON object: \(writer.text)")
            #expect(object["seq"] as? Int == Int(record.sequence))
            #expect((object["timestamp_ns"] as? NSNumber)?.int64Value == record.timestamp)
            #expect(object["timestamp"] as? String == TimestampParser.formatRFC3339(record.timestamp))
            #expect(object["level"] as? String == record.level.name)
            #expect(object["source"] as? String == record.source)
            if let id = record.correlationID { #expect(object["correlation_id"] as? String == id) } else { #expect(object["correlation_id"] is NSNull) }
            #expect(object["message"] as? String == record.message)
            let attrs = try #require(object["attributes"] as? [String: Any])
            for a in record.attributes {
                let got = attrs[a.key]
                switch a.value {
                case .string(let s): #expect(got as? String == s)
                case .int(let n): #expect((got as? NSNumber)?.int64Value == n)
                case .double(let d) where d.isNaN: #expect(got as? String == "NaN")
                case .double(let d) where d.isInfinite: #expect(got as? String == (d < 0 ? "-Infinity" : "Infinity"))
                case .double(let d): #expect((got as? NSNumber)?.doubleValue == d)
                case .bool(let b): #expect((got as? NSNumber)?.boolValue == b)
                }
            }
        }
    }
}
