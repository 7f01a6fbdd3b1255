import Foundation
import Glibc

/// A minimal HTTP/1.1 client over a loopback socket, for tests against the real binary: no
/// dependency that could hide what the server sends.
struct RawHTTP {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    struct Failure: Error { let message: String }

    /// A connected socket with receive and send timeouts.
    final class Connection {
        let fd: Int32

        init(port: Int, timeoutSeconds: Int = 30) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw Failure(message: "socket: \(errno)") }
            var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard rc == 0 else { close(fd); throw Failure(message: "connect: \(errno)") }
        }

        deinit { close(fd) }

        func send(_ bytes: [UInt8]) throws {
            var sent = 0
            while sent < bytes.count {
                let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard n > 0 else { throw Failure(message: "send: \(errno)") }
                sent += n
            }
        }

        /// Up to 64 KiB; empty at the end of the stream; throws on a timeout.
        func receive() throws -> [UInt8] {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n >= 0 else { throw Failure(message: "recv: errno \(errno) (timeout?)") }
            return Array(buffer[0..<n])
        }
    }

    static func requestBytes(_ method: String, _ path: String, headers: [String: String], body: [UInt8]) -> [UInt8] {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        return Array((head + "\r\n").utf8) + body
    }

    /// Sends one request and reads the whole answer (the server closes the connection).
    static func request(port: Int, _ method: String, _ path: String, headers: [String: String] = [:],
                        body: [UInt8] = []) throws -> Response {
        let connection = try Connection(port: port)
        try connection.send(requestBytes(method, path, headers: headers, body: body))
        var data: [UInt8] = []
        while true {
            let chunk = try connection.receive()
            if chunk.isEmpty { break }
            data += chunk
        }
        return try parse(data)
    }

    static func parse(_ data: [UInt8]) throws -> Response {
        guard let split = data.indices.first(where: { data[$0...].starts(with: [13, 10, 13, 10]) }) else {
            throw Failure(message: "no complete head in \(data.count) bytes")
        }
        let head = String(decoding: data[..<split], as: UTF8.self).components(separatedBy: "\r\n")
        guard let statusLine = head.first, statusLine.split(separator: " ").count >= 2,
              let status = Int(statusLine.split(separator: " ")[1]) else { throw Failure(message: "bad status line") }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(data[(split + 4)...])
        if headers["transfer-encoding"] == "chunked" { body = dechunk(body) }
        return Response(status: status, headers: headers, body: body)
    }

    static func dechunk(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < data.count {
            guard let lineEnd = data[i...].indices.first(where: { data[$0...].starts(with: [13, 10]) }),
                  let sizeText = String(decoding: data[i..<lineEnd], as: UTF8.self).split(separator: ";").first,
                  let size = Int(sizeText, radix: 16),
                  size > 0 else { break }
            let start = lineEnd + 2
            out += data[start..<min(start + size, data.count)]
            i = start + size + 2
        }
        return out
    }
}
