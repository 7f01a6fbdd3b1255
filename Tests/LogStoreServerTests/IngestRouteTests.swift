import Foundation
import Hummingbird
import HummingbirdTesting
import LogStore
@testable import LogStoreProtocols
@testable import LogStoreServer
import SwiftProtobuf
import Testing

@Suite struct IngestRouteTests {
    static func otlpBody(_ messages: [String], trace: Data = Data((1...16).map { UInt8($0) })) throws -> [UInt8] {
        var scope = OTLPScopeLogs()
        scope.logRecords = messages.enumerated().map { i, message in
            var r = OTLPLogRecord()
            r.timeUnixNano = UInt64(nowNanoseconds) + UInt64(i)
            r.severityNumber = .error
            r.body.value = .stringValue(message)
            r.traceID = trace
            return r
        }
        var resource = OTLPResourceLogs()
        var service = OTLPKeyValue()
        service.key = "service.name"
        service.value.value = .stringValue("billing")
        resource.resource.attributes = [service]
        resource.scopeLogs = [scope]
        var request = OTLPExportRequest()
        request.resourceLogs = [resource]
        return try request.serializedBytes()
    }

    static let protobuf: HTTPFields = [.contentType: "application/x-protobuf"]

    @Test func otlpProtobufIsStoredAndQueryable() async throws {
        let server = try TestServer()
        let body = try Self.otlpBody(["one", "two"])
        try await server.run { client in
            try await client.execute(uri: "/v1/logs", method: .post, headers: Self.protobuf, body: ByteBuffer(body)) { response async throws in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/x-protobuf")
                let answer = try OTLPExportResponse(serializedBytes: response.bytes)
                #expect(!answer.hasPartialSuccess)
            }
            try await client.execute(uri: "/api/v1/query?correlation=0102030405060708090a0b0c0d0e0f10", method: .get) { response async throws in
                #expect(response.status == .ok)
                let records = try #require(try json(response)["records"] as? [[String: Any]])
                #expect(records.map { $0["message"] as? String } == ["one", "two"])
                #expect(records.first?["level"] as? String == "error")
                #expect(records.first?["source"] as? String == "billing")
            }
        }
    }

    @Test func otlpJSONAnswersPartialSuccessInJSON() async throws {
        let server = try TestServer()
        let body = #"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"fine"}},{"spanId":"zz"}]}]}]}"#
        try await server.run { client in
            try await client.execute(uri: "/v1/logs", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: body)) { response async throws in
                #expect(response.status == .ok)
                let partial = try #require(try json(response)["partialSuccess"] as? [String: Any])
                #expect(partial["rejectedLogRecords"] as? String == "1")
                #expect((partial["errorMessage"] as? String)?.contains("logRecords[1].spanId") == true)
            }
            try await client.execute(uri: "/api/v1/count", method: .get) { response async throws in
                #expect(try json(response)["count"] as? Int == 1)
            }
        }
    }

    @Test func gzipBodiesAreInflated() async throws {
        let server = try TestServer()
        let body = gzip(try Self.otlpBody(["zipped"]))
        try await server.run { client in
            try await client.execute(uri: "/v1/logs", method: .post,
                                     headers: [.contentType: "application/x-protobuf", .contentEncoding: "gzip"],
                                     body: ByteBuffer(body)) { response async throws in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/api/v1/query?grep=zipped", method: .get) { response async throws in
                #expect((try json(response)["records"] as? [Any])?.count == 1)
            }
        }
    }

    @Test func hostileBodiesGetTheRight4xxAndTheServerKeepsServing() async throws {
        let server = try TestServer(options: { $0.maxBodyBytes = 1 << 20 })
        let good = try Self.otlpBody(["after the attacks"])
        let bomb = gzip([UInt8](repeating: 0, count: 64 << 20))   // 64 MiB of zeros, about 64 KiB compressed
        try await server.run { client in
            func post(_ body: [UInt8], _ headers: HTTPFields) async throws -> TestResponse {
                try await client.execute(uri: "/v1/logs", method: .post, headers: headers, body: ByteBuffer(body))
            }
            let gzipped: HTTPFields = [.contentType: "application/x-protobuf", .contentEncoding: "gzip"]
            // A gzip bomb stops at the limit.
            let r1 = try await post(bomb, gzipped)
            #expect(r1.status == .contentTooLarge)
            // An oversized plain body.
            let r2 = try await post([UInt8](repeating: 0x0A, count: (1 << 20) + 1), Self.protobuf)
            #expect(r2.status == .contentTooLarge)
            // Truncated gzip.
            let truncated = try await post(Array(gzip(good).dropLast(12)), gzipped)
            #expect(truncated.status == .badRequest)
            #expect(try OTLPStatus(serializedBytes: truncated.bytes).message.contains("truncated"))
            // Malformed protobuf, with a google.rpc.Status body.
            let malformed = try await post([0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F], Self.protobuf)
            #expect(malformed.status == .badRequest)
            #expect(try OTLPStatus(serializedBytes: malformed.bytes).code == 3)
            // Invalid UTF-8 inside JSON.
            let invalidUTF8 = Array(#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"\#u{FF}"}}]}]}]}"#.utf8)
                .map { $0 == 0xC3 ? 0xFF : $0 }   // U+00FF is C3 BF; FF BF is not UTF-8
            let rUTF8 = try await post(invalidUTF8, [.contentType: "application/json"])
            #expect(rUTF8.status == .badRequest)
            // Wrong content type and an unknown encoding.
            let r3 = try await post(good, [.contentType: "text/xml"])
            #expect(r3.status == .unsupportedMediaType)
            let r4 = try await post(good, [.contentType: "application/x-protobuf", .contentEncoding: "br"])
            #expect(r4.status == .unsupportedMediaType)
            // Still serving.
            let r5 = try await post(good, Self.protobuf)
            #expect(r5.status == .ok)
            try await client.execute(uri: "/api/v1/count", method: .get) { response async throws in
                #expect(try json(response)["count"] as? Int == 1)
            }
        }
    }

    @Test func aStoreThatCannotWriteAnswers503WithRetryAfter() async throws {
        let server = try TestServer()
        let body = try Self.otlpBody(["lost?"])
        try server.state.store.close()
        try await server.run { client in
            try await client.execute(uri: "/v1/logs", method: .post, headers: Self.protobuf, body: ByteBuffer(body)) { response async throws in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] != nil)
                #expect(try OTLPStatus(serializedBytes: response.bytes).code == 14)
            }
        }
    }

    @Test func overloadIs429WithRetryAfterAndNothingIsStored() async throws {
        let server = try TestServer(options: { $0.maxInFlightBytes = 4096 })
        // Another request holds all the room for bodies.
        #expect(server.state.admission.admit(4096))
        let body = try Self.otlpBody(["refused"])
        try await server.run { client in
            try await client.execute(uri: "/v1/logs", method: .post, headers: Self.protobuf, body: ByteBuffer(body)) { response async throws in
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[.retryAfter] == "1")
                #expect(try OTLPStatus(serializedBytes: response.bytes).code == 8)
            }
            server.state.admission.release(4096)
            try await client.execute(uri: "/v1/logs", method: .post, headers: Self.protobuf, body: ByteBuffer(body)) { response async throws in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/api/v1/count", method: .get) { response async throws in
                #expect(try json(response)["count"] as? Int == 1)
            }
        }
    }

    @Test func readOnlyServerRefusesIngest() async throws {
        let writer = try TestServer()
        try writer.state.store.close()
        let server = try TestServer(options: {
            $0.storePath = writer.directory
            $0.storeOptions.readOnly = true
        })
        try await server.run { client in
            let response = try await client.execute(uri: "/insert/jsonline", method: .post, body: ByteBuffer(string: "{}"))
            #expect(response.status == .methodNotAllowed)
        }
    }

    @Test func jsonLineAnswersASummaryWithLineNumbers() async throws {
        let server = try TestServer()
        let body = "{\"ts\":\(nowSeconds),\"msg\":\"a\"}\nbroken\n{\"ts\":\(nowSeconds),\"msg\":\"b\"}\n"
        try await server.run { client in
            try await client.execute(uri: "/insert/jsonline", method: .post, body: ByteBuffer(string: body)) { response async throws in
                #expect(response.status == .ok)
                let summary = try json(response)
                #expect(summary["accepted"] as? Int == 2)
                #expect(summary["rejected"] as? Int == 1)
                let errors = try #require(summary["errors"] as? [[String: Any]])
                #expect(errors.first?["place"] as? String == "line 2, column 1")
            }
            try await client.execute(uri: "/insert/jsonline", method: .post, body: ByteBuffer(string: "nope\n")) { response async throws in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test func lokiPushAnswers204() async throws {
        let server = try TestServer()
        let body = #"{"streams":[{"stream":{"service_name":"edge","region":"eu"},"values":[["\#(nowNanoseconds)","hello loki"]]}]}"#
        try await server.run { client in
            try await client.execute(uri: "/loki/api/v1/push", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: body)) { response async throws in
                #expect(response.status == .noContent)
            }
            try await client.execute(uri: "/api/v1/query?source=edge", method: .get) { response async throws in
                let records = try #require(try json(response)["records"] as? [[String: Any]])
                #expect(records.first?["message"] as? String == "hello loki")
                #expect((records.first?["attributes"] as? [String: Any])?["region"] as? String == "eu")
            }
            try await client.execute(uri: "/loki/api/v1/push", method: .post, headers: [.contentType: "application/x-protobuf"],
                                     body: ByteBuffer(string: "x")) { response async throws in
                #expect(response.status == .unsupportedMediaType)
            }
        }
    }
}
