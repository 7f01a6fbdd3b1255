/// Nearest-rank percentiles, as `logstore stats` computes them: the value at rank ⌈p·n⌉ of the sorted
/// values (1-based), so p50 of 1…10 is 5 and p99 of 100 values is the 99th. Shared by `logstore stats`
/// and the server's `/api/v1/stats`, so both give the same figures.
package enum NearestRank {
    /// p50, p95, p99 and the maximum of `values`; nil when there are none.
    package static func summary(_ values: [Double]) -> (p50: Double, p95: Double, p99: Double, max: Double)? {
        guard !values.isEmpty else { return nil }
        let v = values.sorted()
        func rank(_ p: Double) -> Double {
            let i = Int((p * Double(v.count)).rounded(.up)) - 1
            return v[min(max(i, 0), v.count - 1)]
        }
        return (rank(0.50), rank(0.95), rank(0.99), v[v.count - 1])
    }
}
