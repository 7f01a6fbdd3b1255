import Foundation
import Hummingbird
import HummingbirdTesting
import LogStore
@testable import LogStoreServer
import Testing

/// The web viewer's files (`Sources/LogStoreServer/Viewer/Assets`) as the server sends them.
@Suite struct ViewerRouteTests {
    @Test func indexIsServedWithAStrictContentSecurityPolicy() async throws {
        try await TestServer().run { client in
            let response = try await client.execute(uri: "/", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            let csp = try #require(response.headers[.contentSecurityPolicy])
            #expect(csp.hasPrefix("default-src 'self';"))
            #expect(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"))
            #expect(response.headers[.xContentTypeOptions] == "nosniff")
            #expect(response.text.contains("<script type=\"module\" src=\"/app.js\"></script>"))
        }
    }

    @Test func everyAssetIsServedWithItsTypeAndEntityTag() async throws {
        try await TestServer().run { client in
            for (path, asset) in ViewerAsset.all {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .ok, "\(path)")
                #expect(response.headers[.contentType] == asset.contentType, "\(path)")
                #expect(response.bytes == asset.bytes, "\(path)")
                #expect(response.headers[.eTag] == asset.etag, "\(path)")
                #expect(response.headers[.cacheControl] == "no-cache", "\(path)")
            }
        }
    }

    @Test func aKnownEntityTagAnswers304AndAChangedOne200() async throws {
        try await TestServer().run { client in
            let etag = try #require(ViewerAsset.all["/app.js"]?.etag)
            let same = try await client.execute(uri: "/app.js", method: .get, headers: [.ifNoneMatch: "\"x\", \(etag)"])
            #expect(same.status == .notModified)
            #expect(same.bytes.isEmpty)
            #expect(same.headers[.eTag] == etag)
            let weak = try await client.execute(uri: "/app.js", method: .get, headers: [.ifNoneMatch: "W/\(etag)"])
            #expect(weak.status == .notModified)
            let other = try await client.execute(uri: "/app.js", method: .get, headers: [.ifNoneMatch: "\"0000000000000000\""])
            #expect(other.status == .ok)
            #expect(!other.bytes.isEmpty)
        }
    }

    /// Each module a script imports, and each file index.html names, is one the server serves.
    @Test func everyImportedModuleIsServed() throws {
        var named: Set<String> = []
        let importPattern = #/from "\./([a-z\-]+\.js)"/#
        let referencePattern = #/(?:src|href)="/([a-z\-]+\.[a-z]+)"/#
        for (path, asset) in ViewerAsset.all {
            let text = String(decoding: asset.bytes, as: UTF8.self)
            if path.hasSuffix(".js") { for m in text.matches(of: importPattern) { named.insert("/" + m.1) } }
            if path == "/" { for m in text.matches(of: referencePattern) { named.insert("/" + m.1) } }
        }
        #expect(named.count >= 10)
        #expect(named.subtracting(ViewerAsset.all.keys).isEmpty, "not served: \(named.subtracting(ViewerAsset.all.keys))")
    }

    /// No request leaves the origin: the only absolute URL in the files is the SVG namespace.
    @Test func noAssetNamesAnotherOrigin() {
        for (path, asset) in ViewerAsset.all {
            let text = String(decoding: asset.bytes, as: UTF8.self)
            let others = text.matches(of: #/https?://[^\s"'`)]+/#).map { String($0.0) }.filter { $0 != "http://www.w3.org/2000/svg" }
            #expect(others.isEmpty, "\(path): \(others)")
        }
    }

    @Test func filesNeedNoTokenButTheAPIStillDoes() async throws {
        let (token, line) = TokenTable.newToken(scope: .read)
        try await TestServer(tokens: line).run { client in
            #expect(try await client.execute(uri: "/", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/search.js", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/api/v1/count", method: .get).status == .unauthorized)
            let authorized = try await client.execute(uri: "/api/v1/count", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(authorized.status == .ok)
        }
    }
}
