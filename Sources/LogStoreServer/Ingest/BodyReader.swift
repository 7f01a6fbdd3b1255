import Hummingbird

/// Reads a request body up to a limit counted after decompression; gzip and deflate are inflated as
/// the body streams in (``GzipInflater``), so a compressed bomb stops at the limit.
struct BodyReader {
    enum Failure: Error {
        /// 413: the body (decompressed) exceeds `limit` bytes.
        case tooLarge(limit: Int)
        /// 400: a compressed body that does not decompress.
        case badEncoding(String)
        /// 415: a Content-Encoding other than gzip, deflate or identity.
        case unsupportedEncoding(String)
    }

    let limit: Int

    func read(_ request: Request) async throws -> [UInt8] {
        let encoding = request.headers[.contentEncoding]?.lowercased().trimmingSpaces ?? ""
        switch encoding {
        case "", "identity":
            // The buffer is sized once from Content-Length (capped at the limit) instead of doubling
            // (and copying) its way up through the chunks.
            let expected = request.headers[.contentLength].flatMap { Int($0) }.map { max(0, min($0, limit)) } ?? 0
            return try await readPlain(request.body, expected: expected)
        case "gzip", "x-gzip", "deflate": return try await readCompressed(request.body, encoding: encoding)
        default: throw Failure.unsupportedEncoding(encoding)
        }
    }

    private func readPlain(_ body: RequestBody, expected: Int) async throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(expected)
        for try await buffer in body {
            guard out.count + buffer.readableBytes <= limit else { throw Failure.tooLarge(limit: limit) }
            buffer.withUnsafeReadableBytes { out.append(contentsOf: $0) }
        }
        return out
    }

    private func readCompressed(_ body: RequestBody, encoding: String) async throws -> [UInt8] {
        let inflater: GzipInflater
        do { inflater = try GzipInflater(limit: limit) } catch { throw Self.failure(error, encoding) }
        for try await buffer in body {
            do {
                try buffer.withUnsafeReadableBytes { try inflater.feed($0) }
            } catch let error as GzipInflater.Failure {
                throw Self.failure(error, encoding)
            }
        }
        do { return try inflater.finish() } catch { throw Self.failure(error, encoding) }
    }

    private static func failure(_ error: GzipInflater.Failure, _ encoding: String) -> Failure {
        switch error {
        case .tooLarge(let limit): .tooLarge(limit: limit)
        case .invalid(let reason): .badEncoding("the \(encoding) body does not decompress: \(reason)")
        case .truncated: .badEncoding("the \(encoding) body is truncated")
        }
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
