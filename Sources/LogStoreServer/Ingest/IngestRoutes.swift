import Hummingbird
import LogStore
import LogStoreProtocols
import LogStoreFormat

/// `POST /v1/logs` (OTLP/HTTP), `POST /insert/jsonline` (NDJSON), `POST /loki/api/v1/push` (Loki JSON).
struct IngestRoutes: Sendable {
    let state: ServerState

    func register<Context: RequestContext>(on router: RouterGroup<Context>) {
        let pipeline = IngestPipeline(state: state)
        router.post("/v1/logs") { request, _ in await otlp(request, pipeline) }
        router.post("/insert/jsonline") { request, _ in await jsonLine(request, pipeline) }
        router.post("/loki/api/v1/push") { request, _ in await loki(request, pipeline) }
    }

    func otlp(_ request: Request, _ pipeline: IngestPipeline) async -> Response {
        let type = mediaType(request)
        let json: Bool
        switch type {
        case "application/x-protobuf", "application/protobuf": json = false
        case "application/json": json = true
        default:
            return OTLPDialect(json: false).error(.unsupportedMediaType,
                "Content-Type '\(type)' is not OTLP; send application/x-protobuf or application/json", extra: [:])
        }
        let mapping = state.options.otlpMapping
        let receiveTime = wallClockNanoseconds()
        return await pipeline.handle(request, dialect: OTLPDialect(json: json), decode: { (body) throws(ProtocolDecodeError) in
            let decoded = json ? try OTLPLogsDecoder.decodeJSONRows(body, receiveTime: receiveTime, options: mapping)
                               : try OTLPLogsDecoder.decodeProtobufRows(body, receiveTime: receiveTime, options: mapping)
            return IngestBatch(rows: decoded.rows, rejected: decoded.rejected)
        }, answer: { decoded, receipt in
            let store = receipt.notStored
            let rejected = decoded.rejected.count + store.count
            let reason = decoded.rejected.first?.description ?? store.firstReason
            return Responses.bytes(.ok, OTLPResponses.success(rejected: rejected, firstReason: reason, json: json),
                                   contentType: json ? "application/json" : "application/x-protobuf")
        })
    }

    func jsonLine(_ request: Request, _ pipeline: IngestPipeline) async -> Response {
        let type = mediaType(request)
        // Any text type is read as NDJSON (curl's default form type included); binary types are refused.
        guard !["application/x-protobuf", "application/protobuf", "application/octet-stream"].contains(type) else {
            return Responses.jsonError(.unsupportedMediaType, "Content-Type '\(type)' is not NDJSON; send application/x-ndjson")
        }
        return await pipeline.handle(request, dialect: PlainDialect(name: "jsonline"), decode: { body in
            let (rows, rejected) = JSONLineDecoder().decodeRows(body)
            return IngestBatch(rows: rows, rejected: rejected)
        }, answer: { decoded, receipt in
            IngestSummary(decoded: decoded, receipt: receipt).response()
        })
    }

    func loki(_ request: Request, _ pipeline: IngestPipeline) async -> Response {
        let type = mediaType(request)
        guard type == "application/json" else {
            return Responses.jsonError(.unsupportedMediaType,
                "Content-Type '\(type)' is not supported; send Loki's JSON push format (application/json), not protobuf")
        }
        return await pipeline.handle(request, dialect: PlainDialect(name: "loki"), decode: { (body) throws(ProtocolDecodeError) in
            IngestBatch(try LokiPushDecoder.decode(body))
        }, answer: { decoded, receipt in
            let summary = IngestSummary(decoded: decoded, receipt: receipt)
            return summary.rejectedCount == 0 ? Response(status: .noContent) : summary.response()
        })
    }
}

/// `{"accepted": N, "rejected": M, "errors": [{"place": …, "reason": …}]}` (the first 100 errors).
struct IngestSummary {
    let decoded: IngestBatch
    let receipt: AppendReceipt

    var rejectedCount: Int { decoded.rejected.count + receipt.notStored.count }

    /// 200 with the summary; 400 when nothing was stored and something was rejected.
    func response() -> Response {
        var out = JSONWriter()
        out.raw("{\"accepted\":\(receipt.accepted),\"rejected\":\(rejectedCount),\"errors\":[")
        var errors = decoded.rejected.map { ($0.place, $0.reason) }
        errors += receipt.rejected.map { ("record \($0.index)", $0.reason) }
        if let reason = receipt.notStored.firstReason, receipt.rejected.isEmpty, receipt.notStored.count > 0 {
            errors.append(("store", reason))
        }
        for (i, error) in errors.prefix(100).enumerated() {
            if i > 0 { out.raw(",") }
            out.raw("{")
            out.key("place"); out.string(error.0)
            out.raw(",")
            out.key("reason"); out.string(error.1)
            out.raw("}")
        }
        out.raw("]}\n")
        let status: HTTPResponse.Status = receipt.accepted == 0 && rejectedCount > 0 ? .badRequest : .ok
        return Responses.bytes(status, out.bytes, contentType: "application/json")
    }
}
