/// Opens whole blocks (header and stored bytes) of either segment format version.
public enum BlockReader {
    /// Checks and decodes a whole version 2 block: its header and all three sections, still encoded.
    public static func openSections(_ full: UnsafeRawBufferPointer) throws(FormatError) -> (header: SectionedBlockHeader, sections: BlockSections) {
        let header = try SectionedBlockHeader.decode(full)
        guard full.count == SectionedBlockHeader.size + header.storedLength else {
            throw FormatError("block holds \(full.count - SectionedBlockHeader.size) stored bytes, its header says \(header.storedLength)", at: 12)
        }
        var decoded: [[UInt8]] = []
        for section in BlockSection.allCases {
            let start = header.offset(of: section)
            let stored = UnsafeRawBufferPointer(rebasing: full[start..<(start + header.sections[section.rawValue].storedLength)])
            do {
                decoded.append(try header.open(section, stored: stored))
            } catch {
                throw error.shifted(by: start)
            }
        }
        return (header, BlockSections(core: decoded[0], messages: decoded[1], attributes: decoded[2], count: header.recordCount))
    }

    /// Checks and decodes a whole block of segment format `version` (1 or 2), every section included.
    public static func decode(_ full: UnsafeRawBufferPointer, version: UInt16) throws(FormatError) -> DecodedBlock {
        if version < 2 { return try DecodedBlock(raw: try BlockHeader.open(full)) }
        let (_, sections) = try openSections(full)
        return try DecodedBlock(sections)
    }
}
