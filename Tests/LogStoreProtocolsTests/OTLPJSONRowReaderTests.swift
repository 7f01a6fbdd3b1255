import Foundation
import LogStore
import Testing
@testable import LogStoreProtocols
import SwiftProtobuf

/// The single-pass OTLP/JSON reader (`OTLPJSONRowReader`, what `decodeJSONRows` tries first) against the
/// general reader (the JSON tree, the OTLP messages, `OTLPRowMapper`): same rows, same rejections, and
/// the single pass must actually take the bodies clients send.
@Suite struct OTLPJSONRowReaderTests {
    static let mappings = [OTLPMappingOptions(), OTLPMappingOptions(correlationAttribute: "request_id")]

    /// The single pass's answer, or nil when it declined the body.
    static func fast(_ body: [UInt8], _ mapping: OTLPMappingOptions) -> DecodedRows? {
        body.withUnsafeBufferPointer { bytes in
            var reader = OTLPJSONRowReader(options: mapping, receiveTime: 99)
            return try? reader.read(bytes)
        }
    }

    /// Both readers agree; returns whether the single pass took the body.
    @discardableResult
    static func expectSame(_ body: [UInt8], _ mapping: OTLPMappingOptions, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        let tree = Result { () throws(ProtocolDecodeError) in try OTLPLogsDecoder.decodeJSONRowsFromTree(body, receiveTime: 99, options: mapping) }
        guard let fast = fast(body, mapping) else {
            // Declined: decodeJSONRows gives the general reader's answer, error included.
            let served = Result { () throws(ProtocolDecodeError) in try OTLPLogsDecoder.decodeJSONRows(body, receiveTime: 99, options: mapping) }
            switch (served, tree) {
            case (.success(let a), .success(let b)):
                #expect(a.rows.bytes.bytes == b.rows.bytes.bytes && a.rows.ends == b.rows.ends && a.rejected == b.rejected,
                        sourceLocation: sourceLocation)
            case (.failure(let a), .failure(let b)): #expect(a == b, sourceLocation: sourceLocation)
            default: Issue.record("decodeJSONRows and the general reader disagree on \(String(decoding: body, as: UTF8.self))", sourceLocation: sourceLocation)
            }
            return false
        }
        switch tree {
        case .success(let expected):
            #expect(fast.rows.bytes.bytes == expected.rows.bytes.bytes, "\(String(decoding: body, as: UTF8.self))", sourceLocation: sourceLocation)
            #expect(fast.rows.ends == expected.rows.ends, sourceLocation: sourceLocation)
            #expect(fast.rejected == expected.rejected, sourceLocation: sourceLocation)
        case .failure(let error):
            Issue.record("the single pass took a body the general reader refuses (\(error)): \(String(decoding: body, as: UTF8.self))",
                         sourceLocation: sourceLocation)
        }
        return true
    }

    @Test func theBodiesOfSDKsAndOfTheBenchmarkTakeTheSinglePass() {
        let sdk = #"""
        {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}},{"key":"telemetry.sdk.language","value":{"stringValue":"python"}}]},
          "scopeLogs":[{"scope":{"name":"app","version":"1.0"},"logRecords":[
            {"timeUnixNano":"1700000000000000001","observedTimeUnixNano":"1700000000000000002","severityNumber":17,"severityText":"ERROR",
             "body":{"stringValue":"payment \"declined\" é"},"attributes":[{"key":"code.lineno","value":{"intValue":"42"}},{"key":"ok","value":{"boolValue":false}},
             {"key":"latency","value":{"doubleValue":1.5}},{"key":"request_id","value":{"stringValue":"r-9"}}],
             "droppedAttributesCount":0,"flags":1,"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"eee19b7ec3c1b174"}]}]}]}
        """#
        for mapping in Self.mappings {
            #expect(Self.expectSame(Array(sdk.utf8), mapping))
        }
        let decoded = Self.fast(Array(sdk.utf8), Self.mappings[1])
        #expect(decoded?.rows.count == 1)
    }

    @Test func memberOrderNullsDuplicatesAndSnakeCaseAgree() {
        let record = #"{"body":{"stringValue":"x"},"traceId":"0102030405060708090a0b0c0d0e0f10"}"#
        let bodies = [
            // resource after its scopes, scope after its records
            #"{"resourceLogs":[{"scopeLogs":[{"logRecords":[\#(record)],"scope":{"name":"late"}}],"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"late"}}]}}]}"#,
            // snake_case everywhere, camelCase winning over an earlier snake_case
            #"{"resource_logs":[{"scope_logs":[{"log_records":[{"time_unix_nano":5,"severity_number":9,"severity_text":"x","trace_id":"0102030405060708090a0b0c0d0e0f10","span_id":"0102030405060708","event_name":"e"}]}]}]}"#,
            #"{"resource_logs":[],"resourceLogs":[{"scopeLogs":[{"logRecords":[{"time_unix_nano":5,"timeUnixNano":6,"severityText":null,"severity_text":"snake"}]}]}]}"#,
            // nulls count as absent; the first non-null member wins
            #"{"resourceLogs":null,"resource_logs":[{"resource":null,"scopeLogs":[{"logRecords":[{"body":null,"body":{"stringValue":"second"},"attributes":null,"attributes":[{"key":"a","value":null}]}]}]}]}"#,
            // AnyValue: the last scalar member wins; unknown members are ignored
            #"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"a","intValue":"5","unknown":[1,{"x":null}]}}]}]}]}"#,
            // bad records among good ones, and a record that is not an object
            #"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"xyz"},7,{"timeUnixNano":"soon"},{"timeUnixNano":"18446744073709551615"},\#(record),{"severityNumber":"SEVERITY_NUMBER_WARN"},{"severityNumber":99999999999}]}]}]}"#,
            // escapes, uppercase hex, base64 ids, numbers in every form
            #"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"tab\t\u00e9\ud83d\ude00"},"severityText":"W\u0041RN","traceId":"W47/95gDgQPSabYzgT/GDA==","spanId":"EEE19B7EC3C1B174","timeUnixNano":1.7e18,"attributes":[{"key":"k\"q","value":{"intValue":-12}},{"key":"d","value":{"doubleValue":"NaN"}},{"key":"e","value":{"doubleValue":-1.5e-7}},{"key":"big","value":{"intValue":"99999999999999999999"}}]}]}]}]}"#,
            // nested values, bytes, a missing key, value before key, the correlation attribute in every form
            #"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"kvlistValue":{"values":[{"key":"z","value":{"arrayValue":{"values":[{"boolValue":true},{}]}}},{"key":"a","value":{"bytesValue":"AAE="}}]}},"attributes":[{"value":{"stringValue":"no key"}},{"value":{"intValue":3},"key":"request_id"},{"key":"request_id","value":{"stringValue":"second"}}]}]}]}]}"#,
            #"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":[{"key":"request_id","value":{"stringValue":""}},{"key":"request_id","value":{"boolValue":true}},{"key":"request_id","value":{"stringValue":"\#(String(repeating: "x", count: 300))"}}]}]}]}]}"#,
            // resource and scope attributes of every kind, a second scope without a scope
            #"{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"intValue":"3"}},{"key":"host","value":{"arrayValue":{"values":[]}}}]},"scopeLogs":[{"scope":{"name":"s","version":"","attributes":[{"key":"lib","value":{"doubleValue":2}}]},"logRecords":[\#(record)]},{"logRecords":[\#(record),{}]}]}]}"#,
        ]
        var taken = 0
        for body in bodies {
            for mapping in Self.mappings where Self.expectSame(Array(body.utf8), mapping) { taken += 1 }
        }
        #expect(taken == bodies.count * Self.mappings.count)
    }

    @Test func bodiesWithAnErrorGetTheGeneralReadersError() {
        let bodies = [
            #"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"x"}}]}]}]"#,      // truncated
            #"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"\ud83d"}}]}]}]}"#,  // lone surrogate
            #"{"resourceLogs":{"scopeLogs":[]}}"#,                                                      // not an array
            #"{"resourceLogs":[{"resource":{"attributes":[{"key":5}]},"scopeLogs":[]}]}"#,              // a bad resource
            #"{"resourceLogs":[{"scopeLogs":[{"scope":{"name":7},"logRecords":[]}]}]}"#,                // a bad scope
            #"[1,2]"#, #"{"a":1} x"#, #"{"a":tru}"#, #"{"a":01}"#, #"{"\u0061":1}"#,
            String(repeating: "[", count: 70) + String(repeating: "]", count: 70),
        ]
        for body in bodies {
            for mapping in Self.mappings { Self.expectSame(Array(body.utf8), mapping) }
        }
        var invalidUTF8 = Array(#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"ab"}}]}]}]}"#.utf8)
        invalidUTF8[invalidUTF8.firstIndex(of: UInt8(ascii: "b")) ?? 0] = 0xFF
        for mapping in Self.mappings { Self.expectSame(invalidUTF8, mapping) }
        #expect(Self.fast(invalidUTF8, Self.mappings[0]) == nil)
    }

    /// Property-style: random requests written as OTLP/JSON in random ways (member order, camelCase or
    /// snake_case, integers as numbers or strings, hex or base64 ids, escapes) agree on both readers, and
    /// the single pass takes them.
    @Test func randomBodiesAgree() {
        var rng = SystemRandomNumberGenerator()
        var taken = 0, total = 0
        for _ in 0..<300 {
            var writer = RandomOTLPJSON(rng: rng)
            let body = writer.body()
            rng = writer.rng
            for mapping in Self.mappings {
                total += 1
                if Self.expectSame(Array(body.utf8), mapping) { taken += 1 }
            }
        }
        #expect(taken == total)
    }
}

/// Writes random OTLP/JSON request bodies.
struct RandomOTLPJSON {
    var rng: SystemRandomNumberGenerator

    mutating func pick<T>(_ options: [T]) -> T { options[Int.random(in: 0..<options.count, using: &rng)] }
    mutating func chance(_ n: Int) -> Bool { Int.random(in: 0..<n, using: &rng) == 0 }

    mutating func string() -> String {
        let pieces = ["a", "é", "✓", "\\\"", "\\n", "\\u00e9", "😀", "request_id", " ", "Z"]
        return "\"" + (0..<Int.random(in: 0...8, using: &rng)).map { _ in pick(pieces) }.joined() + "\""
    }

    mutating func name(_ camel: String, _ snake: String) -> String { "\"" + (chance(4) ? snake : camel) + "\"" }

    mutating func object(_ members: [String]) -> String {
        var members = members
        members.shuffle(using: &rng)
        if chance(5) { members.append("\"unknownField\":" + pick(["null", "[1,{\"a\":\"b\"}]", "3.5", "\"x\""])) }
        return "{" + members.joined(separator: ",") + "}"
    }

    mutating func integer(_ range: ClosedRange<Int64>) -> String {
        let v = Int64.random(in: range, using: &rng)
        return chance(2) ? "\(v)" : "\"\(v)\""
    }

    mutating func anyValue(depth: Int) -> String {
        switch Int.random(in: 0...(depth < 2 ? 8 : 6), using: &rng) {
        case 0: return "{}"
        case 1, 2: return object([name("stringValue", "string_value") + ":" + string()])
        case 3: return object([name("intValue", "int_value") + ":" + integer(.min ... .max)])
        case 4: return object([name("doubleValue", "double_value") + ":" + pick(["1.5", "-0.25", "1e3", "\"NaN\"", "\"-Infinity\"", "7"])])
        case 5: return object([name("boolValue", "bool_value") + ":" + pick(["true", "false"])])
        case 6: return object([name("bytesValue", "bytes_value") + ":" + pick(["\"AAE=\"", "\"\"", "\"/w==\""])])
        case 7: return object([name("arrayValue", "array_value") + ":{\"values\":[" + (0..<Int.random(in: 0...2, using: &rng)).map { _ in anyValue(depth: depth + 1) }.joined(separator: ",") + "]}"])
        default: return object([name("kvlistValue", "kvlist_value") + ":{\"values\":" + keyValues(depth: depth + 1) + "}"])
        }
    }

    mutating func keyValues(depth: Int) -> String {
        "[" + (0..<Int.random(in: 0...4, using: &rng)).map { _ in
            object(["\"key\":" + (chance(3) ? "\"request_id\"" : string()), "\"value\":" + anyValue(depth: depth)])
        }.joined(separator: ",") + "]"
    }

    mutating func id(_ length: Int) -> String {
        let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
        switch Int.random(in: 0...6, using: &rng) {
        case 0: return "\"\""
        case 1: return "\"" + String(repeating: "0", count: length * 2) + "\""
        case 2: return "\"" + Data(bytes).base64EncodedString() + "\""
        case 3: return "\"" + bytes.map { String(format: "%02X", $0) }.joined() + "\""
        case 4: return "\"abc\""
        default: return "\"" + bytes.map { String(format: "%02x", $0) }.joined() + "\""
        }
    }

    mutating func record() -> String {
        var members: [String] = []
        if chance(2) { members.append(name("timeUnixNano", "time_unix_nano") + ":" + pick([integer(0...Int64.max), "\"18446744073709551615\"", "0"])) }
        if chance(2) { members.append(name("observedTimeUnixNano", "observed_time_unix_nano") + ":" + integer(0...5)) }
        if chance(2) { members.append(name("severityNumber", "severity_number") + ":" + pick(["9", "17", "0", "30", "\"13\"", "\"SEVERITY_NUMBER_ERROR\"", "-1"])) }
        if chance(2) { members.append(name("severityText", "severity_text") + ":" + pick(["\"\"", "\"warn\"", string()])) }
        if chance(2) { members.append("\"body\":" + anyValue(depth: 0)) }
        if chance(2) { members.append("\"attributes\":" + keyValues(depth: 0)) }
        if chance(2) { members.append(name("traceId", "trace_id") + ":" + id(16)) }
        if chance(2) { members.append(name("spanId", "span_id") + ":" + id(8)) }
        if chance(3) { members.append(name("eventName", "event_name") + ":" + string()) }
        if chance(20) { return pick(["7", "null", "\"x\""]) }
        return object(members)
    }

    mutating func body() -> String {
        let resources = (0..<Int.random(in: 0...3, using: &rng)).map { _ -> String in
            var members: [String] = []
            if chance(2) {
                var kvs = keyValues(depth: 0)
                if chance(2) { kvs = "[{\"key\":\"service.name\",\"value\":{\"stringValue\":" + string() + "}}" + (kvs == "[]" ? "]" : "," + kvs.dropFirst()) }
                members.append("\"resource\":{\"attributes\":" + kvs + "}")
            }
            let scopes = (0..<Int.random(in: 0...3, using: &rng)).map { _ -> String in
                var scopeMembers: [String] = []
                if chance(2) { scopeMembers.append("\"scope\":" + object(["\"name\":" + string(), "\"version\":" + string(), "\"attributes\":" + keyValues(depth: 0)])) }
                scopeMembers.append(name("logRecords", "log_records") + ":[" + (0..<Int.random(in: 0...4, using: &rng)).map { _ in record() }.joined(separator: ",") + "]")
                return object(scopeMembers)
            }
            members.append(name("scopeLogs", "scope_logs") + ":[" + scopes.joined(separator: ",") + "]")
            return object(members)
        }
        return object([name("resourceLogs", "resource_logs") + ":[" + resources.joined(separator: ",") + "]"])
    }
}
