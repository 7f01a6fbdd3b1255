/// A strftime-like layout for reading timestamps (`--timestamp-layout '%d/%m/%Y %H:%M:%S'`).
///
/// Directives: `%Y` (4-digit year), `%y` (2-digit: below 70 is 20yy), `%m`, `%d`, `%e` (day, space-padded),
/// `%H`, `%M`, `%S` (1 or 2 digits each), `%f` (fraction digits, any count), `%b`/`%h` (English month
/// abbreviation, any case; `%B` also accepts the full name), `%a`/`%A` (weekday, skipped), `%z` (`Z`,
/// `±hh:mm`, `±hhmm`), `%Z` (`UTC`/`GMT`/`Z`), `%s` (epoch seconds), `%T` (= `%H:%M:%S`), `%F`
/// (= `%Y-%m-%d`), `%%`. Any other character must match itself. Without a zone the time is UTC; without a
/// year it takes the reference's year as syslog times do.
public struct TimestampLayout: Sendable, Hashable {
    public let layout: String
    private let items: [Item]

    enum Item: Hashable {
        case literal(UInt8)
        case year4, year2, month, day, hour, minute, second, fraction, monthName, weekdayName, zone, zoneName, epoch
    }

    /// Reads `layout`; throws naming the directive it does not know.
    public init(_ layout: String) throws(LinePatternError) {
        self.layout = layout
        var items: [Item] = []
        var bytes = Array(layout.utf8)[...]
        while let c = bytes.popFirst() {
            guard c == UInt8(ascii: "%") else { items.append(.literal(c)); continue }
            guard let d = bytes.popFirst() else { throw LinePatternError("--timestamp-layout '\(layout)': a lone % at the end") }
            switch d {
            case UInt8(ascii: "Y"): items.append(.year4)
            case UInt8(ascii: "y"): items.append(.year2)
            case UInt8(ascii: "m"): items.append(.month)
            case UInt8(ascii: "d"), UInt8(ascii: "e"): items.append(.day)
            case UInt8(ascii: "H"): items.append(.hour)
            case UInt8(ascii: "M"): items.append(.minute)
            case UInt8(ascii: "S"): items.append(.second)
            case UInt8(ascii: "f"): items.append(.fraction)
            case UInt8(ascii: "b"), UInt8(ascii: "h"), UInt8(ascii: "B"): items.append(.monthName)
            case UInt8(ascii: "a"), UInt8(ascii: "A"): items.append(.weekdayName)
            case UInt8(ascii: "z"): items.append(.zone)
            case UInt8(ascii: "Z"): items.append(.zoneName)
            case UInt8(ascii: "s"): items.append(.epoch)
            case UInt8(ascii: "T"): items += [.hour, .literal(UInt8(ascii: ":")), .minute, .literal(UInt8(ascii: ":")), .second]
            case UInt8(ascii: "F"): items += [.year4, .literal(UInt8(ascii: "-")), .month, .literal(UInt8(ascii: "-")), .day]
            case UInt8(ascii: "%"): items.append(.literal(d))
            default:
                throw LinePatternError("--timestamp-layout '\(layout)': unknown directive %\(Character(Unicode.Scalar(d)))")
            }
        }
        self.items = items
    }

    static let monthNames = ["january", "february", "march", "april", "may", "june", "july", "august",
                             "september", "october", "november", "december"]
    static let weekdayNames = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    /// Nanoseconds since the epoch of `text` read with the layout (it must be used whole), or nil.
    /// `reference` gives a layout without a year its year.
    public func parse(_ text: Substring, reference: Int64) -> Int64? {
        var s = Array(text.utf8)[...]
        var year: Int?, month = 1, day = 1, hour = 0, minute = 0, second = 0
        var fraction: Int64 = 0, zone: Int64 = 0, epoch: Int64?
        func digits(_ maxCount: Int) -> Int? {
            var v = 0, count = 0
            while count < maxCount, let c = s.first, c &- 0x30 <= 9 { v = v * 10 + Int(c &- 0x30); s.removeFirst(); count += 1 }
            return count > 0 ? v : nil
        }
        func name(_ table: [String]) -> Int? {
            var word: [UInt8] = []
            while let c = s.first, (c | 0x20) >= UInt8(ascii: "a"), (c | 0x20) <= UInt8(ascii: "z") { word.append(c | 0x20); s.removeFirst() }
            let w = String(decoding: word, as: UTF8.self)
            guard w.count >= 3 else { return nil }
            return table.firstIndex { $0 == w || ($0.hasPrefix(w) && w.count == 3) }
        }
        for item in items {
            switch item {
            case .literal(let b):
                if b == 0x20 { guard s.first == 0x20 else { return nil }; while s.first == 0x20 { s.removeFirst() }; continue }
                guard s.popFirst() == b else { return nil }
            case .year4: guard let v = digits(4) else { return nil }; year = v
            case .year2: guard let v = digits(2) else { return nil }; year = Scan.century(v)
            case .month: guard let v = digits(2) else { return nil }; month = v
            case .day: while s.first == 0x20 { s.removeFirst() }; guard let v = digits(2) else { return nil }; day = v
            case .hour: guard let v = digits(2) else { return nil }; hour = v
            case .minute: guard let v = digits(2) else { return nil }; minute = v
            case .second: guard let v = digits(2) else { return nil }; second = v
            case .fraction:
                var v: Int64 = 0, used = 0
                while let c = s.first, c &- 0x30 <= 9 { if used < 9 { v = v * 10 + Int64(c &- 0x30); used += 1 }; s.removeFirst() }
                guard used > 0 else { return nil }
                while used < 9 { v *= 10; used += 1 }
                fraction = v
            case .monthName: guard let v = name(Self.monthNames) else { return nil }; month = v + 1
            case .weekdayName: guard name(Self.weekdayNames) != nil else { return nil }
            case .zone:
                guard let c = s.popFirst() else { return nil }
                if c == UInt8(ascii: "Z") || c == UInt8(ascii: "z") { zone = 0; continue }
                guard c == UInt8(ascii: "+") || c == UInt8(ascii: "-"), let h = digits(2) else { return nil }
                if s.first == UInt8(ascii: ":") { s.removeFirst() }
                let m = digits(2) ?? 0
                zone = (c == UInt8(ascii: "-") ? -1 : 1) * Int64(h * 3600 + m * 60)
            case .zoneName:
                var word: [UInt8] = []
                while let c = s.first, (c | 0x20) >= UInt8(ascii: "a"), (c | 0x20) <= UInt8(ascii: "z") { word.append(c); s.removeFirst() }
                guard ["UTC", "GMT", "Z"].contains(String(decoding: word, as: UTF8.self)) else { return nil }
            case .epoch:
                guard let v = digits(18) else { return nil }
                epoch = Int64(v)
            }
        }
        guard s.isEmpty else { return nil }
        if let epoch {
            let (ns, o1) = epoch.multipliedReportingOverflow(by: 1_000_000_000)
            let (sum, o2) = ns.addingReportingOverflow(fraction)
            return o1 || o2 ? nil : sum
        }
        let scan = Scan(p: ("" as StaticString).utf8Start, n: 0, reference: reference)
        guard let (ns, _) = scan.withInferredYear(year, month, day, hour, minute, second, fraction, 0) else { return nil }
        let (shifted, o) = ns.subtractingReportingOverflow(zone * 1_000_000_000)
        return o ? nil : shifted
    }
}
