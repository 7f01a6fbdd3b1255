import Testing
import LogStoreIngest

@Suite("Duration parsing")
struct DurationParserTests {
    static let second: Int64 = 1_000_000_000

    @Test(arguments: [
        ("90s", 90 * second), ("15m", 15 * 60 * second), ("2h", 2 * 3600 * second), ("7d", 7 * 86_400 * second),
        ("1w", 604_800 * second), ("500ms", 500_000_000), ("250us", 250_000), ("250µs", 250_000),
        ("250μs", 250_000), ("10ns", 10), ("0s", 0), ("1h30m", 5400 * second), ("1.5h", 5400 * second),
        ("2h45m30s500ms", (2 * 3600 + 45 * 60 + 30) * second + 500_000_000), ("0.5ms", 500_000),
        ("1.0000000001s", second), ("1.25s", 1_250_000_000), ("30m1h", 5400 * second), ("1h1h", 7200 * second),
        ("0.000001d", 86_400_000), ("007s", 7 * second), ("1.123456789123456789123s", 1_123_456_789),
        ("106751d", 106_751 * 86_400 * second), ("9223372036854775807ns", Int64.max),
    ] as [(String, Int64)])
    func accepts(text: String, nanos: Int64) {
        #expect(DurationParser.parse(text) == nanos)
    }

    @Test(arguments: [
        "", "-1s", "+1s", "1", "s", "1x", "1 s", " 1s", "1s ", "1h 30m", "1.h", ".5h", "1..5h", "1.5.5h",
        "9223372036854775808ns", "106752d", "15251w", "99999999999999999999s", "1msx", "1sm", "1S", "1H",
        "1µ", "1h-30m", "1e3s", "1,5h", "h1",
    ])
    func rejects(text: String) {
        #expect(DurationParser.parse(text) == nil)
    }
}
