/// A segment's membership filter of correlation hashes (docs/FORMAT.md, 11.2): a Bloom filter of
/// `64 × words.count` bits probed `probes` times per hash. It answers "maybe" for every hash the
/// segment holds and, with 10 bits and 7 probes per distinct hash, "no" for about 99.2 % of others.
public struct CorrelationFilter: Sendable, Equatable {
    /// Bits per distinct hash when a writer sizes a filter.
    public static let bitsPerHash = 10
    /// Probes per hash a writer uses (the optimum for 10 bits per hash is 6.9).
    public static let defaultProbes: UInt8 = 7
    /// Largest probe count a reader accepts.
    public static let maxProbes: UInt8 = 16

    public var words: [UInt64]
    public var probes: UInt8

    public init(words: [UInt64], probes: UInt8) {
        self.words = words
        self.probes = probes
    }

    /// A filter holding `hashes` (duplicates allowed), sized for the distinct ones.
    public init<S: Collection<UInt64>>(hashes: S) {
        let distinct = Set(hashes)
        let bits = distinct.count * Self.bitsPerHash
        words = [UInt64](repeating: 0, count: distinct.isEmpty ? 0 : max(1, (bits + 63) / 64))
        probes = Self.defaultProbes
        for h in distinct { insert(h) }
    }

    /// The bit positions of `hash` (FORMAT.md 11.2): `splitmix64(hash + (j + 1) × 0x9E3779B97F4A7C15) mod m`
    /// for each probe `j` — independent positions (double hashing `h + j × h2` correlates them badly in
    /// the one- and two-word filters of small segments).
    @inline(__always)
    private func forEachBit(_ hash: UInt64, _ body: (Int, UInt64) -> Bool) -> Bool {
        let m = UInt64(words.count) &* 64
        var x = hash
        for _ in 0..<probes {
            x = x &+ 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            let bit = z % m
            if !body(Int(bit >> 6), UInt64(1) << (bit & 63)) { return false }
        }
        return true
    }

    private mutating func insert(_ hash: UInt64) {
        var positions: [(Int, UInt64)] = []
        _ = forEachBit(hash) { positions.append(($0, $1)); return true }
        for (w, mask) in positions { words[w] |= mask }
    }

    /// False when no record of the segment holds a correlation ID with this hash; true when one may.
    public func mayContain(_ hash: UInt64) -> Bool {
        guard !words.isEmpty else { return false }
        return forEachBit(hash) { w, mask in words[w] & mask != 0 }
    }

    /// Bytes the filter takes in the manifest (its words).
    public var byteCount: Int { words.count * 8 }
}
