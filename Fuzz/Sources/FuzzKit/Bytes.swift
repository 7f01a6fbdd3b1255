import LogStore
import LogStoreFormat

@inline(__always)
public func loadU32(_ b: [UInt8], _ at: Int) -> UInt32 {
    b.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
}

@inline(__always)
public func loadU64(_ b: [UInt8], _ at: Int) -> UInt64 {
    b.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
}

@inline(__always)
public func storeU32(_ b: inout [UInt8], _ at: Int, _ v: UInt32) {
    b.withUnsafeMutableBytes { $0.storeBytes(of: v.littleEndian, toByteOffset: at, as: UInt32.self) }
}

/// Rewrites the checksums of an input so that mutations get past the CRC checks and reach the decoders
/// behind them. The harnesses run the input as given *and* its fixed-up copy.
public enum ChecksumFixup {
    /// WAL file: the header checksum, and every frame reached by following the length fields from byte 32.
    public static func wal(_ b: inout [UInt8]) {
        guard b.count >= WALFormat.headerSize else { return }
        storeU32(&b, 28, CRC32C.checksum(b, range: 0..<28))
        var o = WALFormat.headerSize
        while b.count - o >= WALFormat.frameHeaderSize {
            let length = Int(loadU32(b, o))
            guard length <= b.count - o - WALFormat.frameHeaderSize else { return }
            storeU32(&b, o + 4, b.withUnsafeBytes { all in
                let head = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: all[o..<(o + 4)]))
                return CRC32C.checksum(UnsafeRawBufferPointer(rebasing: all[(o + 8)..<(o + WALFormat.frameHeaderSize + length)]), continuing: head)
            })
            o += WALFormat.frameHeaderSize + length
        }
    }

    /// Segment file: header checksum; when the trailer points at a footer that decodes, the checksum of
    /// every block it lists that lies inside the file and (versions 4 and 5) of every correlation page,
    /// written back into the footer when it re-encodes to its own length; then the footer checksum in
    /// the trailer.
    public static func segment(_ b: inout [UInt8]) {
        guard b.count >= SegmentFormat.headerSize + SegmentFormat.trailerSize else { return }
        storeU32(&b, 60, CRC32C.checksum(b, range: 0..<60))
        let t = b.count - SegmentFormat.trailerSize
        let footerOffset = loadU64(b, t)
        let footerLength = Int(loadU32(b, t + 8))
        guard footerOffset >= UInt64(SegmentFormat.headerSize), footerOffset <= UInt64(t),
              Int(footerOffset) + footerLength == t else { return }
        let fo = Int(footerOffset)
        let version = UInt16(b[8]) | UInt16(b[9]) << 8
        if let footer = try? b.withBytes({ (all) throws(FormatError) in
            try SegmentFooter.decode(UnsafeRawBufferPointer(rebasing: all[fo..<t]), version: version)
        }) {
            for entry in footer.blocks {
                guard entry.offset <= UInt64(fo) else { break }
                let start = Int(entry.offset)
                let end = start + entry.diskLength
                guard end <= fo, entry.diskLength >= entry.headerLength else { continue }
                if entry.isSectioned {
                    // Each section's checksum, then the header's, then the footer entry's copy of it.
                    var o = start + SectionedBlockHeader.size
                    for k in 0..<SectionedBlockHeader.sectionCount {
                        let n = Int(entry.sections[k].storedLength)
                        storeU32(&b, start + 12 + 16 * k + 12, CRC32C.checksum(b, range: o..<(o + n)))
                        o += n
                    }
                    storeU32(&b, start + 60, CRC32C.checksum(b, range: start..<(start + 60)))
                    continue
                }
                let crc = b.withUnsafeBytes { all in
                    let head = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: all[start..<(start + 16)]))
                    return CRC32C.checksum(UnsafeRawBufferPointer(rebasing: all[(start + BlockFormat.headerSize)..<end]), continuing: head)
                }
                storeU32(&b, start + 16, crc)
            }
            if var fence = footer.correlationFence {
                for i in fence.pages.indices {
                    let p = fence.pages[i]
                    guard p.offset + UInt64(p.length) <= UInt64(fo) else { break }
                    fence.pages[i].checksum = CRC32C.checksum(b, range: Int(p.offset)..<(Int(p.offset) + p.length))
                }
                var fixed = footer
                fixed.correlationFence = fence
                let body = fixed.encode(version: version)
                if body.count == t - fo { b.replaceSubrange(fo..<t, with: body) }
            }
        }
        storeU32(&b, t + 12, CRC32C.checksum(b, range: fo..<t))
    }
}
