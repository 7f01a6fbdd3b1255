import LogStore

/// Sizes, durations, aligned tables and CSV fields for people and scripts.
enum Format {
    /// `512 B`, `1.5 KiB`, `12.3 MiB`.
    static func bytes(_ n: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(n)
        var u = 0
        while abs(v) >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
        return u == 0 ? "\(n) B" : "\(fixed(v, 1)) \(units[u])"
    }

    /// `850ms`, `12.5s`, `2m 30.1s`, `3h 05m`, `2d 4h`.
    static func duration(_ ns: Int64) -> String {
        let negative = ns < 0
        let a = ns.magnitude
        let s: String
        if a == 0 { s = "0s" }
        else if a < 1_000 { s = "\(a)ns" }
        else if a < 1_000_000 { s = fixed(Double(a) / 1e3, 1) + "µs" }
        else if a < 1_000_000_000 { s = fixed(Double(a) / 1e6, 1) + "ms" }
        else if a < 60_000_000_000 { s = fixed(Double(a) / 1e9, 3) + "s" }
        else if a < 3_600_000_000_000 {
            let m = a / 60_000_000_000
            s = "\(m)m " + fixed(Double(a - m * 60_000_000_000) / 1e9, 1) + "s"
        } else if a < 86_400_000_000_000 {
            let h = a / 3_600_000_000_000
            let m = (a % 3_600_000_000_000) / 60_000_000_000
            s = "\(h)h " + (m < 10 ? "0" : "") + "\(m)m"
        } else {
            let d = a / 86_400_000_000_000
            s = "\(d)d \((a % 86_400_000_000_000) / 3_600_000_000_000)h"
        }
        return negative ? "-" + s : s
    }

    /// `v` with exactly `digits` decimals, without Foundation.
    static func fixed(_ v: Double, _ digits: Int) -> String {
        guard v.isFinite else { return v.isNaN ? "nan" : (v < 0 ? "-inf" : "inf") }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let r = (abs(v) * scale).rounded()
        guard r < 9.2e18 else { return String(v) }
        let i = Int64(r)
        let whole = i / Int64(scale)
        let frac = i % Int64(scale)
        var f = String(frac)
        while f.count < digits { f = "0" + f }
        return (v < 0 && i != 0 ? "-" : "") + String(whole) + (digits > 0 ? "." + f : "")
    }

    /// Rows padded into columns; numeric-looking columns are right-aligned.
    static func table(_ header: [String], _ rows: [[String]], rightAligned: Set<Int> = []) -> String {
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            var out = ""
            for (i, c) in cells.enumerated() {
                let w = i < widths.count ? widths[i] : c.count
                let last = i == cells.count - 1
                out += rightAligned.contains(i) ? c.rightAligned(w) : (last ? c : c.padded(w))
                if !last { out += "  " }
            }
            return out + "\n"
        }
        return line(header) + rows.map(line).joined()
    }

    /// A CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF; quotes doubled.
    static func csv(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return s }
        var out = "\""
        for c in s { if c == "\"" { out += "\"\"" } else { out.append(c) } }
        return out + "\""
    }

    /// `▁▂▃▄▅▆▇█` per value, scaled to the maximum.
    static func sparkline(_ values: [Double]) -> String {
        let ticks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
        let top = values.max() ?? 0
        return String(values.map { v in top <= 0 ? ticks[0] : ticks[min(7, Int((v / top) * 7.999))] })
    }

    /// A horizontal bar of up to `width` cells for `value` of `maximum`.
    static func bar(_ value: Double, of maximum: Double, width: Int) -> String {
        guard maximum > 0, value > 0 else { return "" }
        let cells = max(1, Int((value / maximum * Double(width)).rounded()))
        return String(repeating: "█", count: min(width, cells))
    }
}

extension String {
    /// Padded with spaces on the left to `n` characters.
    func rightAligned(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
