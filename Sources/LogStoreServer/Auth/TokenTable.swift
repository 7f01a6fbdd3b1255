import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a token may do. `admin` may do everything.
public enum TokenScope: String, Sendable, CaseIterable {
    /// Send logs: `POST /v1/logs`, `/insert/jsonline`, `/loki/api/v1/push`.
    case ingest
    /// Read: `/api/v1/…` (queries, counts, histograms, facets, stats, traces, live tail).
    case read
    /// Everything, and `/metrics`.
    case admin
}

/// The bearer tokens a server accepts, from a token file that holds only their SHA-256 hashes.
///
/// The file has one token per line, `SCOPE sha256:HEX [NAME]`; `#` starts a comment. A line is made
/// by `logstore serve --new-token SCOPE`, which prints a fresh random token and its line. The server
/// never sees or stores the token itself, so the file is not a secret in the way a password list is.
public struct TokenTable: Sendable {
    struct Entry: Sendable {
        let scope: TokenScope
        let digest: [UInt8]
        let name: String
    }

    let entries: [Entry]

    /// Parses a token file's text; errors name the line.
    public init(text: String, path: String = "tokens") throws(ServerStartError) {
        var entries: [Entry] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if fields.isEmpty { continue }
            let place = "\(path):\(index + 1)"
            guard fields.count >= 2, let scope = TokenScope(rawValue: String(fields[0])) else {
                throw ServerStartError("\(place): expected 'SCOPE sha256:HEX [NAME]' with SCOPE ingest, read or admin; make lines with `logstore serve --new-token SCOPE`")
            }
            let hash = fields[1]
            guard hash.hasPrefix("sha256:"), let digest = Self.bytes(hex: hash.dropFirst(7)), digest.count == 32 else {
                throw ServerStartError("\(place): the hash must be 'sha256:' and 64 hex digits")
            }
            entries.append(Entry(scope: scope, digest: digest, name: fields.count > 2 ? String(fields[2]) : ""))
        }
        guard !entries.isEmpty else { throw ServerStartError("\(path): holds no tokens; add lines made by `logstore serve --new-token SCOPE`") }
        self.entries = entries
    }

    /// The scope of `token`, or nil when it is not in the table. Every entry is compared, each in
    /// constant time, so the time taken does not tell how close a guess came.
    public func scope(of token: String) -> TokenScope? {
        let digest = Array(SHA256.hash(data: Array(token.utf8)))
        var found: TokenScope?
        for entry in entries {
            var difference: UInt8 = 0
            for i in 0..<32 { difference |= entry.digest[i] ^ digest[i] }
            if difference == 0 && found == nil { found = entry.scope }
        }
        return found
    }

    /// A new random token (32 bytes from the system's secure generator, hex) and its token-file line.
    public static func newToken(scope: TokenScope, name: String = "") -> (token: String, line: String) {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let token = "lst_" + hex(bytes)
        let line = "\(scope.rawValue) sha256:\(hex(Array(SHA256.hash(data: Array(token.utf8)))))" + (name.isEmpty ? "" : " \(name)")
        return (token, line)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    static func bytes(hex: Substring) -> [UInt8]? {
        let utf8 = Array(hex.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < utf8.count {
            guard let hi = Self.digit(utf8[i]), let lo = Self.digit(utf8[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func digit(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 97...102: c - 87
        case 65...70: c - 55
        default: nil
        }
    }
}
