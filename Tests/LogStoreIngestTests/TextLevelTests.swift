import Testing
import LogStoreFormat
@testable import LogStoreIngest

@Suite struct TextLevelTests {
    func level(_ line: String) -> LogLevel? {
        var l = line
        return l.withUTF8 { TextLevel.detect($0.baseAddress!, count: $0.count, from: 0) }
    }

    @Test(arguments: [
        ("ERROR something broke", LogLevel.error),
        ("2015 x WARN  [QuorumPeer] y", .warning),
        ("[info] started", .info),
        ("<debug> x", .debug),
        ("level=error msg=x", .error),
        ("Info  CBS Loaded", .info),
        ("E/ActivityManager( 123): crash", .error),
        ("1702  2395 D WindowManager: x", .debug),
        ("FATAL out of memory", .critical),
        ("SEVERE: x", .critical),
        ("error: cannot open file", .error),
    ])
    func commonTokensGiveTheLevel(line: String, expected: LogLevel) {
        #expect(level(line) == expected)
    }

    @Test(arguments: ["instruction cache parity error corrected", "check pass; user unknown",
                      "the Err of our ways", "A user logged in", "ab D cd"])
    func proseIsNotALevel(line: String) {
        #expect(level(line) == nil)
    }

    @Test func undetectedLevelIsInfo() throws {
        let r = try TextLineParser(options: fixedOptions()).parseLine("hello", lineNumber: 1).get()
        #expect(r.level == .info)
    }
}
