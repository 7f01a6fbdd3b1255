import Testing
import LogStoreFormat
@testable import LogStoreIngest

/// Docker lines in the json-file driver's own shape are read by scanning their three keys; the piece
/// must be the one the full NDJSON parse gives, and any other shape must be left to that parse.
@Suite struct DockerThreeKeysTests {
    static let usual: [String] = [
        #"{"log":"GET /healthz 200\n","stream":"stdout","time":"2024-01-02T03:04:05.123456789Z"}"#,
        #"{"log":"no line end: a piece of a split line","stream":"stderr","time":"2024-01-02T03:04:05Z"}"#,
        #"{"log":"quotes \"q\", a backslash \\ and a tab\t and \u001b[31mcolour\u001b[0m\r\n","stream":"stdout","time":"2024-01-02T03:04:05.5+02:00"}"#,
        #"{"log":"ünïcödé ✓ \ud83d\ude00\n","stream":"stdout","time":"2024-01-02T03:04:05.000000001Z"}"#,
        #"{"log":"{\"level\":\"error\",\"msg\":\"json inside\"}\n","stream":"stdout","time":"2024-01-02T03:04:05Z"}"#,
        #"{"log":"","stream":"","time":"2024-01-02T03:04:05Z"}"#,
    ]

    static let other: [String] = [
        #"{"log":"with attrs\n","stream":"stdout","attrs":{"tag":"web"},"time":"2024-01-02T03:04:05Z"}"#,
        #"{"stream":"stdout","log":"other order\n","time":"2024-01-02T03:04:05Z"}"#,
        #"{ "log":"spaces\n", "stream":"stdout", "time":"2024-01-02T03:04:05Z" }"#,
        #"{"log":"epoch time\n","stream":"stdout","time":1704164645}"#,
        #"{"log":"escaped time\n","stream":"stdout","time":"2024-01-02T03:04:05\u005a"}"#,
        #"{"log":"trailing key\n","stream":"stdout","time":"2024-01-02T03:04:05Z","x":1}"#,
        #"{"log":"bad escape \q","stream":"stdout","time":"2024-01-02T03:04:05Z"}"#,
        #"{"log":"not a time","stream":"stdout","time":"yesterday"}"#,
    ]

    func pieces(_ line: String) -> (fast: ContainerLogParser.Piece?, full: Result<ContainerLogParser.Piece, FormatMismatch>) {
        let parser = ContainerLogParser(runtime: .docker, options: LineParserOptions())
        let bytes = Array(line.utf8)
        return bytes.withUnsafeBufferPointer { b in
            (ContainerLogParser.dockerThreeKeys(b.baseAddress!, count: b.count), parser.dockerJSON(b.baseAddress!, count: b.count))
        }
    }

    @Test(arguments: usual)
    func theUsualShapeGivesThePieceOfTheFullParse(_ line: String) throws {
        let (fast, full) = pieces(line)
        let piece = try #require(fast)
        #expect(piece == (try full.get()))
    }

    @Test(arguments: other)
    func anyOtherShapeIsLeftToTheFullParse(_ line: String) {
        #expect(pieces(line).fast == nil)
    }
}
