/// A set of measurements (seconds, milliseconds, records/s … whatever the caller put in).
struct Samples: Sendable {
    private(set) var values: [Double] = []

    init(_ values: [Double] = []) { self.values = values }

    mutating func add(_ v: Double) { values.append(v) }

    var isEmpty: Bool { values.isEmpty }
    var count: Int { values.count }
    var min: Double { values.min() ?? .nan }
    var max: Double { values.max() ?? .nan }
    var mean: Double { values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count) }
    var median: Double { percentile(50) }

    /// Nearest-rank percentile: the smallest value with at least `p` % of the samples at or below it
    /// (so p99 of 1,000 samples is the 990th smallest).
    func percentile(_ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        if p <= 0 { return sorted[0] }
        // The median of an even count is the mean of the two middle values.
        if p == 50 && sorted.count % 2 == 0 {
            return (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[Swift.min(Swift.max(rank, 1), sorted.count) - 1]
    }
}

extension Duration {
    var seconds: Double {
        let (s, a) = components
        return Double(s) + Double(a) / 1e18
    }

    var milliseconds: Double { seconds * 1e3 }
}

/// Times `body` with the continuous clock.
@inline(__always)
func timed<T>(_ body: () throws -> T) rethrows -> (T, Duration) {
    let clock = ContinuousClock()
    let start = clock.now
    let value = try body()
    return (value, clock.now - start)
}
