import Glibc
import LogStoreIngest

/// Generated inputs, one per format, of about `bytes` bytes each: realistic lines with varying
/// numbers, paths and agents (deterministic: a fixed xorshift seed).
struct Inputs {
    struct Generator {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        mutating func next() -> UInt64 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return state
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    static let agents = ["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
                         "curl/8.4.0", "Googlebot/2.1 (+http://www.google.com/bot.html)",
                         "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 \\\"quoted\\\" Mobile/15E148"]
    static let paths = ["/", "/index.html", "/api/v1/orders", "/static/app.js", "/images/logo.png", "/search?q=log+store"]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

    /// Today (UTC) as `dd/MMM/yyyy`, so that ingested access lines are inside the store's retention.
    static let today: String = {
        var t = time(nil)
        var parts = tm()
        gmtime_r(&t, &parts)
        return "\(two(Int(parts.tm_mday)))/\(months[Int(parts.tm_mon)])/\(1900 + Int(parts.tm_year))"
    }()

    /// Lines of `format` until the text reaches `bytes`.
    static func make(_ format: LineFormat, bytes: Int) -> [UInt8] {
        var g = Generator()
        let today = Self.today
        var out: [UInt8] = []
        out.reserveCapacity(bytes + 512)
        var i = 0
        while out.count < bytes {
            let h = two(i / 3600 % 24), m = two(i / 60 % 60), s = two(i % 60)
            let line: String
            switch format {
            case .access:
                let status = [200, 200, 200, 304, 404, 500][g.below(6)]
                line = "10.\(g.below(256)).\(g.below(256)).\(g.below(256)) - - [\(today):\(h):\(m):\(s) +0000] \"GET \(paths[g.below(paths.count)]) HTTP/1.1\" \(status) \(g.below(90000)) \"-\" \"\(agents[g.below(agents.count)])\""
            case .errorLog:
                line = "[Sun May 17 \(h):\(m):\(s).\(g.below(999999)) 2026] [proxy:error] [pid \(g.below(60000)):tid \(g.below(99999999))] [client 10.0.0.\(g.below(256)):\(g.below(65535))] AH00957: connect to backend \(g.below(32)) failed"
            case .syslog:
                line = "\(months[i % 12]) \(two(1 + i % 28)) \(h):\(m):\(s) host\(g.below(8)) sshd[\(g.below(60000))]: Accepted publickey for user\(g.below(100)) from 10.0.\(g.below(256)).\(g.below(256)) port \(g.below(65535)) ssh2"
            case .cri:
                line = "2026-05-17T\(h):\(m):\(s).\(g.below(999_999_999))Z stdout \(g.below(4) == 0 ? "P" : "F") request \(g.below(1_000_000)) served in \(g.below(900)) ms path=\(paths[g.below(paths.count)])"
            case .docker:
                line = "{\"log\":\"request \(g.below(1_000_000)) served in \(g.below(900)) ms path=\(paths[g.below(paths.count)])\\n\",\"stream\":\"stdout\",\"time\":\"2026-05-17T\(h):\(m):\(s).\(g.below(999_999_999))Z\"}"
            case .pattern:
                line = "2026-05-17 \(h):\(m):\(s) WARN [worker-\(g.below(16))] took=\(g.below(900)) request \(g.below(1_000_000)) slow"
            default:
                line = "2026-05-17T\(h):\(m):\(s)Z INFO request \(g.below(1_000_000)) served"
            }
            out.append(contentsOf: line.utf8)
            out.append(0x0A)
            i += 1
        }
        return out
    }
}
