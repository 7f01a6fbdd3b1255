import CZlib
import Foundation
import Hummingbird
import HummingbirdTesting
import LogStore
@testable import LogStoreServer
import Testing

/// A server over a store in a fresh temporary directory, driven through Hummingbird's test client.
struct TestServer {
    let directory: String
    let state: ServerState

    init(options: (inout ServeOptions) -> Void = { _ in }, tokens: String? = nil) throws {
        var serveOptions = ServeOptions()
        serveOptions.storePath = NSTemporaryDirectory() + "logstore-serve-\(UUID().uuidString)"
        serveOptions.accessLog = false
        options(&serveOptions)
        directory = serveOptions.storePath
        let store = try LogStore.open(at: directory, options: serveOptions.storeOptions)
        let table = try tokens.map { try TokenTable(text: $0) }
        state = ServerState(store: store, options: serveOptions, tokens: table, logger: .init(label: "test"))
    }

    /// Runs `body` with a client of the router (no sockets), then closes the store and removes it.
    func run(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = Application(router: ServerRouter.build(state: state))
        defer {
            try? state.store.close()
            try? FileManager.default.removeItem(atPath: directory)
        }
        try await app.test(.router, body)
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var bytes: [UInt8] { Array(buffer: body) }
}

extension ByteBuffer {
    init(_ bytes: [UInt8]) { self.init(bytes: bytes) }
}

/// gzip of `bytes` (zlib, level 6).
func gzip(_ bytes: [UInt8]) -> [UInt8] {
    var stream = z_stream()
    deflateInit2_(&stream, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
    defer { deflateEnd(&stream) }
    var input = bytes
    var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 64)
    let produced = input.withUnsafeMutableBytes { inp in
        output.withUnsafeMutableBytes { out -> Int in
            stream.next_in = inp.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.avail_in = uInt(inp.count)
            stream.next_out = out.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(out.count)
            deflate(&stream, Z_FINISH)
            return out.count - Int(stream.avail_out)
        }
    }
    return Array(output[0..<produced])
}

/// Parses a JSON answer.
func json(_ response: TestResponse) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(response.bytes))
    return try #require(object as? [String: Any])
}

/// Now, in nanoseconds and seconds since 1970 (records older than the 7-day retention are dropped).
let nowNanoseconds = Int64(Date().timeIntervalSince1970 * 1e9)
let nowSeconds = Int64(Date().timeIntervalSince1970)
