import Testing
@testable import LogStoreFormat

/// The record model's on-disk constants (FORMAT.md 3.1, 3.2, 3.3).
@Suite struct ModelTests {
    @Test func levelBytesMatchSpec() {
        let expected: [(LogLevel, UInt8, String)] = [(.trace, 0, "trace"), (.debug, 1, "debug"), (.info, 2, "info"),
                                                     (.notice, 3, "notice"), (.warning, 4, "warning"), (.error, 5, "error"),
                                                     (.critical, 6, "critical")]
        #expect(LogLevel.allCases.count == LogLevel.count)
        for (level, byte, name) in expected {
            #expect(level.rawValue == byte)
            #expect(level.name == name)
            #expect(LogLevel(name: name) == level)
            #expect(LogLevel(name: name.uppercased()) == level)
        }
        #expect(LogLevel(rawValue: 7) == nil)
        #expect(LogLevel.trace < LogLevel.critical)
    }

    @Test func specLevelAliasesAreAccepted() {
        #expect(LogLevel(name: "warn") == .warning)
        #expect(LogLevel(name: "err") == .error)
        #expect(LogLevel(name: "fatal") == .critical)
        #expect(LogLevel(name: "crit") == .critical)
        #expect(LogLevel(name: "verbose") == nil)
        #expect(LogLevel(name: "") == nil)
    }

    @Test func attributeTypeBytesMatchSpec() {
        #expect(AttributeType.string == 0 && AttributeType.int == 1 && AttributeType.double == 2 && AttributeType.bool == 3)
        #expect(CorrelationKind.none == 0 && CorrelationKind.lowercaseUUID == 1 && CorrelationKind.uppercaseUUID == 2
                && CorrelationKind.string == 3)
        #expect(RecordLimits.maxCorrelationIDBytes == 255)
        #expect(RecordLimits.defaultMaxRecordBytes == 1 << 20)
        #expect(BlockFormat.maxRawLength == 16 << 20)
    }

    @Test func identicalComparesDoublesByBitPattern() {
        #expect(AttributeValue.double(.nan).isIdentical(to: .double(.nan)))
        #expect(!AttributeValue.double(.nan).isIdentical(to: .double(-.nan)))
        #expect(!AttributeValue.double(0.0).isIdentical(to: .double(-0.0)))
        #expect(!AttributeValue.int(1).isIdentical(to: .double(1)))
        let a = LogRecord(timestamp: 1, level: .info, source: "s", message: "m", attributes: [Attribute("x", .double(.nan))], sequence: 3)
        var b = a
        #expect(a.isIdentical(to: b))
        b.sequence = 4
        #expect(!a.isIdentical(to: b))
        #expect(a.attribute("x")?.isIdentical(to: .double(.nan)) == true)
        #expect(a.attribute("y") == nil)
    }
}
