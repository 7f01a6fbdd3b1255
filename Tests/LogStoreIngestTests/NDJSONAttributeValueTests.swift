import Testing
import LogStoreFormat
import LogStoreIngest

@Suite("NDJSON attribute values")
struct NDJSONAttributeValueTests {
    /// The attributes of a record whose extra members are `members`.
    func attributes(_ members: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [Attribute] {
        try record("{\(tsMember),\(members)}", sourceLocation: sourceLocation).attributes
    }

    @Test func scalarTypes() throws {
        let a = try attributes(#""s":"text","i":42,"n":-7,"d":1.5,"t":true,"f":false,"z":null,"e":"""#)
        #expect(a == [Attribute("s", .string("text")), Attribute("i", .int(42)), Attribute("n", .int(-7)),
                      Attribute("d", .double(1.5)), Attribute("t", .bool(true)), Attribute("f", .bool(false)),
                      Attribute("e", .string(""))])
    }

    @Test(arguments: [
        ("0", AttributeValue.int(0)), ("-0", .int(0)), ("9223372036854775807", .int(.max)),
        ("-9223372036854775808", .int(.min)), ("9223372036854775808", .double(9_223_372_036_854_775_808.0)),
        ("-9223372036854775809", .double(-9_223_372_036_854_775_809.0)), ("123456789012345678", .int(123_456_789_012_345_678)),
        ("1.0", .double(1.0)), ("1e3", .double(1000)), ("1E+3", .double(1000)), ("25e-1", .double(2.5)),
        ("0.1", .double(0.1)), ("-0.0", .double(-0.0)), ("1e400", .double(.infinity)), ("-1e400", .double(-.infinity)),
        ("1e-400", .double(0)), ("3.141592653589793238462643", .double(3.141592653589793)),
        ("0.30000000000000004", .double(0.30000000000000004)), ("123456789.123456789", .double(123_456_789.123456789)),
        ("1.7976931348623157e308", .double(.greatestFiniteMagnitude)), ("5e-324", .double(.leastNonzeroMagnitude)),
        ("0.000001", .double(0.000001)), ("100000000000000000000000", .double(1e23)),
    ] as [(String, AttributeValue)])
    func numbers(json: String, value: AttributeValue) throws {
        let a = try attributes(#""v":\#(json)"#)
        #expect(a.count == 1)
        #expect(a.first?.value.isIdentical(to: value) == true, "\(json) → \(String(describing: a.first?.value))")
    }

    @Test func doublesMatchTheStandardLibraryOnRandomInputs() throws {
        var rng = SeededRandom(seed: 77)
        var mismatches: [String] = []
        for _ in 0..<3000 {
            let digits = (0..<rng.int(1...20)).map { _ in String(rng.int(0...9)) }.joined()
            let fraction = (0..<rng.int(1...20)).map { _ in String(rng.int(0...9)) }.joined()
            let exponent = rng.chance(3) ? "e\(rng.int(-30...30))" : ""
            let intPart = digits.drop { $0 == "0" }
            let text = "\(intPart.isEmpty ? "0" : String(intPart)).\(fraction)\(exponent)"
            let parsed = try attributes(#""v":\#(text)"#).first?.value
            if parsed != .double(Double(text) ?? .nan) { mismatches.append(text) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test func arraysKeepTheirJSONText() throws {
        let a = try attributes(#""tags":["a","b",3],"empty":[],"spaced":[ 1 , {"x" : null} , [true] ],"esc":["\u00e9\n"]"#)
        #expect(a == [Attribute("tags", .string(#"["a","b",3]"#)), Attribute("empty", .string("[]")),
                      Attribute("spaced", .string(#"[ 1 , {"x" : null} , [true] ]"#)),
                      Attribute("esc", .string(#"["\u00e9\n"]"#))])
    }

    @Test func nestedObjectsAreFlattened() throws {
        let a = try attributes(#""before":1,"http":{"status":500,"req":{"method":"GET","h":{"ua":"curl"}},"ok":false},"after":"x""#)
        #expect(a == [Attribute("before", .int(1)), Attribute("http.status", .int(500)),
                      Attribute("http.req.method", .string("GET")), Attribute("http.req.h.ua", .string("curl")),
                      Attribute("http.ok", .bool(false)), Attribute("after", .string("x"))])
    }

    @Test func nestedNullsEmptyObjectsAndArrays() throws {
        let a = try attributes(#""o":{},"p":{"n":null,"q":{}},"r":{"list":[1,{"a":2}]}"#)
        #expect(a == [Attribute("r.list", .string(#"[1,{"a":2}]"#))])
    }

    @Test func flatteningHandlesEscapedAndOddKeys() throws {
        let a = try attributes(#""a\"b":{"c\u0064":1},"":{"":2},"x.y":{"z":3},"\u00fc":{"\ud83d\ude00":4}"#)
        #expect(a == [Attribute("a\"b.cd", .int(1)), Attribute(".", .int(2)), Attribute("x.y.z", .int(3)),
                      Attribute("ü.😀", .int(4))])
    }

    @Test func nestingDepthLimit() throws {
        // The record object is level 1; 31 more nested objects reach level 32.
        func nested(_ levels: Int) -> String {
            String(repeating: #"{"k":"#, count: levels) + "1" + String(repeating: "}", count: levels)
        }
        let ok = try attributes(#""deep":\#(nested(31))"#)
        #expect(ok.count == 1)
        #expect(ok.first?.key == "deep" + String(repeating: ".k", count: 31))
        let line = "{\(tsMember),\"deep\":\(nested(32))}"
        let e = try lineError(line)
        #expect(e.reason == "nesting deeper than 32 levels")
        // The 33rd opening brace: after `{ts,"deep":` come 31 × `{"k":` (5 bytes each), then the culprit.
        #expect(e.column == 1 + tsMember.utf8.count + 1 + 7 + 31 * 5 + 1)
        // Arrays count too, and so do containers inside skipped values.
        let arrays = "{\(tsMember),\"a\":" + String(repeating: "[", count: 32) + String(repeating: "]", count: 32) + "}"
        #expect(try lineError(arrays).reason == "nesting deeper than 32 levels")
        let arraysOK = String(repeating: "[", count: 31) + String(repeating: "]", count: 31)
        #expect(try attributes(#""a":\#(arraysOK)"#) == [Attribute("a", .string(arraysOK))])
        let skipped = "{\(tsMember),\"level\":\(nested(32))}"
        #expect(try lineError(skipped).reason == "nesting deeper than 32 levels")
    }

    @Test func configurableDepthLimit() throws {
        let options = NDJSONParserOptions(maxNestingDepth: 2)
        #expect(try lineError(#"{\#(tsMember),"a":{"b":{"c":1}}}"#, options: options).reason == "nesting deeper than 2 levels")
        if case .failure(let e) = parse(#"{\#(tsMember),"a":{"b":1}}"#, options: options) {
            Issue.record("unexpected \(e)")
        }
    }

    @Test func whitespaceEverywhere() throws {
        let r = try record(" \t{ \"ts\" :\r\"2026-11-22T20:02:33Z\" , \"a\" : [ 1 ] ,\"b\":{ \"c\" : 2 } } \t\r")
        #expect(r.timestamp == referenceNanos)
        #expect(r.attributes == [Attribute("a", .string("[ 1 ]")), Attribute("b.c", .int(2))])
    }

    @Test func longStringsAndManyAttributes() throws {
        let long = String(repeating: "abcdefghij", count: 1000)
        let members = (0..<100).map { #""k\#($0)":"\#(long.prefix($0 * 7))""# }.joined(separator: ",")
        let a = try attributes(members)
        #expect(a.count == 100)
        #expect(a.enumerated().allSatisfy { $0.element == Attribute("k\($0.offset)", .string(String(long.prefix($0.offset * 7)))) })
    }
}
