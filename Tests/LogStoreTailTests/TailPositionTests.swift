import Testing
@testable import LogStoreTail

@Suite struct TailPositionTests {
    @Test func encodingRoundTripsEveryField() throws {
        let p = TailPosition(identity: FileIdentity(device: 0xFD01, inode: 1 << 40 + 7), offset: 123_456_789_012,
                             lineNumber: 98_765, fingerprint: Fingerprint(of: Array("hello\n".utf8)),
                             size: 123_456_800_000, modified: 1_796_000_000_123_456_789,
                             edge: Fingerprint(of: Array("the last line\n".utf8)))
        let value = p.encoded()
        #expect(value.count == 69)
        #expect(value.first == 2)
        #expect(try TailPosition.decode(value).get() == p)
    }

    /// Golden bytes of a version 1 value (docs/FORMAT.md 9.3), as logstore before format version 6 stored
    /// them: they must still decode, with size = offset and no modification time.
    @Test func version1ValuesStillDecode() throws {
        let hex = "0101fd0000000000000700000000010000001000000000000039000000000000000004efcdab8967452301"
        var v1: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            v1.append(UInt8(hex[i..<j], radix: 16)!)
            i = j
        }
        #expect(v1.count == 43)
        let p = try TailPosition.decode(v1).get()
        #expect(p.identity == FileIdentity(device: 0xFD01, inode: 1 << 40 + 7))
        #expect(p.offset == 4096 && p.lineNumber == 57)
        #expect(p.fingerprint == Fingerprint(length: 1024, hash: 0x0123_4567_89AB_CDEF))
        #expect(p.size == 4096 && p.modified == nil)
        // Migrated: stored again, it is written as version 2 with the same fields.
        let again = try TailPosition.decode(p.encoded()).get()
        #expect(again.identity == p.identity && again.offset == 4096 && again.lineNumber == 57 && again.fingerprint == p.fingerprint)
        #expect(p.encoded().first == 2)
    }

    @Test func anotherVersionIsRefusedNamingBoth() {
        var value = TailPosition(identity: FileIdentity(device: 1, inode: 2), offset: 3, lineNumber: 4,
                                 fingerprint: .empty).encoded()
        value[0] = 3
        guard case .failure(let e) = TailPosition.decode(value) else {
            Issue.record("version 3 was accepted")
            return
        }
        #expect(e.reason.contains("version 3") && e.reason.contains("versions 1 and 2"))
    }

    @Test func truncatedOrOutOfRangeValuesAreRefused() {
        let good = TailPosition(identity: FileIdentity(device: 1, inode: 2), offset: 3, lineNumber: 4, fingerprint: .empty).encoded()
        #expect((try? TailPosition.decode(Array(good.dropLast())).get()) == nil)
        #expect((try? TailPosition.decode([]).get()) == nil)
        var zeroLine = good
        for i in 25..<33 { zeroLine[i] = 0 }  // line number 0
        #expect((try? TailPosition.decode(zeroLine).get()) == nil)
        var v1WithV2Length = good
        v1WithV2Length[0] = 1
        #expect((try? TailPosition.decode(v1WithV2Length).get()) == nil)
        var sizeBelowOffset = good
        for i in 43..<51 { sizeBelowOffset[i] = 0 }  // size 0 < offset 3
        #expect((try? TailPosition.decode(sizeBelowOffset).get()) == nil)
    }

    @Test func fingerprintDependsOnContentAndLength() {
        #expect(Fingerprint(of: Array("abc".utf8)) != Fingerprint(of: Array("abd".utf8)))
        #expect(Fingerprint(of: Array("abc".utf8)) != Fingerprint(of: Array("abcd".utf8)))
        #expect(Fingerprint(of: Array("abc".utf8)) == Fingerprint(of: Array("abc".utf8)))
        #expect(Fingerprint(of: [UInt8]()).length == 0)
    }

    @Test func checkpointNameIsThePrefixedAbsolutePath() {
        #expect(TailPosition.checkpointName(for: "/var/log/app.log") == "tail:/var/log/app.log")
        #expect(PathPatterns.absolute("/a/b") == "/a/b")
        #expect(PathPatterns.absolute("x.log").hasSuffix("/x.log"))
        #expect(PathPatterns.absolute("x.log").hasPrefix("/"))
        #expect(PathPatterns.absolute("/a/./b//c.log") == "/a/b/c.log")
        #expect(PathPatterns.absolute("./x.log") == PathPatterns.absolute("x.log"))
    }
}
