import Foundation
import Glibc

/// One keep-alive HTTP/1.1 connection to a loopback port: POST a body, read the answer (Content-Length
/// or chunked), reuse the connection.
final class HTTPConnection {
    struct Failure: Error, CustomStringConvertible { let description: String }

    private let fd: Int32
    private var buffer: [UInt8] = []
    private var stream: [UInt8] = []

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var timeout = timeval(tv_sec: 120, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { close(fd); throw Failure(description: "connect to port \(port): errno \(errno)") }
    }

    deinit { close(fd) }

    /// POSTs `body` to `path`; returns the status code and the response body.
    func post(_ path: String, contentType: String, body: [UInt8]) throws -> (status: Int, body: [UInt8]) {
        let head = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n\r\n"
        try send(Array(head.utf8) + body)
        return try readResponse()
    }

    /// GETs `path`; returns the status code and the response body.
    func get(_ path: String) throws -> (status: Int, body: [UInt8]) {
        try send(Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
        return try readResponse()
    }

    /// Sends a GET and reads only the status line and headers, leaving the body (a stream) to `nextLine()`.
    func openStream(_ path: String) throws -> Int {
        try send(Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".utf8))
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw Failure(description: "bad status line '\(statusLine)'") }
        while try !readLine().isEmpty {}
        return status
    }

    /// The next line (up to LF) of a chunked event stream opened by `openStream`, de-chunked.
    func nextStreamLine() throws -> String {
        while true {
            if let i = stream.firstIndex(of: 10) {
                var end = i
                if end > 0 && stream[end - 1] == 13 { end -= 1 }
                let line = String(decoding: stream[..<end], as: UTF8.self)
                stream.removeFirst(i + 1)
                return line
            }
            let size = Int(try readLine().split(separator: ";").first ?? "", radix: 16) ?? 0
            guard size > 0 else { throw Failure(description: "event stream ended") }
            stream += try readBytes(size)
            _ = try readLine()
        }
    }

    private func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send: errno \(errno)") }
            sent += n
        }
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { throw Failure(description: n == 0 ? "connection closed" : "recv: errno \(errno)") }
        buffer += chunk[0..<n]
    }

    private func readLine() throws -> String {
        while true {
            if let i = buffer.indices.first(where: { $0 + 1 < buffer.count && buffer[$0] == 13 && buffer[$0 + 1] == 10 }) {
                let line = String(decoding: buffer[..<i], as: UTF8.self)
                buffer.removeFirst(i + 2)
                return line
            }
            try fill()
        }
    }

    private func readBytes(_ n: Int) throws -> [UInt8] {
        while buffer.count < n { try fill() }
        let out = Array(buffer[..<n])
        buffer.removeFirst(n)
        return out
    }

    private func readResponse() throws -> (status: Int, body: [UInt8]) {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw Failure(description: "bad status line '\(statusLine)'") }
        var length: Int?
        var chunked = false
        while true {
            let line = try readLine()
            if line.isEmpty { break }
            let lower = line.lowercased()
            if lower.hasPrefix("content-length:") { length = Int(lower.dropFirst(15).trimmingCharacters(in: .whitespaces)) }
            if lower.hasPrefix("transfer-encoding:") && lower.contains("chunked") { chunked = true }
        }
        if let length { return (status, try readBytes(length)) }
        guard chunked else { return (status, []) }
        var body: [UInt8] = []
        while true {
            let size = Int(try readLine().split(separator: ";").first ?? "0", radix: 16) ?? 0
            if size == 0 { _ = try readLine(); break }
            body += try readBytes(size)
            _ = try readLine()
        }
        return (status, body)
    }
}
