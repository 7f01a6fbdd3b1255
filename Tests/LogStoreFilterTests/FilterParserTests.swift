import Testing
import LogStore
@testable import LogStoreFilter

private let now: Int64 = 1_800_000_000_000_000_000

private func parse(_ s: String) throws -> FilterExpression { try FilterParser(now: now).parse(s) }

private func error(_ s: String) -> FilterSyntaxError? {
    do { _ = try FilterParser(now: now).parse(s); return nil } catch { return error }
}

@Suite struct FilterParserTests {
    @Test func andBindsTighterThanOrAndNotTighterThanAnd() throws {
        let e = try parse("level = error or source = a and not message ~ x")
        #expect(e == .or(.condition(.level(.equal, .error)),
                         .and(.condition(.text(.source, .equal, "a")), .not(.condition(.text(.message, .contains, "x"))))))
        #expect(try parse("(level = error or source = a) and message ~ x")
                == .and(.or(.condition(.level(.equal, .error)), .condition(.text(.source, .equal, "a"))), .condition(.text(.message, .contains, "x"))))
    }

    @Test func valuesAreTypedByTheirField() throws {
        #expect(try parse("attr.status >= 500") == .condition(.attribute("status", .greaterOrEqual, .int(500))))
        #expect(try parse("attr.ms < 2.5") == .condition(.attribute("ms", .less, .double(2.5))))
        #expect(try parse("attr.ok = true") == .condition(.attribute("ok", .equal, .bool(true))))
        #expect(try parse("attr.code = \"500\"") == .condition(.attribute("code", .equal, .string("500"))))
        #expect(try parse("level in (warn, ERR)") == .condition(.levelIn([.warning, .error])))
        #expect(try parse("time >= 15m") == .condition(.time(.greaterOrEqual, now - 900_000_000_000)))
        #expect(try parse("time < 2026-11-22T10:00:00Z") == .condition(.time(.less, 1_795_341_600_000_000_000)))
        #expect(try parse("source not in (a, 'b c')") == .not(.condition(.textIn(.source, ["a", "b c"]))))
        #expect(try parse("message ~ \"say \\\"hi\\\"\"") == .condition(.text(.message, .contains, "say \"hi\"")))
    }

    @Test func errorsNameTheColumnAndTheReason() {
        #expect(error("level >= warnin") == FilterSyntaxError(column: 10, "unknown level 'warnin'; levels are trace, debug, info, notice, warning, error, critical"))
        #expect(error("status >= 500")?.column == 1)
        #expect(error("status >= 500")?.message.contains("attr.status") == true)
        #expect(error("level = error and")?.column == 18)
        #expect(error("(level = error")?.message == "expected ')' to close the '(' at column 1, found the end of the expression")
        #expect(error("level = error)")?.column == 14)
        #expect(error("message ~ \"open")?.message.contains("unterminated string") == true)
        #expect(error("level ~ error")?.column == 7)
        #expect(error("attr.n > abc")?.column == 10)
        #expect(error("time > yesterday")?.column == 8)
        #expect(error("level ! error")?.column == 7)
        #expect(error("")?.column == 1)
        #expect(error(String(repeating: "(", count: 100) + "level = info" + String(repeating: ")", count: 100))?.message.contains("nested") == true)
    }

    @Test func canonicalTextParsesBackToTheSameExpression() throws {
        for text in ["level >= warning and source = \"api-worker\" and attr.status >= 500 and message ~ \"timeout\"",
                     "not (level in (debug, trace) or correlation = \"x\\ny\")", "attr.ms <= -1.5e3 or attr.ok != false",
                     "time > 2026-01-01T00:00:00.5Z and attr.region in (eu, \"us east\", 3)"] {
            let e = try parse(text)
            #expect(try parse(e.description) == e, "\(e)")
        }
    }

    /// Found by FuzzFilter (Fuzz/regressions/FuzzFilter/combining-mark-after-escape): a combining mark
    /// after a backslash, a quote or a control character fused with it into one Character, so the
    /// canonical text of a string holding `\r` + U+065E did not parse back. The lexer and the printer
    /// now work on Unicode scalars.
    @Test func stringsWithCombiningMarksRoundTripThroughTheirCanonicalText() throws {
        for value in ["\r\u{65E}", "\\\u{301}", "\"\u{301}", "\u{301}leading mark", "tab\t\u{337}|"] {
            let e = try parse("message ~ " + FilterCondition.quote(value))
            #expect(try parse(e.description) == e, "\(Array(value.unicodeScalars))")
            #expect(e.description.contains("~"), "\(e)")
        }
        // Columns count Unicode scalars: "attr.x\u{337} =" has 9 scalars (8 Characters); its end is column 10.
        let error = #expect(throws: FilterSyntaxError.self) { try FilterParser(now: now).parse("attr.x\u{337} =") }
        #expect(error?.column == 10)
    }
}

@Suite struct FilterPlanTests {
    let records: [LogRecord] = (0..<60).map(Self.record)

    static func record(_ i: Int) -> LogRecord {
        let level = LogLevel(rawValue: UInt8(i % 7)) ?? .info
        let source = ["a", "b", "c"][i % 3]
        let id: String? = i % 4 == 0 ? nil : "id-\(i % 5)"
        let message = "msg \(i) " + (i % 2 == 0 ? "even" : "odd")
        let attributes: [Attribute] = i % 6 == 0 ? [] : [Attribute("n", .int(Int64(i))), Attribute("s", .string("v\(i % 3)"))]
        return LogRecord(timestamp: Int64(i) * 1_000, level: level, source: source, correlationID: id, message: message,
                         attributes: attributes, sequence: UInt64(i + 1))
    }

    /// What the engine does with the pushed-down query, checked record by record.
    func engineMatches(_ q: LogQuery, _ r: LogRecord) -> Bool {
        if let s = q.since, r.timestamp < s { return false }
        if let u = q.until, r.timestamp >= u { return false }
        if let l = q.levels, !l.contains(r.level) { return false }
        if !q.sources.isEmpty && !q.sources.contains(r.source) { return false }
        if let id = q.correlationID, r.correlationID != id { return false }
        if let m = q.messageContains, !r.message.contains(m) { return false }
        for f in q.attributes {
            guard let a = r.attributes.first(where: { $0.key == f.key }), f.matches(a.value) else { return false }
        }
        return true
    }

    @Test(arguments: [
        "level >= warning and source = a",
        "time >= 1970-01-01T00:00:00.00001Z and time < 1970-01-01T00:00:00.00004Z and attr.n > 20",
        "source in (a, b) and correlation = \"id-2\" and message ~ even",
        "level = error or source = c",
        "not level = info and attr.s ~ v1",
        "attr.n != 7 and level in (debug, error) and source != b",
        "time <= 1970-01-01T00:00:00.00003Z and time > 1970-01-01T00:00:00.00001Z",
    ])
    func pushedDownQueryAndResidualTogetherMatchExactlyTheExpression(_ text: String) throws {
        let e = try FilterParser(now: 0).parse(text)
        let plan = e.plan(into: LogQuery())
        for r in records {
            #expect(e.matches(r) == (engineMatches(plan.query, r) && plan.matches(r)), "\(text): record \(r.sequence)")
        }
    }

    @Test func timeLevelSourceAndCorrelationArePushedSoBlocksAreSkipped() throws {
        let e = try FilterParser(now: 0).parse("time >= 1970-01-01T00:00:01Z and level >= error and source = api and correlation = x and attr.status >= 500 and message ~ t")
        let plan = e.plan(into: LogQuery())
        #expect(plan.residual == nil)
        #expect(plan.query.since == 1_000_000_000)
        #expect(plan.query.levels == [.error, .critical])
        #expect(plan.query.sources == ["api"])
        #expect(plan.query.correlationID == "x")
        #expect(plan.query.messageContains == "t")
        #expect(plan.query.attributes.count == 1)
    }

    @Test func orAndConflictsWithTheBaseQueryStayResidual() throws {
        var base = LogQuery()
        base.sources = ["b"]
        let plan = try FilterParser(now: 0).parse("source = a and (level = error or level = info)").plan(into: base)
        #expect(plan.pushed.isEmpty)
        #expect(plan.query.sources == ["b"])
        #expect(plan.residual != nil)
    }
}
