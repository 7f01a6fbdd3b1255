import Testing
@testable import LogStoreIngest

@Suite("RFC 3339 parsing")
struct TimestampRFC3339Tests {
    @Test func basicUTC() {
        #expect(TimestampParser.parseRFC3339("2026-11-22T20:02:33Z") == referenceNanos)
        #expect(TimestampParser.parseRFC3339("1970-01-01T00:00:00Z") == 0)
        #expect(TimestampParser.parseRFC3339("2024-02-29T00:00:00Z") == Int64(1_709_164_800) * 1_000_000_000)
        #expect(TimestampParser.parseRFC3339("1969-07-20T20:17:40Z") == -14_182_940 * 1_000_000_000)
    }

    @Test(arguments: [
        (".1", Int64(100_000_000)), (".12", 120_000_000), (".123", 123_000_000), (".1234", 123_400_000),
        (".12345", 123_450_000), (".123456", 123_456_000), (".1234567", 123_456_700),
        (".12345678", 123_456_780), (".123456789", 123_456_789), (".000000001", 1),
        (".1234567891", 123_456_789), (".999999999999", 999_999_999), (".0", 0),
    ] as [(String, Int64)])
    func fractionalSeconds(fraction: String, nanos: Int64) {
        #expect(TimestampParser.parseRFC3339("2026-11-22T20:02:33\(fraction)Z") == referenceNanos + nanos)
    }

    @Test(arguments: [
        ("2026-11-22T22:02:33+02:00", Int64(0)), ("2026-11-22T22:02:33+0200", 0), ("2026-11-22T22:02:33+02", 0),
        ("2026-11-22T14:32:33-05:30", 0), ("2026-11-22T14:32:33-0530", 0), ("2026-11-22T20:02:33-00:00", 0),
        ("2026-11-22T20:02:33+00:00", 0), ("2026-11-22t20:02:33z", 0), ("2026-11-22 20:02:33Z", 0),
        ("2026-11-22T20:02:33", 0), ("2026-11-22 20:02:33.5", 500_000_000), ("2026-11-23T05:02:33+09:00", 0),
        ("2026-11-22T20:02:33.25+00:00", 250_000_000), ("2026-11-22T09:02:33-11", 0),
    ] as [(String, Int64)])
    func zonesAndSeparators(text: String, extraNanos: Int64) {
        #expect(TimestampParser.parseRFC3339(text) == referenceNanos + extraNanos)
    }

    @Test func leapYears() {
        #expect(TimestampParser.parseRFC3339("2024-02-29T12:00:00Z") != nil)
        #expect(TimestampParser.parseRFC3339("2000-02-29T12:00:00Z") != nil)   // divisible by 400
        #expect(TimestampParser.parseRFC3339("2025-02-29T12:00:00Z") == nil)
        #expect(TimestampParser.parseRFC3339("2100-02-29T12:00:00Z") == nil)   // divisible by 100, not 400
        #expect(TimestampParser.parseRFC3339("2200-02-29T12:00:00Z") == nil)
        #expect(TimestampParser.parseRFC3339("2024-02-30T12:00:00Z") == nil)
        // 2024-02-29 and 2024-03-01 are one day apart; 2023-02-28 and 2023-03-01 too.
        let feb29 = TimestampParser.parseRFC3339("2024-02-29T00:00:00Z")
        let mar1 = TimestampParser.parseRFC3339("2024-03-01T00:00:00Z")
        #expect(mar1.map { $0 - (feb29 ?? 0) } == Int64(86_400) * 1_000_000_000)
        let feb28 = TimestampParser.parseRFC3339("2023-02-28T00:00:00Z")
        let mar1b = TimestampParser.parseRFC3339("2023-03-01T00:00:00Z")
        #expect(mar1b.map { $0 - (feb28 ?? 0) } == Int64(86_400) * 1_000_000_000)
    }

    @Test func dayRangesPerMonth() {
        let lengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        for (index, length) in lengths.enumerated() {
            let month = index + 1
            let mm = month < 10 ? "0\(month)" : "\(month)"
            #expect(TimestampParser.parseRFC3339("2023-\(mm)-\(length)T00:00:00Z") != nil, "month \(month)")
            #expect(TimestampParser.parseRFC3339("2023-\(mm)-\(length + 1)T00:00:00Z") == nil, "month \(month)")
            #expect(TimestampParser.parseRFC3339("2023-\(mm)-00T00:00:00Z") == nil, "month \(month)")
        }
    }

    @Test func leapSecondCountsIntoNextMinute() {
        let sixty = TimestampParser.parseRFC3339("2016-12-31T23:59:60Z")
        let next = TimestampParser.parseRFC3339("2017-01-01T00:00:00Z")
        #expect(sixty != nil)
        #expect(sixty == next)
        #expect(TimestampParser.parseRFC3339("2016-12-31T23:59:61Z") == nil)
    }

    @Test(arguments: [
        "", "2026", "2026-11-22", "2026-11-22T20:02", "2026-11-22T20:02:3", "2026-11-22T20:02:33.",
        "2026-11-22T20:02:33.Z", "2026-11-22T20:02:33Zjunk", "2026-11-22T20:02:33Z ", " 2026-11-22T20:02:33Z",
        "2026-11-22T20:02:33+2", "2026-11-22T20:02:33+24:00", "2026-11-22T20:02:33+02:60", "2026-11-22T20:02:33+02:0",
        "2026-11-22T20:02:33+02:000", "2026-11-22T20:02:33+", "2026/11/22T20:02:33Z", "2026-11-22X20:02:33Z",
        "2026-11-22T20-02-33Z", "2026-00-22T20:02:33Z", "2026-13-22T20:02:33Z", "2026-11-22T24:00:00Z",
        "2026-11-22T23:60:00Z", "2026-1a-22T20:02:33Z", "-026-11-22T20:02:33Z", "2026-11-22T20:02:33UTC",
        "2026-11-22T20:02:33,5Z", "2026-11-22T20:02:33.5.5Z", "２026-11-22T20:02:33Z",
    ])
    func rejectsMalformed(text: String) {
        #expect(TimestampParser.parseRFC3339(text) == nil)
    }

    @Test func int64RangeLimits() {
        #expect(TimestampParser.parseRFC3339("2262-04-11T23:47:16.854775807Z") == Int64.max)
        #expect(TimestampParser.parseRFC3339("2262-04-11T23:47:16.854775808Z") == nil)
        #expect(TimestampParser.parseRFC3339("1677-09-21T00:12:43.145224192Z") == Int64.min)
        #expect(TimestampParser.parseRFC3339("1677-09-21T00:12:43.145224191Z") == nil)
        #expect(TimestampParser.parseRFC3339("9999-12-31T23:59:59Z") == nil)
        #expect(TimestampParser.parseRFC3339("0000-01-01T00:00:00Z") == nil)
    }

    @Test func preEpoch() {
        #expect(TimestampParser.parseRFC3339("1969-12-31T23:59:59.5Z") == -500_000_000)
        #expect(TimestampParser.parseRFC3339("1969-12-31T23:59:59.999999999Z") == -1)
        #expect(TimestampParser.parseRFC3339("1900-03-01T00:00:00Z") == -2_203_891_200 * 1_000_000_000)
        #expect(TimestampParser.parseRFC3339("1970-01-01T01:00:00+01:00") == 0)
    }

    @Test func byteAndStringEntryPointsAgree() {
        for text in ["2026-11-22T20:02:33.123Z", "1999-01-01 00:00:00-0800", "nope", ""] {
            let viaBytes = Array(text.utf8).withUnsafeBytes { TimestampParser.parseRFC3339($0) }
            #expect(viaBytes == TimestampParser.parseRFC3339(text))
        }
    }

    @Test func civilCalendarRoundTripsEveryDay() {
        // Every day from 1600 to 2400: days → date → days is the identity and dates advance by one day.
        let first = CivilCalendar.daysFromCivil(year: 1600, month: 1, day: 1)
        let last = CivilCalendar.daysFromCivil(year: 2400, month: 12, day: 31)
        var previous = CivilCalendar.civilFromDays(first - 1)
        var failures = 0
        for days in first...last {
            let date = CivilCalendar.civilFromDays(days)
            if CivilCalendar.daysFromCivil(year: date.year, month: date.month, day: date.day) != days { failures += 1 }
            let advancesDay = date.day == previous.day + 1 && date.month == previous.month
            let advancesMonth = date.day == 1 && previous.day == CivilCalendar.daysInMonth(previous.month, year: previous.year)
            if !(advancesDay || advancesMonth) { failures += 1 }
            previous = date
        }
        #expect(failures == 0)
        #expect(CivilCalendar.daysFromCivil(year: 1970, month: 1, day: 1) == 0)
        #expect(CivilCalendar.daysFromCivil(year: 2000, month: 3, day: 1) == 951_868_800 / 86_400)
    }
}
