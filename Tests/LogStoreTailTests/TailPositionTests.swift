import Testing
@testable import LogStoreTail

@Suite struct TailPositionTests {
    @Test func encodingRoundTripsEveryField() throws {
        let p = TailPosition(identity: FileIdentity(device: 0xFD01, inode: 1 << 40 + 7), offset: 123_456_789_012,
                             lineNumber: 98_765, fingerprint: Fingerprint(of: Array("hello\n".utf8)))
        let value = p.encoded()
        #expect(value.count == 43)
        #expect(value.first == 1)
        #expect(try TailPosition.decode(value).get() == p)
    }

    @Test func anotherVersionIsRefusedNamingBoth() {
        var value = TailPosition(identity: FileIdentity(device: 1, inode: 2), offset: 3, lineNumber: 4,
                                 fingerprint: .empty).encoded()
        value[0] = 2
        guard case .failure(let e) = TailPosition.decode(value) else {
            Issue.record("version 2 was accepted")
            return
        }
        #expect(e.reason.contains("version 2") && e.reason.contains("version 1"))
    }

    @Test func truncatedOrOutOfRangeValuesAreRefused() {
        let good = TailPosition(identity: FileIdentity(device: 1, inode: 2), offset: 3, lineNumber: 4, fingerprint: .empty).encoded()
        #expect((try? TailPosition.decode(Array(good.dropLast())).get()) == nil)
        #expect((try? TailPosition.decode([]).get()) == nil)
        var zeroLine = good
        for i in 25..<33 { zeroLine[i] = 0 }  // line number 0
        #expect((try? TailPosition.decode(zeroLine).get()) == nil)
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
