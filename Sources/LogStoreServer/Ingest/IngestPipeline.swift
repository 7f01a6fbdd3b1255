import Hummingbird
import LogStore
import LogStoreProtocols

/// The steps every ingest route shares: read the body (capped after decompression), admit it, decode
/// it, store the records durably, answer. Every failure is a 4xx or a 503/429 with Retry-After, never
/// a 500.
struct IngestPipeline: Sendable {
    let state: ServerState

    func handle(
        _ request: Request,
        dialect: some IngestDialect,
        decode: @Sendable ([UInt8]) throws(ProtocolDecodeError) -> IngestBatch,
        answer: @Sendable (IngestBatch, AppendReceipt) -> Response
    ) async -> Response {
        let started = ContinuousClock.now
        if state.readOnly {
            return dialect.error(.methodNotAllowed, "this server is read-only (--read-only); send logs to the writing server", extra: [:])
        }
        // Memory is reserved before the body is read: its Content-Length when known and not compressed,
        // else 1 MiB; the reservation grows to the real size after reading (docs/SERVER.md, "The contract").
        var reserved = Self.estimate(request, limit: state.options.maxBodyBytes)
        guard state.admission.admit(reserved) else { return overloaded(dialect) }
        defer { state.admission.release(reserved) }
        let body: [UInt8]
        do {
            body = try await BodyReader(limit: state.options.maxBodyBytes).read(request)
        } catch let failure as BodyReader.Failure {
            switch failure {
            case .tooLarge(let limit):
                state.metrics.rejected(1, reason: "too_large")
                return dialect.error(.contentTooLarge,
                                     "the body exceeds \(limit) bytes after decompression; send smaller batches", extra: [:])
            case .badEncoding(let reason):
                state.metrics.rejected(1, reason: "decode")
                return dialect.error(.badRequest, reason, extra: [:])
            case .unsupportedEncoding(let encoding):
                return dialect.error(.unsupportedMediaType,
                                     "Content-Encoding '\(encoding)' is not supported; send gzip, deflate or no encoding", extra: [:])
            }
        } catch {
            return dialect.error(.badRequest, "the body could not be read: \(error)", extra: [:])
        }
        if body.count > reserved {
            guard state.admission.admit(body.count - reserved) else { return overloaded(dialect) }
            reserved = body.count
        }
        let decoded: IngestBatch
        do {
            decoded = try decode(body)
        } catch {
            state.metrics.rejected(1, reason: "decode")
            return dialect.error(.badRequest, error.description, extra: [:])
        }
        state.metrics.rejected(decoded.rejected.count, reason: "decode")
        switch await state.writer.write(decoded.content) {
        case .durable(let receipt):
            state.metrics.ingested(protocol: dialect.name, records: receipt.accepted, bytes: body.count)
            state.metrics.rejected(receipt.rejected.count, reason: "invalid")
            state.metrics.rejected(receipt.rejectedFuture, reason: "future")
            state.metrics.rejected(receipt.droppedExpired, reason: "expired")
            state.metrics.rejected(receipt.duplicates, reason: "duplicate")
            state.metrics.ackLatency(ContinuousClock.now - started)
            return answer(decoded, receipt)
        case .unavailable(let reason, let retryAfter):
            state.metrics.rejected(decoded.count, reason: "unavailable")
            return dialect.error(.serviceUnavailable, reason, extra: Responses.retryAfter(retryAfter))
        }
    }

    private func overloaded(_ dialect: some IngestDialect) -> Response {
        state.metrics.rejected(1, reason: "overload")
        return dialect.error(.tooManyRequests, "the server is holding as many request bodies as it may; retry after 1 s",
                             extra: Responses.retryAfter(1))
    }

    /// The bytes to reserve before reading: an uncompressed body's Content-Length (capped at the limit + 1),
    /// else 1 MiB.
    static func estimate(_ request: Request, limit: Int) -> Int {
        if request.headers[.contentEncoding] == nil, let text = request.headers[.contentLength], let length = Int(text), length >= 0 {
            return min(length, limit + 1)
        }
        return min(1 << 20, limit)
    }
}
