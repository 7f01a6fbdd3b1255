/// A small, fast, seedable generator (SplitMix64) so every run builds the same dataset for a seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension SplitMix64 {
    /// Uniform in `0..<n`.
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    /// Uniform in `range`.
    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + below(range.count) }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { unit() < p }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// Index picked with the given relative weights.
    mutating func weighted(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var x = unit() * total
        for (i, w) in weights.enumerated() {
            if x < w { return i }
            x -= w
        }
        return weights.count - 1
    }

    /// Log-normal-ish positive value with the given median, for latencies.
    mutating func skewed(median: Double, spread: Double = 0.8) -> Double {
        // Box–Muller.
        let u1 = max(unit(), 1e-12), u2 = unit()
        let z = (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
        return median * _exp(spread * z)
    }

    mutating func hex(_ digits: Int) -> String {
        let alphabet = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(digits)
        var bits = next()
        for i in 0..<digits {
            if i % 16 == 0 && i > 0 { bits = next() }
            out.append(alphabet[Int(bits & 15)])
            bits >>= 4
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A lowercase RFC 4122 version-4 UUID.
    mutating func uuid() -> String {
        let a = hex(8), b = hex(4), c = "4" + hex(3)
        let variant = ["8", "9", "a", "b"][below(4)]
        return "\(a)-\(b)-\(c)-\(variant)\(hex(3))-\(hex(12))"
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) private func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Glibc.cos(x) }
@inline(__always) private func _exp(_ x: Double) -> Double { Glibc.exp(x) }
#else
import Darwin
@inline(__always) private func _log(_ x: Double) -> Double { Darwin.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Darwin.cos(x) }
@inline(__always) private func _exp(_ x: Double) -> Double { Darwin.exp(x) }
#endif
