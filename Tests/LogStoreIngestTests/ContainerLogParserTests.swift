import Testing
import LogStoreFormat
@testable import LogStoreIngest

@Suite struct ContainerLogParserTests {
    static let k8sPath = "/var/log/containers/web-7d4b9c-xk2p_shop_nginx-" + String(repeating: "ab12", count: 16) + ".log"

    @Test func criPartialPiecesJoinTheFinalOne() throws {
        let lines = ["2024-01-02T03:04:05.123456789Z stdout P first ", "2024-01-02T03:04:05.2Z stdout P second ",
                     "2024-01-02T03:04:05.3Z stdout F third", "2024-01-02T03:04:06Z stderr F ERROR boom"]
        let (records, errors, stats) = parsed(lines, format: .cri)
        #expect(errors.isEmpty && stats.unmatched.isEmpty)
        #expect(records.map(\.message) == ["first second third", "ERROR boom"])
        #expect(records[0].timestamp == ns("2024-01-02T03:04:05.123456789Z"))
        #expect(attributes(records[0])["stream"] == .string("stdout"))
        #expect(records[1].level == .error)
        #expect(stats.joinedPieces == 2)
        #expect(stats.records == 2)
    }

    @Test func criPiecesJoinAcrossEveryReadBoundary() {
        let lines = ["2024-01-02T03:04:05Z stdout P aa", "2024-01-02T03:04:05Z stderr F other", "2024-01-02T03:04:05Z stdout P bb",
                     "2024-01-02T03:04:05Z stdout F cc"]
        let whole = parsed(lines, format: .cri).records
        #expect(whole.map(\.message) == ["other", "aabbcc"])
        for chunk in [1, 2, 5, 17, 40] {
            #expect(parsed(lines, format: .cri, chunk: chunk).records == whole, "chunk \(chunk)")
        }
    }

    @Test func streamCheckpointsBeforeAMessageInPieces() {
        var s = LineRecordStream(format: .cri, options: fixedOptions())
        var records: [LogRecord] = []
        var errors: [LineError] = []
        let first = "2024-01-02T03:04:05Z stdout F done\n"
        let piece = "2024-01-02T03:04:05Z stdout P half "
        Array((first + piece + "\n").utf8).withUnsafeBytes { s.feed($0, into: &records, errors: &errors) }
        #expect(records.count == 1)
        #expect(s.consumedBytes == first.utf8.count)
        #expect(s.consumedLineNumber == 2)
        Array("2024-01-02T03:04:06Z stdout F end\n".utf8).withUnsafeBytes { s.feed($0, into: &records, errors: &errors) }
        #expect(records.last?.message == "half end")
        #expect(s.consumedBytes == s.fedBytes)
    }

    @Test func unfinishedPiecesAreStoredAtTheEndMarkedPartial() throws {
        let (records, _, stats) = parsed(["2024-01-02T03:04:05Z stdout P never finished"], format: .cri)
        let r = try #require(records.first)
        #expect(r.message == "never finished")
        #expect(attributes(r)["partial"] == .bool(true))
        #expect(stats.cutMessages == 1)
    }

    @Test func kubernetesPathGivesMetadataAndSource() throws {
        let (records, _, _) = parsed(["2024-01-02T03:04:05Z stdout F GET / 200"], format: .cri) { $0.path = Self.k8sPath }
        let r = try #require(records.first)
        let a = attributes(r)
        #expect(a["k8s.pod"] == .string("web-7d4b9c-xk2p"))
        #expect(a["k8s.namespace"] == .string("shop"))
        #expect(a["k8s.container"] == .string("nginx"))
        #expect(a["k8s.container_id"] == .string(String(repeating: "ab12", count: 16)))
        #expect(r.source == "nginx")
        let pods = try #require(KubernetesPath(path: "/var/log/pods/shop_web-1_0f3e/nginx/0.log"))
        #expect(pods.namespace == "shop" && pods.pod == "web-1" && pods.podUID == "0f3e" && pods.container == "nginx")
        #expect(KubernetesPath(path: "/var/log/syslog") == nil)
        #expect(KubernetesPath(path: "/var/log/containers/not-a-kubelet-name.log") == nil)
    }

    @Test func jsonMessageIsMappedLikeNDJSON() throws {
        let line = #"2024-01-02T03:04:05Z stdout F {"level":"warn","msg":"slow query","ms":812,"trace_id":"t-1","db":{"table":"orders"}}"#
        let r = try #require(parsed([line], format: .cri).records.first)
        #expect(r.level == .warning)
        #expect(r.message == "slow query")
        #expect(r.correlationID == "t-1")
        #expect(r.timestamp == ns("2024-01-02T03:04:05Z"))
        let a = attributes(r)
        #expect(a["ms"] == .int(812) && a["db.table"] == .string("orders") && a["stream"] == .string("stdout"))
    }

    @Test func dockerLinesAndSplitLinesJoined() throws {
        let big = String(repeating: "x", count: 16384)
        let lines = [#"{"log":"hello\n","stream":"stdout","time":"2024-01-02T03:04:05.5Z"}"#,
                     #"{"log":"\#(big)","stream":"stderr","time":"2024-01-02T03:04:06Z"}"#,
                     #"{"log":"tail \"quoted\"\n","stream":"stderr","time":"2024-01-02T03:04:06.1Z","attrs":{"tag":"api"}}"#]
        let (records, errors, stats) = parsed(lines, format: .docker)
        #expect(errors.isEmpty && stats.unmatched.isEmpty)
        #expect(records.count == 2)
        #expect(records[0].message == "hello")
        #expect(records[0].timestamp == ns("2024-01-02T03:04:05.5Z"))
        #expect(records[1].message == big + #"tail "quoted""#)
        #expect(attributes(records[1])["stream"] == .string("stderr"))
        #expect(stats.joinedPieces == 1)
        for chunk in [7, 4096] { #expect(parsed(lines, format: .docker, chunk: chunk).records == records) }
    }

    @Test func aLineOfAnotherFormatIsKeptAsText() {
        let (records, _, stats) = parsed(["plain words", "{\"no\":\"log\",\"time\":\"2024-01-02T03:04:05Z\"}"], format: .docker)
        #expect(records.count == 2)
        #expect(stats.unmatched == ["not a Docker JSON line": 1, "Docker JSON line without \"log\"": 1])
    }
}
