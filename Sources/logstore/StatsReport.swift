import LogStore
import LogStoreIngest

/// Renders `stats` results as an aligned table, JSON or CSV.
struct StatsReport {
    let keys: [StatsKey]
    let groups: [StatsKey: StatsGroup]
    let by: String?
    let field: String?
    let bucketed: Bool

    private func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : Format.fixed(v, 2)
    }

    private var header: [String] {
        var h: [String] = []
        if bucketed { h.append("time") }
        if let by { h.append(by) }
        h += ["count", "errors", "error_rate"]
        if field != nil { h += ["n", "p50", "p95", "p99", "max"] }
        return h
    }

    private func cells(_ k: StatsKey, _ g: StatsGroup, percentSign: Bool) -> [String] {
        var c: [String] = []
        if let b = k.bucket { c.append(TimestampParser.formatRFC3339(b)) }
        if by != nil { c.append(k.group ?? "") }
        c += [String(g.count), String(g.errors), percentSign ? Format.fixed(g.errorRate * 100, 1) + "%" : Format.fixed(g.errorRate, 4)]
        if field != nil {
            if let p = g.percentiles() { c += [String(g.values.count), number(p.p50), number(p.p95), number(p.p99), number(p.max)] }
            else { c += ["0", "", "", "", ""] }
        }
        return c
    }

    func text(terminal: Bool, palette: Palette) -> String {
        guard !keys.isEmpty else { return "no matching records\n" }
        var head = header.map { $0.uppercased() }
        var rows = keys.map { cells($0, groups[$0] ?? StatsGroup(), percentSign: true) }
        let firstNumeric = (bucketed ? 1 : 0) + (by != nil ? 1 : 0)
        let right = Set(firstNumeric..<head.count)
        let maxCount = Double(keys.compactMap { groups[$0]?.count }.max() ?? 0)
        if bucketed && terminal {
            head.append("")
            for (i, k) in keys.enumerated() {
                let g = groups[k] ?? StatsGroup()
                let bar = Format.bar(Double(g.count), of: maxCount, width: 30)
                rows[i].append(g.errors > 0 ? palette.red(bar) : palette.green(bar))
            }
        }
        var s = Format.table(head, rows, rightAligned: right)
        if bucketed && terminal && by == nil {
            s += "\ncount  " + Format.sparkline(keys.map { Double(groups[$0]?.count ?? 0) }) + "\n"
            if field != nil {
                s += "p95    " + Format.sparkline(keys.map { groups[$0]?.percentiles()?.p95 ?? 0 }) + "\n"
            }
        }
        return s
    }

    func csv() -> String {
        var s = header.joined(separator: ",") + "\n"
        for k in keys { s += cells(k, groups[k] ?? StatsGroup(), percentSign: false).map(Format.csv).joined(separator: ",") + "\n" }
        return s
    }

    func json() -> String {
        var items: [String] = []
        for k in keys {
            let g = groups[k] ?? StatsGroup()
            var s = "{"
            if let b = k.bucket { s += "\"time\":\(jsonString(TimestampParser.formatRFC3339(b))),\"time_ns\":\(b)," }
            if by != nil { s += "\"group\":\(jsonString(k.group ?? ""))," }
            s += "\"count\":\(g.count),\"errors\":\(g.errors),\"error_rate\":\(Format.fixed(g.errorRate, 6))"
            if let field {
                s += ",\"field\":{\"key\":\(jsonString(field)),\"n\":\(g.values.count)"
                if let p = g.percentiles() { s += ",\"p50\":\(p.p50),\"p95\":\(p.p95),\"p99\":\(p.p99),\"max\":\(p.max)" }
                s += "}"
            }
            items.append(s + "}")
        }
        var head = "{"
        if let by { head += "\"by\":\(jsonString(by))," }
        return head + "\"groups\":[" + items.joined(separator: ",") + "]}\n"
    }
}
