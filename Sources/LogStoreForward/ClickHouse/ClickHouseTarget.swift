/// Where a ClickHouse forwarder writes: `clickhouse://HOST:PORT/DB.TABLE` (HTTP interface; the port
/// defaults to 8123, the database to `default`).
///
/// ```swift
/// let target = try ClickHouseTarget(url: "clickhouse://127.0.0.1:8123/logs.records")
/// print(target.database, target.table)   // logs records
/// ```
public struct ClickHouseTarget: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var database: String
    public var table: String

    /// Parses a `clickhouse://` URL.
    /// - Throws: ``ForwardError/Kind/invalidArgument`` naming what is wrong with it.
    public init(url: String) throws(ForwardError) {
        let prefix = "clickhouse://"
        guard url.hasPrefix(prefix) else {
            throw ForwardError(.invalidArgument, "a ClickHouse target starts with clickhouse://, as in clickhouse://HOST:8123/DB.TABLE", place: url)
        }
        let rest = url.dropFirst(prefix.count)
        guard let slash = rest.firstIndex(of: "/") else {
            throw ForwardError(.invalidArgument, "no table: write clickhouse://HOST:8123/DB.TABLE", place: url)
        }
        let authority = rest[..<slash]
        let path = rest[rest.index(after: slash)...]
        var hostPart = Substring(authority)
        var port = 8123
        if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            guard let parsed = Int(authority[authority.index(after: colon)...]), (1...65535).contains(parsed) else {
                throw ForwardError(.invalidArgument, "the port is not a number from 1 to 65535", place: url)
            }
            port = parsed
        }
        guard !hostPart.isEmpty else { throw ForwardError(.invalidArgument, "no host", place: url) }
        let names = path.split(separator: ".", omittingEmptySubsequences: false)
        let database = names.count == 2 ? String(names[0]) : "default"
        let table = String(names.last ?? "")
        guard names.count <= 2, Self.isIdentifier(database), Self.isIdentifier(table) else {
            throw ForwardError(.invalidArgument,
                               "database and table names are letters, digits and _ (not starting with a digit), as in logs.records",
                               place: url)
        }
        self.host = String(hostPart)
        self.port = port
        self.database = database
        self.table = table
    }

    /// `DB.TABLE`, safe to put into a query (names are checked to be plain identifiers).
    public var qualifiedTable: String { "\(database).\(table)" }

    /// The HTTP base URL of the server.
    public var httpBase: String { "http://\(host):\(port)/" }

    public var description: String { "clickhouse://\(host):\(port)/\(qualifiedTable)" }

    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(48...57).contains(first), name.utf8.count <= 200 else { return false }
        return name.utf8.allSatisfy { (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) || $0 == 95 }
    }
}
