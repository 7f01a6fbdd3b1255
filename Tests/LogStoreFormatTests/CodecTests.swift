import Testing
@testable import LogStoreFormat

/// Bit-at-a-time CRC32C straight from FORMAT.md "Conventions", to check the fast paths against.
func referenceCRC32C(_ bytes: some Sequence<UInt8>, continuing: UInt32 = 0) -> UInt32 {
    var crc = ~continuing
    for b in bytes {
        crc ^= UInt32(b)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
    }
    return ~crc
}

@Suite struct CRC32CTests {
    @Test func crcCheckValueMatchesSpec() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(referenceCRC32C(Array("123456789".utf8)) == 0xE306_9283)
    }

    @Test func crcMatchesPublishedVectors() {
        // RFC 3720 (iSCSI) appendix B.4.
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum(Array(0..<32)) == 0x46DD_794E)
        #expect(CRC32C.checksum(Array((0..<32).reversed())) == 0x113F_DB5C)
        #expect(CRC32C.checksum([]) == 0)
    }

    @Test func continuingChecksumEqualsWholeChecksum() {
        var rng = SeededRandom(seed: 0xC4C)
        let data = rng.bytes(10_000)
        let whole = CRC32C.checksum(data)
        for split in [0, 1, 3, 7, 8, 9, 15, 16, 17, 63, 64, 4_095, 5_000, 9_999, 10_000] {
            let a = CRC32C.checksum(Array(data[..<split]))
            #expect(CRC32C.checksum(Array(data[split...]), continuing: a) == whole, "split at \(split)")
        }
        // Three pieces, and the range overload.
        let c1 = CRC32C.checksum(data, range: 0..<333)
        let c2 = data.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[333..<4_444]), continuing: c1) }
        let c3 = data.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[4_444...]), continuing: c2) }
        #expect(c3 == whole)
        // Continuing over nothing changes nothing.
        #expect(CRC32C.checksum([], continuing: whole) == whole)
    }

    @Test func crcMatchesReferenceForEveryLengthAndAlignment() {
        var rng = SeededRandom(seed: 0xA11)
        let data = rng.bytes(300)
        for start in 0..<9 {
            for end in stride(from: start, through: data.count, by: 1) where end - start < 80 || end == data.count {
                let slice = data[start..<end]
                let got = data.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
                #expect(got == referenceCRC32C(slice), "bytes \(start)..<\(end)")
            }
        }
    }

    @Test func crcOfLargeBuffersMatchesReference() {
        var rng = SeededRandom(seed: 0xB16)
        for n in [1 << 16, (1 << 20) + 13] {
            let data = rng.bytes(n)
            let expected = referenceCRC32C(data)
            #expect(CRC32C.checksum(data) == expected, "\(n) bytes")
            // Chunked like a streaming writer would.
            var crc: UInt32 = 0
            var i = 0
            while i < n {
                let j = min(n, i + 4_093)
                let prev = crc
                crc = data.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[i..<j]), continuing: prev) }
                i = j
            }
            #expect(crc == expected, "\(n) bytes in chunks")
        }
    }

    @Test func crcDetectsEverySingleBitFlip() {
        var rng = SeededRandom(seed: 5)
        let data = rng.bytes(256)
        let base = CRC32C.checksum(data)
        for bit in 0..<(data.count * 8) {
            #expect(CRC32C.checksum(data.flippingBit(bit)) != base)
        }
    }
}

@Suite struct CorrelationHashTests {
    /// FORMAT.md 5.5 written out independently.
    static func reference(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        h ^= h >> 33; h &*= 0xff51_afd7_ed55_8ccd; h ^= h >> 33; h &*= 0xc4ce_b9fe_1a85_ec53; h ^= h >> 33
        return h
    }

    @Test func correlationHashMatchesSpecVectors() {
        // Values computed with an independent implementation of 5.5.
        #expect(CorrelationHash.hash("") == 0xefd0_1f60_ba99_2926)
        #expect(CorrelationHash.hash("a") == 0x82a2_a958_a9be_ce5b)
        #expect(CorrelationHash.hash("req-1") == 0x41bf_9201_cad1_d3b5)
        #expect(CorrelationHash.hash("550e8400-e29b-41d4-a716-446655440000") == 0x6502_3cca_21d6_43bf)
        #expect(CorrelationHash.hash("漢字") == 0x39dd_5906_2c72_10fe)
    }

    @Test func correlationHashIsFNV1aThenFmix64OverUTF8() {
        var g = RecordGenerator(seed: 55)
        for _ in 0..<500 {
            let s = g.string()
            #expect(CorrelationHash.hash(s) == Self.reference(s))
            var copy = s
            #expect(copy.withUTF8 { CorrelationHash.hash(UnsafeRawBufferPointer($0)) } == CorrelationHash.hash(s))
        }
        // Hashes bytes, not characters: canonically equivalent strings hash differently.
        #expect(CorrelationHash.hash("é") != CorrelationHash.hash("e\u{301}"))
    }
}

@Suite struct LZ4Tests {
    func roundTrip(_ data: [UInt8]) throws -> [UInt8] {
        let compressed = try #require(data.withUnsafeBytes { LZ4.compress($0) })
        return try compressed.withBytes { (b) throws(FormatError) in try LZ4.decompress(b, rawLength: data.count) }
    }

    @Test func lz4RoundTripsRandomData() throws {
        var rng = SeededRandom(seed: 0x124)
        for n in [1, 2, 15, 16, 100, 4_096, 70_000, 1 << 20] {
            let data = rng.bytes(n)
            #expect(try roundTrip(data) == data, "\(n) random bytes")
        }
    }

    @Test func lz4RoundTripsRepetitiveDataAndCompressesIt() throws {
        let text = Array(String(repeating: "GET /api/v1/users 200 12ms ", count: 5_000).utf8)
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        for data in [text, zeros] {
            let compressed = try #require(data.withUnsafeBytes { LZ4.compress($0) })
            #expect(compressed.count < data.count / 10)
            #expect(try roundTrip(data) == data)
        }
        // Higher acceleration is still decodable.
        let fast = try #require(text.withUnsafeBytes { LZ4.compress($0, acceleration: 16) })
        #expect(try fast.withBytes { (b) throws(FormatError) in try LZ4.decompress(b, rawLength: text.count) } == text)
    }

    @Test func lz4DecompressOfGarbageThrows() {
        var rng = SeededRandom(seed: 0x6A7)
        for i in 0..<2_000 {
            let garbage = rng.bytes(rng.int(0...300))
            let rawLength = rng.pick([1, 7, 64, 1_000, rng.int(1...100_000)])
            do {
                let out = try garbage.withBytes { (b) throws(FormatError) in try LZ4.decompress(b, rawLength: rawLength) }
                // Garbage that happens to be a valid block must then decode to exactly rawLength bytes.
                #expect(out.count == rawLength, "case \(i)")
            } catch {
                #expect(error.reason.contains("LZ4"), "case \(i)")
            }
        }
        // Empty input for a non-empty block.
        #expect(formatError([]) { (b) throws(FormatError) in try LZ4.decompress(b, rawLength: 10) } != nil)
        // Corrupted real blocks: flipped bytes never crash and never yield the wrong size.
        let data = Array(String(repeating: "hello lz4 world ", count: 200).utf8)
        let good = data.withUnsafeBytes { LZ4.compress($0) }!
        for i in 0..<good.count {
            var bad = good
            bad[i] ^= 0xA5
            if let out = try? bad.withBytes({ (b) throws(FormatError) in try LZ4.decompress(b, rawLength: data.count) }) {
                #expect(out.count == data.count)
            }
        }
    }

    @Test func lz4WrongRawLengthThrows() throws {
        var rng = SeededRandom(seed: 77)
        let data = rng.bytes(1_000) + [UInt8](repeating: 7, count: 1_000)
        let compressed = try #require(data.withUnsafeBytes { LZ4.compress($0) })
        for wrong in [1, 999, 1_999, 2_001, 4_000, 1 << 20] {
            let e = formatError(compressed) { (b) throws(FormatError) in try LZ4.decompress(b, rawLength: wrong) }
            #expect(e != nil, "rawLength \(wrong)")
        }
        #expect(formatError(compressed) { (b) throws(FormatError) in try LZ4.decompress(b, rawLength: -1) } != nil)
        // Truncated compressed input.
        for cut in [0, 1, compressed.count / 2, compressed.count - 1] {
            #expect(formatError(Array(compressed[..<cut])) { (b) throws(FormatError) in try LZ4.decompress(b, rawLength: data.count) } != nil)
        }
    }

    @Test func lz4VersionIsReported() {
        #expect(!LZ4.version.isEmpty)
    }
}
