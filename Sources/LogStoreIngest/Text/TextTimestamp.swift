/// Finds the timestamp of a plain-text log line.
///
/// Recognised, in this order:
///
/// 1. at the start of the line, optionally inside `[` `]`:
///    - ISO 8601 / RFC 3339: `2026-11-22T20:02:33Z`, `2026-11-22 20:02:33,123`, `2026/11/22 20:02:33`
///      (nginx error log), fractions after `.` or `,`, zones `Z`, `+02:00`, `+0200`; no zone means UTC;
///    - syslog `MMM dd HH:mm:ss` (`Jun  9 06:06:20`), optionally preceded by a weekday and followed by
///      a year (`[Sun Dec 04 04:47:44 2005]`, the Apache error log);
///    - Android logcat `MM-dd HH:mm:ss.SSS`, also with `.` between month and day (`[10.30 16:49:06]`,
///      Proxifier);
///    - two-digit years: `yyMMdd HHmmss` (Hadoop HDFS, `081109 203615`) and `yy/MM/dd HH:mm:ss`
///      (Spark/log4j, `17/06/09 20:10:40`); `yy` below 70 is 20yy, else 19yy;
///    - `yyyyMMdd-H:m:s:SSS` (`20171223-22:15:29:606`, `20171223-22:16:0:5`, HealthApp, unpadded);
///    - an epoch number of 10, 13, 16 or 19 digits (seconds, ms, µs, ns), optionally with a fraction;
/// 2. the same forms after a first token of at most 64 bytes (`- 1117838570 …`, `host.log 2017-05-16 …`);
/// 3. Apache/nginx common log format anywhere in the first 160 bytes: `[10/Oct/2000:13:55:36 -0700]`.
///
/// Forms without a year (syslog, logcat) take the year of `reference`, or the year before when that
/// would put the time more than a day after `reference`.
enum TextTimestamp {
    struct Match {
        /// Nanoseconds since the epoch, UTC.
        var nanoseconds: Int64
        /// Bytes to drop from the start of the line to get the message (0 when the timestamp was not
        /// at the start).
        var prefixLength: Int
        /// The offset just past the timestamp.
        var end: Int
    }

    static func detect(_ p: UnsafePointer<UInt8>, count n: Int, reference: Int64) -> Match? {
        var scan = Scan(p: p, n: n, reference: reference)
        // 1. At the start, optionally bracketed.
        let bracketed = n > 0 && p[0] == UInt8(ascii: "[")
        if let (ns, end) = scan.anyForm(at: bracketed ? 1 : 0) {
            var cut = end
            if bracketed {
                guard cut < n, p[cut] == UInt8(ascii: "]") else { return clf(&scan) ?? Match(nanoseconds: ns, prefixLength: 0, end: cut) }
                cut += 1
            }
            while cut < n, p[cut] == 0x20 || p[cut] == 0x09 { cut += 1 }
            return Match(nanoseconds: ns, prefixLength: cut, end: cut)
        }
        // 2. After a short first token.
        var i = 0
        while i < n, i <= 64, p[i] != 0x20, p[i] != 0x09 { i += 1 }
        if i < n, i <= 64 {
            while i < n, p[i] == 0x20 { i += 1 }
            if let (ns, end) = scan.anyForm(at: i) { return Match(nanoseconds: ns, prefixLength: 0, end: end) }
        }
        // 3. Common log format.
        return clf(&scan)
    }

    private static func clf(_ scan: inout Scan) -> Match? {
        let limit = min(scan.n, 160)
        var i = 0
        while i < limit {
            if scan.p[i] == UInt8(ascii: "["), let ns = scan.commonLogFormat(at: i + 1) {
                return Match(nanoseconds: ns, prefixLength: 0, end: i + 1)
            }
            i += 1
        }
        return nil
    }
}

/// The byte-level matchers behind ``TextTimestamp``. Each returns the time and the offset just past it.
struct Scan {
    let p: UnsafePointer<UInt8>
    let n: Int
    let reference: Int64

    static let nanosPerSecond: Int64 = 1_000_000_000

    func digit(_ i: Int) -> Int? {
        guard i < n else { return nil }
        let d = p[i] &- 0x30
        return d <= 9 ? Int(d) : nil
    }

    /// `count` decimal digits at `i`.
    func number(_ i: Int, _ count: Int) -> Int? {
        guard i + count <= n else { return nil }
        var v = 0
        for k in 0..<count {
            guard let d = digit(i + k) else { return nil }
            v = v * 10 + d
        }
        return v
    }

    func byte(_ i: Int) -> UInt8 { i < n ? p[i] : 0 }

    func anyForm(at i: Int) -> (Int64, Int)? {
        iso(at: i) ?? syslog(at: i) ?? logcat(at: i) ?? compact(at: i) ?? shortYear(at: i) ?? dashedCompact(at: i) ?? epoch(at: i)
    }

    /// Seconds of a civil date and time, UTC; nil when out of range.
    func seconds(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int) -> Int64? {
        guard (1...12).contains(month), day >= 1, day <= CivilCalendar.daysInMonth(month, year: year),
              hour <= 23, minute <= 59, second <= 60, (1678...2261).contains(year) else { return nil }
        let days = Int64(CivilCalendar.daysFromCivil(year: year, month: month, day: day))
        return days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// `HH:mm:ss` at `i`.
    func clock(_ i: Int) -> (Int, Int, Int)? {
        guard let h = number(i, 2), byte(i + 2) == UInt8(ascii: ":"), let m = number(i + 3, 2),
              byte(i + 5) == UInt8(ascii: ":"), let s = number(i + 6, 2) else { return nil }
        return (h, m, s)
    }

    /// A fraction after `.` or `,` at `i`: its nanoseconds and the offset past it.
    func fraction(_ i: Int) -> (Int64, Int) {
        guard byte(i) == UInt8(ascii: ".") || byte(i) == UInt8(ascii: ","), digit(i + 1) != nil else { return (0, i) }
        var j = i + 1
        var value: Int64 = 0
        var used = 0
        while let d = digit(j) {
            if used < 9 { value = value * 10 + Int64(d); used += 1 }
            j += 1
        }
        while used < 9 { value *= 10; used += 1 }
        return (value, j)
    }

    /// A zone (`Z`, `+hh:mm`, `+hhmm`, `+hh`) at `i`: its offset in seconds and the offset past it.
    func zone(_ i: Int) -> (Int64, Int) {
        let c = byte(i)
        if c == UInt8(ascii: "Z") || c == UInt8(ascii: "z") { return (0, i + 1) }
        guard c == UInt8(ascii: "+") || c == UInt8(ascii: "-"), let h = number(i + 1, 2), h <= 23 else { return (0, i) }
        var minutes = 0
        var end = i + 3
        if byte(end) == UInt8(ascii: ":"), let m = number(end + 1, 2), m <= 59 {
            minutes = m; end += 3
        } else if let m = number(end, 2), m <= 59 {
            minutes = m; end += 2
        }
        let sign: Int64 = c == UInt8(ascii: "-") ? -1 : 1
        return (sign * Int64(h * 3600 + minutes * 60), end)
    }

    func combine(_ seconds: Int64, _ fraction: Int64, zone: Int64 = 0) -> Int64? {
        let (a, o1) = (seconds - zone).multipliedReportingOverflow(by: Self.nanosPerSecond)
        let (b, o2) = a.addingReportingOverflow(fraction)
        return o1 || o2 ? nil : b
    }

    /// `yyyy-MM-dd[T ]HH:mm:ss[.frac][zone]`, also with `/` between the date fields.
    func iso(at i: Int) -> (Int64, Int)? {
        let sep = byte(i + 4)
        guard sep == UInt8(ascii: "-") || sep == UInt8(ascii: "/"), let year = number(i, 4), byte(i + 7) == sep,
              let month = number(i + 5, 2), let day = number(i + 8, 2) else { return nil }
        let t = byte(i + 10)
        guard t == UInt8(ascii: "T") || t == UInt8(ascii: "t") || t == 0x20, let (h, m, s) = clock(i + 11),
              let secs = seconds(year, month, day, h, m, s) else { return nil }
        let (frac, afterFraction) = fraction(i + 19)
        let (offset, end) = zone(afterFraction)
        guard let ns = combine(secs, frac, zone: offset) else { return nil }
        return (ns, end)
    }

    static let months: [StaticString] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let weekdays: [StaticString] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    /// The index in `table` of the three-letter name at `i`, ignoring case.
    func name(_ i: Int, in table: [StaticString]) -> Int? {
        guard i + 3 <= n else { return nil }
        for (index, entry) in table.enumerated() {
            let q = entry.utf8Start
            if p[i] | 0x20 == q[0], p[i + 1] | 0x20 == q[1], p[i + 2] | 0x20 == q[2] { return index }
        }
        return nil
    }

    /// `[Www ]MMM dd HH:mm:ss[.frac][ yyyy]`; the day may be padded with a space or a zero.
    func syslog(at start: Int) -> (Int64, Int)? {
        var i = start
        if name(i, in: Self.weekdays) != nil, byte(i + 3) == 0x20 { i += 4 }
        guard let month = name(i, in: Self.months), byte(i + 3) == 0x20 else { return nil }
        i += 4
        if byte(i) == 0x20 { i += 1 }
        guard let d1 = digit(i) else { return nil }
        var day = d1
        i += 1
        if let d2 = digit(i) { day = day * 10 + d2; i += 1 }
        guard byte(i) == 0x20, let (h, m, s) = clock(i + 1) else { return nil }
        let (frac, end0) = fraction(i + 9)
        var end = end0
        var year: Int?
        if byte(end) == 0x20, let y = number(end + 1, 4), digit(end + 5) == nil { year = y; end += 5 }
        return withInferredYear(year, month + 1, day, h, m, s, frac, end)
    }

    /// `MM-dd HH:mm:ss.SSS` (Android logcat), or `MM.dd HH:mm:ss`.
    func logcat(at i: Int) -> (Int64, Int)? {
        guard let month = number(i, 2), byte(i + 2) == UInt8(ascii: "-") || byte(i + 2) == UInt8(ascii: "."), let day = number(i + 3, 2),
              byte(i + 5) == 0x20, let (h, m, s) = clock(i + 6) else { return nil }
        let (frac, end) = fraction(i + 14)
        return withInferredYear(nil, month, day, h, m, s, frac, end)
    }

    /// The four-digit year of a two-digit one: 20yy below 70, else 19yy.
    static func century(_ yy: Int) -> Int { yy < 70 ? 2000 + yy : 1900 + yy }

    /// `yyMMdd HHmmss` (Hadoop HDFS), the token after it separated by a space or the end.
    func compact(at i: Int) -> (Int64, Int)? {
        guard let yy = number(i, 2), let month = number(i + 2, 2), let day = number(i + 4, 2), byte(i + 6) == 0x20,
              let h = number(i + 7, 2), let m = number(i + 9, 2), let sec = number(i + 11, 2),
              digit(i + 13) == nil, i + 13 == n || byte(i + 13) == 0x20 || byte(i + 13) == 0x09,
              let secs = seconds(Self.century(yy), month, day, h, m, sec), let ns = combine(secs, 0) else { return nil }
        return (ns, i + 13)
    }

    /// `yy/MM/dd HH:mm:ss[.frac]` (Spark and log4j's `%d{yy/MM/dd HH:mm:ss}`).
    func shortYear(at i: Int) -> (Int64, Int)? {
        guard let yy = number(i, 2), byte(i + 2) == UInt8(ascii: "/"), let month = number(i + 3, 2),
              byte(i + 5) == UInt8(ascii: "/"), let day = number(i + 6, 2), byte(i + 8) == 0x20,
              let (h, m, sec) = clock(i + 9), let secs = seconds(Self.century(yy), month, day, h, m, sec) else { return nil }
        let (frac, end) = fraction(i + 17)
        guard let ns = combine(secs, frac) else { return nil }
        return (ns, end)
    }

    /// `yyyyMMdd-H:m:s[:SSS]` (HealthApp), every field after the date unpadded (`20171223-22:16:0:5`):
    /// hours, minutes and seconds of 1 or 2 digits, milliseconds of 1 to 3.
    func dashedCompact(at i: Int) -> (Int64, Int)? {
        guard let year = number(i, 4), let month = number(i + 4, 2), let day = number(i + 6, 2),
              byte(i + 8) == UInt8(ascii: "-") else { return nil }
        var fields: [Int] = []
        var j = i + 9
        while fields.count < 4 {
            let start = j
            var v = 0
            while let d = digit(j), j - start < 3 { v = v * 10 + d; j += 1 }
            let width = j - start
            guard width >= 1, width <= (fields.count == 3 ? 3 : 2), digit(j) == nil else { return nil }
            fields.append(v)
            guard fields.count < 4, byte(j) == UInt8(ascii: ":"), digit(j + 1) != nil else { break }
            j += 1
        }
        guard fields.count >= 3, let secs = seconds(year, month, day, fields[0], fields[1], fields[2]) else { return nil }
        let millis = fields.count == 4 ? Int64(fields[3]) : 0
        guard let ns = combine(secs, millis * 1_000_000) else { return nil }
        return (ns, j)
    }

    /// A time without a year gets the reference's year, or the one before if that is more than a day ahead.
    func withInferredYear(_ year: Int?, _ month: Int, _ day: Int, _ h: Int, _ m: Int, _ s: Int,
                          _ frac: Int64, _ end: Int) -> (Int64, Int)? {
        if let year {
            guard let secs = seconds(year, month, day, h, m, s), let ns = combine(secs, frac) else { return nil }
            return (ns, end)
        }
        let referenceYear = CivilCalendar.civilFromDays(Int(reference / Self.nanosPerSecond / 86_400)).year
        for y in [referenceYear, referenceYear - 1] {
            guard let secs = seconds(y, month, day, h, m, s), let ns = combine(secs, frac) else { continue }
            if ns <= reference + 86_400 * Self.nanosPerSecond { return (ns, end) }
        }
        return nil
    }

    /// An epoch number of exactly 10, 13, 16 or 19 digits, optionally with a `.fraction`, ending the token.
    func epoch(at i: Int) -> (Int64, Int)? {
        var j = i
        var value: UInt64 = 0
        while let d = digit(j), j - i < 19 { value = value * 10 + UInt64(d); j += 1 }
        let digits = j - i
        guard [10, 13, 16, 19].contains(digits) else { return nil }
        var frac: Double = 0
        if byte(j) == UInt8(ascii: "."), digit(j + 1) != nil {
            var scale = 0.1
            j += 1
            while let d = digit(j) { frac += Double(d) * scale; scale /= 10; j += 1 }
        }
        let after = byte(j)
        guard j == n || after == 0x20 || after == 0x09 || after == UInt8(ascii: "]") || after == UInt8(ascii: ",")
        else { return nil }
        guard value <= UInt64(Int64.max), let base = TimestampParser.epochToNanoseconds(Int64(value)) else { return nil }
        let unit = TimestampParser.epochUnit(forMagnitude: value).scale
        let (ns, overflow) = base.addingReportingOverflow(Int64((frac * Double(unit)).rounded()))
        return overflow ? nil : (ns, j)
    }

    /// `dd/MMM/yyyy:HH:mm:ss ±hhmm` followed by `]` (common log format).
    func commonLogFormat(at i: Int) -> Int64? {
        guard let day = number(i, 2), byte(i + 2) == UInt8(ascii: "/"), let month = name(i + 3, in: Self.months),
              byte(i + 6) == UInt8(ascii: "/"), let year = number(i + 7, 4), byte(i + 11) == UInt8(ascii: ":"),
              let (h, m, s) = clock(i + 12), let secs = seconds(year, month + 1, day, h, m, s) else { return nil }
        let (frac, afterFraction) = fraction(i + 20)
        var at = afterFraction
        if byte(at) == 0x20 { at += 1 }
        let (offset, end) = zone(at)
        guard byte(end) == UInt8(ascii: "]") || byte(afterFraction) == UInt8(ascii: "]") else { return nil }
        return combine(secs, frac, zone: offset)
    }
}
