extension TimestampParser {
    /// Formats nanoseconds since the epoch as RFC 3339 in UTC with exactly nine fractional digits,
    /// for example `2026-11-22T20:02:33.123456789Z`. Pre-1970 (negative) values are formatted correctly.
    public static func formatRFC3339(_ nanoseconds: Int64) -> String {
        // Floor division, so negative values land on the right second (no overflow even for Int64.min).
        var seconds = nanoseconds / nanosPerSecond
        var nanos = nanoseconds % nanosPerSecond
        if nanos < 0 {
            seconds -= 1
            nanos += nanosPerSecond
        }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            days -= 1
            secondOfDay += 86_400
        }
        let date = CivilCalendar.civilFromDays(Int(days))
        let sod = Int(secondOfDay)
        return String(unsafeUninitializedCapacity: 30) { out in
            @inline(__always) func put(_ value: Int, at start: Int, width: Int) {
                var v = value
                var k = start + width - 1
                while k >= start {
                    out[k] = UInt8(ascii: "0") + UInt8(v % 10)
                    v /= 10
                    k -= 1
                }
            }
            put(date.year, at: 0, width: 4)   // Int64 nanoseconds span years 1677–2262: always four digits
            out[4] = UInt8(ascii: "-")
            put(date.month, at: 5, width: 2)
            out[7] = UInt8(ascii: "-")
            put(date.day, at: 8, width: 2)
            out[10] = UInt8(ascii: "T")
            put(sod / 3600, at: 11, width: 2)
            out[13] = UInt8(ascii: ":")
            put(sod / 60 % 60, at: 14, width: 2)
            out[16] = UInt8(ascii: ":")
            put(sod % 60, at: 17, width: 2)
            out[19] = UInt8(ascii: ".")
            put(Int(nanos), at: 20, width: 9)
            out[29] = UInt8(ascii: "Z")
            return 30
        }
    }
}
