/// Where an OTLP forwarder sends: `otlp+http://HOST[:PORT][/PATH]`, an OTLP/HTTP receiver (port 4318
/// and path `/v1/logs` by default), such as an OpenTelemetry Collector or another `logstore serve`.
///
/// ```swift
/// let target = try OTLPTarget(url: "otlp+http://127.0.0.1:4318")
/// print(target.endpoint)   // http://127.0.0.1:4318/v1/logs
/// ```
public struct OTLPTarget: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// The request path, starting with `/`.
    public var path: String

    /// The scheme of OTLP targets.
    public static let scheme = "otlp+http://"

    /// Parses an `otlp+http://` URL.
    /// - Throws: ``ForwardError/Kind/invalidArgument`` naming what is wrong with it.
    public init(url: String) throws(ForwardError) {
        guard url.hasPrefix(Self.scheme) else {
            throw ForwardError(.invalidArgument, "an OTLP target starts with otlp+http://, as in otlp+http://HOST:4318", place: url)
        }
        let rest = url.dropFirst(Self.scheme.count)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        let path = rest[slash...]
        var hostPart = authority
        var port = 4318
        if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            guard let parsed = Int(authority[authority.index(after: colon)...]), (1...65535).contains(parsed) else {
                throw ForwardError(.invalidArgument, "the port is not a number from 1 to 65535", place: url)
            }
            port = parsed
        }
        guard !hostPart.isEmpty, !hostPart.contains("@") else {
            throw ForwardError(.invalidArgument, "no host (or user information, which is not supported)", place: url)
        }
        guard !path.contains("?"), !path.contains("#"), !path.contains(" ") else {
            throw ForwardError(.invalidArgument, "the path may not hold a query, a fragment or spaces", place: url)
        }
        self.host = String(hostPart)
        self.port = port
        self.path = path.isEmpty || path == "/" ? "/v1/logs" : String(path)
    }

    /// The HTTP URL requests go to.
    public var endpoint: String { "http://\(host):\(port)\(path)" }

    /// The target as given, normalized: the sink's name in metrics and in the `forward:` checkpoint.
    public var description: String { "\(Self.scheme)\(host):\(port)\(path)" }
}
