// Fuzz target: the server's protocol decoders on arbitrary bytes. The same input goes to the OTLP
// protobuf decoder, the OTLP/JSON decoder (both with and without a correlation attribute), the Loki
// push decoder and the NDJSON decoder. None may crash; every record must satisfy the limits the engine
// relies on (correlation ID at most 255 bytes), every rejection must name its place, every row the OTLP
// decoders write (what the server stores; the public decoders return its records) must decode, and every
// record must survive the block encoding (so the server can store whatever the decoders accept).
import CFuzzSupport
import FuzzKit
import LogStore
import LogStoreProtocols
import LogStoreFormat

let mappings = [OTLPMappingOptions(), OTLPMappingOptions(correlationAttribute: "request_id")]

func checkDecoded(_ decoded: DecodedRecords, _ what: String) {
    var stored: [LogRecord] = []
    for (i, record) in decoded.records.enumerated() {
        if let id = record.correlationID {
            require(!id.isEmpty && id.utf8.count <= RecordLimits.maxCorrelationIDBytes,
                    "\(what): correlation ID of \(id.utf8.count) bytes")
        }
        var numbered = record
        numbered.sequence = UInt64(i + 1)
        stored.append(numbered)
    }
    stored.sort(by: storeOrdered)
    checkBlockRoundTrip(stored, context: what)
    for rejection in decoded.rejected {
        require(!rejection.place.isEmpty && !rejection.reason.isEmpty, "\(what): a rejection without place or reason")
        // The OTLP decoders return the records of the rows the server stores; "row N" is a row they
        // wrote that does not decode.
        require(!rejection.place.hasPrefix("row "), "\(what): \(rejection.place): \(rejection.reason)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(inputBuffer(data, size))
    for mapping in mappings {
        if let decoded = try? OTLPLogsDecoder.decodeProtobuf(bytes, receiveTime: 1_700_000_000_000_000_000, options: mapping) {
            checkDecoded(decoded, "OTLP protobuf")
        }
        if let decoded = try? OTLPLogsDecoder.decodeJSON(bytes, receiveTime: 1_700_000_000_000_000_000, options: mapping) {
            checkDecoded(decoded, "OTLP JSON")
        }
    }
    if let decoded = try? LokiPushDecoder.decode(bytes) { checkDecoded(decoded, "Loki") }
    checkDecoded(JSONLineDecoder().decode(bytes), "NDJSON")
    return 0
}

fuzzMain { fuzzOne($0, $1) }
