import AsyncHTTPClient

/// One request to ClickHouse's HTTP interface, with the answer classified as docs/FORWARDING.md 5 says:
/// 200 is success; 4xx (but 408 and 429) and ClickHouse errors about the query or the data are
/// permanent (``ForwardError/Kind/rejected``); anything else, and a request that got no answer, may be
/// retried (``ForwardError/Kind/unavailable`` when nothing reached ClickHouse, else
/// ``ForwardError/Kind/ambiguous``).
struct ClickHouseHTTP: Sendable {
    let target: ClickHouseTarget
    let client: HTTPClient
    let timeout: Duration

    /// ClickHouse error codes that no retry can fix: syntax, unknown names, types, parse errors of the
    /// rows, authentication and permissions.
    static let permanentCodes: Set<Int> = [
        6, 16, 25, 26, 27, 32, 38, 41, 43, 44, 47, 48, 53, 60, 62, 69, 70, 72, 81, 117, 164, 192, 193, 194, 497, 516,
    ]
    /// At most this much of an answer is read.
    static let maxAnswerBytes = 1 << 20

    /// Runs `query` (sent as the body) and returns ClickHouse's answer as text.
    func query(_ query: String) async throws(ForwardError) -> String {
        try await send(parameters: [], body: Array(query.utf8), whatFor: "query", mayHaveApplied: false)
    }

    /// Inserts `body` (JSONEachRow lines) into the target table under `queryID`.
    func insert(_ body: [UInt8], queryID: String) async throws(ForwardError) {
        let insert = "INSERT INTO \(target.qualifiedTable) FORMAT JSONEachRow"
        _ = try await send(parameters: [("query", insert), ("query_id", queryID)], body: body,
                           whatFor: "insert", mayHaveApplied: true)
    }

    private func send(parameters: [(String, String)], body: [UInt8], whatFor: String,
                      mayHaveApplied: Bool) async throws(ForwardError) -> String {
        var url = target.httpBase
        if !parameters.isEmpty {
            url += "?" + parameters.map { "\($0.0)=\(Self.percentEncoded($0.1))" }.joined(separator: "&")
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.body = .bytes(body)
        let place = target.description
        let status: UInt
        let answer: String
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.nanoseconds)))
            status = response.status.code
            let bytes = try await response.body.collect(upTo: Self.maxAnswerBytes)
            answer = String(buffer: bytes)
        } catch let error as HTTPClientError where error == .connectTimeout {
            throw ForwardError(.unavailable, "could not connect within the timeout (\(whatFor)); retrying", place: place)
        } catch {
            // The request may have reached ClickHouse: a timeout, a dropped or reset connection.
            throw ForwardError(mayHaveApplied ? .ambiguous : .unavailable,
                               "no answer to the \(whatFor) (\(error)); its outcome is resolved by reading back", place: place)
        }
        if status == 200 { return answer }
        let summary = Self.firstLine(answer)
        if let code = Self.errorCode(answer), Self.permanentCodes.contains(code) {
            throw ForwardError(.rejected, "ClickHouse rejected the \(whatFor) (HTTP \(status)): \(summary)", place: place)
        }
        if (400..<500).contains(status), status != 408, status != 429 {
            throw ForwardError(.rejected, "ClickHouse rejected the \(whatFor) (HTTP \(status)): \(summary)", place: place)
        }
        throw ForwardError(mayHaveApplied ? .ambiguous : .unavailable,
                           "ClickHouse failed the \(whatFor) (HTTP \(status)): \(summary); retrying", place: place)
    }

    /// The number after `Code: ` in a ClickHouse error answer.
    static func errorCode(_ answer: String) -> Int? {
        let marker = Array("Code: ".utf8)
        let bytes = Array(answer.utf8)
        guard bytes.count >= marker.count else { return nil }
        for start in 0...(bytes.count - marker.count) where Array(bytes[start..<(start + marker.count)]) == marker {
            let digits = bytes[(start + marker.count)...].prefix { (48...57).contains($0) }
            return Int(String(decoding: digits, as: UTF8.self))
        }
        return nil
    }

    /// `text` without leading and trailing spaces, tabs and line ends.
    static func trimmed(_ text: String) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        return String(text.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }

    static func firstLine(_ answer: String) -> String {
        let line = answer.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
        return line.count > 500 ? String(line.prefix(500)) + "…" : line
    }

    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let unreserved = (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
                || byte == 45 || byte == 46 || byte == 95 || byte == 126
            if unreserved {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 15)])
            }
        }
        return out
    }
}

extension Duration {
    /// The whole duration in nanoseconds (saturating).
    var nanoseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }
}
