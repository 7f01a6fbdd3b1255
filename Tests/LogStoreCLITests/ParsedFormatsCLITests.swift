import Foundation
import Testing
import LogStore

/// `logstore ingest` of an access log, a syslog file, a CRI container log and a `--pattern` file, as a
/// process: the format is recognised and named, fields answer `stats --by attr:status`, `--where` and
/// `trace`, and lines that do not fit are stored as text and counted in the summary.
@Suite struct ParsedFormatsCLITests {
    static func records(_ path: String) throws -> [LogRecord] {
        var options = StoreOptions()
        options.readOnly = true
        return try LogStore.open(at: path, options: options).records(LogQuery())
    }

    static func format(_ date: Date, _ layout: String) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = layout
        return f.string(from: date)
    }

    static let base = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - 3600).rounded(.down))

    @Test func accessLogIsRecognisedAndItsFieldsAnswerStatsWhereAndTrace() throws {
        let dir = TempDir()
        let input = dir.path + "/access.log"
        let t = Self.format(Self.base, "dd/MMM/yyyy:HH:mm:ss") + " +0000"
        let statuses = [200, 200, 404, 500, 200, 503, 301, 200]
        var lines = statuses.enumerated().map { i, s in
            #"10.0.0.\#(i) - - [\#(t)] "GET /item/\#(i) HTTP/1.1" \#(s) \#(100 * i) "-" "Mozilla/5.0 (X11) \"quoted\"" request_id=req-\#(i % 2)"#
        }
        lines.insert("this line is no access log", at: 3)
        try (lines.joined(separator: "\n") + "\n").write(toFile: input, atomically: true, encoding: .utf8)
        let store = dir.path + "/store"
        let r = try CLI.run(["ingest", "--store", store, input])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("access.log: format access (recognised from its first lines"), "\(r.stderr)")
        #expect(r.stderr.contains("1 kept as text (no [time] in access log line: 1)"), "\(r.stderr)")
        let got = try Self.records(store)
        #expect(got.count == 9)
        #expect(got.filter { $0.level == .error }.count == 2)
        let stats = try CLI.run(["stats", "--store", store, "--by", "attr:status", "--format", "csv"])
        #expect(stats.status == 0, "\(stats.stderr)")
        #expect(stats.stdout.contains("\n200,4,"), "\(stats.stdout)")
        #expect(stats.stdout.contains("\n500,1,1,"), "\(stats.stdout)")
        let count = try CLI.run(["count", "--store", store, "--where", "attr.status >= 500"])
        #expect(count.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "2", "\(count.stderr)")
        let bytes = try CLI.run(["count", "--store", store, "--where", "attr.bytes > 400 and attr.method = GET"])
        #expect(bytes.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "3", "\(bytes.stderr)")
        let trace = try CLI.run(["trace", "--store", store, "req-1", "--format", "json"])
        #expect(trace.status == 0, "\(trace.stderr)")
        #expect(trace.stdout.contains("\"steps\":4"), "\(trace.stdout)")
    }

    @Test func summaryJsonNamesFormatsAndKeptAsTextCounts() throws {
        let dir = TempDir()
        let input = dir.path + "/sys.log"
        let t = Self.format(Self.base, "MMM dd HH:mm:ss")
        try """
        <86>\(t) web sshd[4242]: Accepted publickey for deploy
        <83>\(t) web sshd[4242]: error: PAM: authentication failure
        \(t) web cron[77]: (root) CMD (run-parts /etc/cron.hourly)
        <165>1 \(ISO8601DateFormatter().string(from: Self.base)) web.example.com billing 99 PAY [req@1 id="r-7" amount="12"] charged
        not a syslog line

        """.write(toFile: input, atomically: true, encoding: .utf8)
        let store = dir.path + "/store"
        let r = try CLI.run(["ingest", "--store", store, "--format", "syslog", "--summary", "json", input])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try json(r.stdout)
        #expect(summary["accepted"] as? Int == 5)
        #expect(summary["kept_as_text"] as? Int == 1)
        #expect((summary["kept_as_text_reasons"] as? [String: Any])?["no syslog timestamp"] as? Int == 1)
        #expect((summary["formats"] as? [String: Any])?[input] as? String == "syslog")
        let got = try Self.records(store)
        #expect(got.map(\.source).prefix(4) == ["sshd", "sshd", "cron", "billing"])
        #expect(got[1].level == .error)
        #expect(got[3].attribute("sd.req@1.id") == .string("r-7"))
        let auth = try CLI.run(["count", "--store", store, "--where", "attr.facility = authpriv"])
        #expect(auth.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "2", "\(auth.stderr)")
    }

    @Test func criLogWithPiecesAndKubernetesPath() throws {
        let dir = TempDir()
        let folder = dir.path + "/var/log/containers"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let input = folder + "/checkout-5f7d-abcde_shop_api-" + String(repeating: "0123456789abcdef", count: 4) + ".log"
        let t = ISO8601DateFormatter().string(from: Self.base)
        try """
        \(t) stdout P {"level":"error","msg":"payment
        \(t) stdout F  declined","trace_id":"t-9","amount":12}
        \(t) stderr F WARN slow upstream

        """.write(toFile: input, atomically: true, encoding: .utf8)
        let store = dir.path + "/store"
        let r = try CLI.run(["ingest", "--store", store, input])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("format cri"), "\(r.stderr)")
        let got = try Self.records(store)
        #expect(got.count == 2)
        let first = try #require(got.first { $0.correlationID == "t-9" })
        #expect(first.message == "payment declined")
        #expect(first.level == .error)
        #expect(first.attribute("k8s.pod") == .string("checkout-5f7d-abcde"))
        #expect(first.attribute("k8s.namespace") == .string("shop"))
        #expect(first.attribute("amount") == .int(12))
        #expect(got.contains { $0.level == .warning && $0.attribute("stream") == .string("stderr") })
        let byPod = try CLI.run(["count", "--store", store, "--where", "attr.k8s.container = api"])
        #expect(byPod.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "2", "\(byPod.stderr)")
    }

    @Test func patternWithLayoutAndFileFormatRules() throws {
        let dir = TempDir()
        let input = dir.path + "/app.txt"
        let t = Self.format(Self.base, "dd.MM.yyyy HH:mm:ss")
        try """
        \(t) | WARN | orders | took=812 | slow query
        \(t) | ERROR | orders | took=3 | failed
        garbage

        """.write(toFile: input, atomically: true, encoding: .utf8)
        let store = dir.path + "/store"
        let r = try CLI.run(["ingest", "--store", store, "--file-format", "*.txt=pattern",
                             "--pattern", #"^(?<timestamp>[\d.]+ [\d:]+) \| (?<level>\w+) \| (?<source>\w+) \| took=(?<took>\d+) \| (?<message>.*)$"#,
                             "--timestamp-layout", "%d.%m.%Y %H:%M:%S", input])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("1 kept as text (pattern did not match: 1)"), "\(r.stderr)")
        let got = try Self.records(store)
        #expect(got.count == 3)
        #expect(got.first?.timestamp == Int64(Self.base.timeIntervalSince1970) * 1_000_000_000)
        #expect(got.first?.attribute("took") == .int(812))
        let bad = try CLI.run(["ingest", "--store", store, "--format", "pattern", input])
        #expect(bad.status != 0 && bad.stderr.contains("--pattern"), "\(bad.stderr)")
    }
}
