// Fuzz target: a whole MANIFEST file (docs/FORMAT.md, section 11) → its entries. Runs the input as given,
// then a copy whose header and body checksums were recomputed, so that mutations reach the entry decoder.
import CFuzzSupport
import FuzzKit
import LogStore
import LogStoreFormat

func checkManifest(_ buf: UnsafeRawBufferPointer) {
    guard let entries = try? ManifestFile.decode(buf) else { return }
    let body = buf.count - ManifestFile.headerSize
    require(entries.count <= body / (SegmentFormat.headerSize + 69), "\(entries.count) entries in a body of \(body) bytes")
    require(Set(entries.map(\.header.segmentID)).count == entries.count, "a segment id decoded twice")
    for e in entries {
        require(e.fileSize >= Int64(SegmentFormat.headerSize + SegmentFormat.trailerSize), "entry with a file size of \(e.fileSize)")
        require(e.summary.replaces.allSatisfy { $0 < e.header.segmentID }, "replaced id not below the segment's own")
        require(zip(e.summary.replaces, e.summary.replaces.dropFirst()).allSatisfy { $0 < $1 }, "replaced ids not ascending")
        require((1...CorrelationFilter.maxProbes).contains(e.filter.probes), "filter with \(e.filter.probes) probes")
        // Probing never traps, whatever the words (an empty filter rules out everything).
        for h: UInt64 in [0, 1, e.header.segmentID, .max] { _ = e.filter.mayContain(h) }
        require(!e.filter.words.isEmpty || !e.filter.mayContain(42), "an empty filter answered maybe")
    }
    let again = ManifestFile.encode(entries)
    require((try? again.withUnsafeBytes { try ManifestFile.decode($0) }) == entries, "entries do not survive encode and decode")
    // The old version's encoding (names in every entry, no dictionary) is still read back to the same entries.
    let old = ManifestFile.encode(entries, version: ManifestFile.firstVersion)
    let oldDecoded = try? old.withUnsafeBytes { try ManifestFile.decodeFile($0) }
    require(oldDecoded?.version == ManifestFile.firstVersion && oldDecoded?.entries == entries,
            "entries do not survive a version 1 encode and decode")
}

/// Recomputes the body checksum (bytes 16…19) and header checksum (20…23) of a checksummed file (8.2).
func fixChecksums(_ b: inout [UInt8]) {
    guard b.count >= ManifestFile.headerSize else { return }
    let bodyCRC = b.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[ManifestFile.headerSize...])) }
    storeU32(&b, 12, UInt32(truncatingIfNeeded: b.count - ManifestFile.headerSize))
    storeU32(&b, 16, bodyCRC)
    let headerCRC = b.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<20])) }
    storeU32(&b, 20, headerCRC)
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let buf = inputBuffer(data, size)
    checkManifest(buf)
    var fixed = Array(buf)
    fixChecksums(&fixed)
    if !fixed.elementsEqual(buf) {
        fixed.withUnsafeBytes { checkManifest($0) }
    }
    return 0
}

fuzzMain { fuzzOne($0, $1) }
