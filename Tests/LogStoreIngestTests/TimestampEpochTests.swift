import Testing
@testable import LogStoreIngest

@Suite("Epoch numbers and timestamp strings")
struct TimestampEpochTests {
    @Test(arguments: [
        (Int64(1_795_377_753), referenceNanos),                         // seconds
        (1_795_377_753_123, referenceNanos + 123_000_000),              // milliseconds
        (1_795_377_753_123_456, referenceNanos + 123_456_000),          // microseconds
        (1_795_377_753_123_456_789, referenceNanos + 123_456_789),      // nanoseconds
        (0, 0), (1, 1_000_000_000), (-1, -1_000_000_000),
        (-1_795_377_753_123, -(referenceNanos + 123_000_000)),
    ] as [(Int64, Int64)])
    func integerMagnitudes(value: Int64, nanos: Int64) {
        #expect(TimestampParser.epochToNanoseconds(value) == nanos)
    }

    @Test func integerUnitBoundaries() {
        // Just below 1e11 is seconds (and overflows), 1e11 is milliseconds.
        #expect(TimestampParser.epochToNanoseconds(Int64(99_999_999_999)) == nil)
        #expect(TimestampParser.epochToNanoseconds(Int64(9_223_372_036)) == 9_223_372_036_000_000_000)
        #expect(TimestampParser.epochToNanoseconds(Int64(100_000_000_000)) == 100_000_000_000_000_000)
        #expect(TimestampParser.epochToNanoseconds(Int64(100_000_000_000_000)) == 100_000_000_000_000_000)
        #expect(TimestampParser.epochToNanoseconds(Int64(99_999_999_999_999_999)) == nil)   // µs that overflow
        #expect(TimestampParser.epochToNanoseconds(Int64(9_000_000_000_000_000)) == 9_000_000_000_000_000_000)
        #expect(TimestampParser.epochToNanoseconds(Int64(100_000_000_000_000_000)) == 100_000_000_000_000_000)
        #expect(TimestampParser.epochToNanoseconds(Int64.max) == Int64.max)
        #expect(TimestampParser.epochToNanoseconds(Int64.min) == Int64.min)   // no trap on |Int64.min|
        #expect(TimestampParser.epochToNanoseconds(Int64(-100_000_000_000)) == -100_000_000_000_000_000)
    }

    @Test func integersKeepFullPrecision() {
        // 2^53 + 1 nanoseconds would be rounded by a trip through Double.
        let odd: Int64 = 1_795_377_753_123_456_789
        #expect(TimestampParser.epochToNanoseconds(odd) == odd)
        #expect(TimestampParser.epochToNanoseconds(Int64(9_007_199_254_740_993) * 100) == 900_719_925_474_099_300)
    }

    @Test func doubles() {
        #expect(TimestampParser.epochToNanoseconds(1_795_377_753.5) == referenceNanos + 500_000_000)
        #expect(TimestampParser.epochToNanoseconds(1_795_377_753_123.25) == referenceNanos + 123_250_000)
        #expect(TimestampParser.epochToNanoseconds(1_795_377_753_123_456.0) == referenceNanos + 123_456_000)
        #expect(TimestampParser.epochToNanoseconds(-0.5) == -500_000_000)
        #expect(TimestampParser.epochToNanoseconds(0.001) == 1_000_000)
        #expect(TimestampParser.epochToNanoseconds(Double.nan) == nil)
        #expect(TimestampParser.epochToNanoseconds(Double.infinity) == nil)
        #expect(TimestampParser.epochToNanoseconds(-Double.infinity) == nil)
        #expect(TimestampParser.epochToNanoseconds(1e30) == nil)
        #expect(TimestampParser.epochToNanoseconds(9.3e9) == nil)   // seconds that overflow Int64 nanoseconds
    }

    @Test(arguments: [
        ("1795377753", referenceNanos),
        ("1795377753.123456789", referenceNanos + 123_456_789),
        ("1795377753.1234567899", referenceNanos + 123_456_789),   // truncated below a nanosecond
        ("1795377753.5", referenceNanos + 500_000_000),
        ("1795377753123", referenceNanos + 123_000_000),
        ("1795377753123.456", referenceNanos + 123_456_000),
        ("1795377753123456", referenceNanos + 123_456_000),
        ("1795377753123456789", referenceNanos + 123_456_789),
        ("-1.5", -1_500_000_000),
        ("0", 0),
        ("1.795377753e9", referenceNanos),
        ("2026-11-22T20:02:33Z", referenceNanos),
        ("2026-11-22T20:02:33.5+00:00", referenceNanos + 500_000_000),
    ] as [(String, Int64)])
    func parseTimestampAccepts(text: String, nanos: Int64) {
        #expect(TimestampParser.parseTimestamp(text) == nanos)
        #expect(Array(text.utf8).withUnsafeBytes { TimestampParser.parseTimestamp($0) } == nanos)
    }

    @Test(arguments: ["", "abc", "12a", "1.", ".5", "-", "1e", "+5", " 5", "5 ", "1,5", "99999999999999999999", "1e400"])
    func parseTimestampRejects(text: String) {
        #expect(TimestampParser.parseTimestamp(text) == nil)
    }
}

@Suite("RFC 3339 formatting")
struct TimestampFormatTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000000000Z"),
        (-1, "1969-12-31T23:59:59.999999999Z"),
        (referenceNanos + 123_456_789, "2026-11-22T20:02:33.123456789Z"),
        (referenceNanos, "2026-11-22T20:02:33.000000000Z"),
        (Int64.max, "2262-04-11T23:47:16.854775807Z"),
        (Int64.min, "1677-09-21T00:12:43.145224192Z"),
        (1_709_164_800 * 1_000_000_000, "2024-02-29T00:00:00.000000000Z"),
        (-14_182_940 * 1_000_000_000 + 1, "1969-07-20T20:17:40.000000001Z"),
        (-86_400 * 1_000_000_000, "1969-12-31T00:00:00.000000000Z"),
    ] as [(Int64, String)])
    func knownValues(nanos: Int64, text: String) {
        #expect(TimestampParser.formatRFC3339(nanos) == text)
    }

    @Test func roundTripsRandomInstants() {
        var rng = SeededRandom(seed: 0xF0_4D47)
        var mismatches: [Int64] = []
        for _ in 0..<20_000 {
            let ns = rng.chance(10) ? rng.int64(Int64.min...Int64.max) : rng.int64(-5_000_000_000_000_000_000...5_000_000_000_000_000_000)
            let text = TimestampParser.formatRFC3339(ns)
            if text.utf8.count != 30 || TimestampParser.parseRFC3339(text) != ns { mismatches.append(ns) }
        }
        #expect(mismatches.isEmpty)
    }
}
