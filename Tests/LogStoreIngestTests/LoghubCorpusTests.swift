import Foundation
import Testing
import LogStoreFormat
@testable import LogStoreIngest

/// Every file of `../shared/corpora/loghub` through the text parser, with a per-file report of records,
/// timestamps detected and levels detected. Skipped (with a message) where the corpora are absent.
@Suite struct LoghubCorpusTests {
    /// Files whose every record must have a detected timestamp: the formats the parser claims.
    static let timestampedFormats: Set<String> = [
        "Android_2k.log", "Apache_2k.log", "BGL_2k.log", "Hadoop_2k.log", "Linux_2k.log", "Linux_full.log",
        "Mac_2k.log", "OpenSSH_2k.log", "OpenStack_2k.log", "Thunderbird_2k.log", "Windows_2k.log", "Zookeeper_2k.log",
    ]

    @Test(.enabled(if: loghubDirectory != nil, "../shared/corpora/loghub is absent (a fresh clone has no ../shared): corpus report skipped"))
    func everyLoghubFileParsesWithAReport() throws {
        guard let dir = loghubDirectory else { return }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".log") }.sorted()
        #expect(!files.isEmpty)
        print("loghub text-format report: file, lines, records, timestamps detected, levels detected, joined lines, errors")
        for name in files {
            let data = try Data(contentsOf: dir.appendingPathComponent(name))
            var s = LineRecordStream(format: .text, options: fixedOptions(source: name))
            var records: [LogRecord] = []
            var errors: [LineError] = []
            data.withUnsafeBytes { s.feed($0, into: &records, errors: &errors) }
            s.finish(into: &records, errors: &errors)
            let st = s.statistics
            let lines = s.nextLineNumber - 1
            func pct(_ v: Int) -> String { st.records == 0 ? "-" : String(format: "%.1f%%", 100 * Double(v) / Double(st.records)) }
            print("  \(name): \(lines) lines, \(st.records) records, timestamps \(st.timestampsDetected) (\(pct(st.timestampsDetected))), levels \(st.levelsDetected) (\(pct(st.levelsDetected))), joined \(st.joinedLines), errors \(st.errors)")
            #expect(records.count == st.records, "\(name)")
            #expect(st.records + st.joinedLines + st.errors <= lines, "\(name)")
            #expect(st.records > 0, "\(name)")
            if Self.timestampedFormats.contains(name) {
                #expect(st.timestampsDetected == st.records, "\(name): every record should have its timestamp")
            }
        }
    }

    @Test(.enabled(if: loghubDirectory != nil, "../shared/corpora/loghub is absent (a fresh clone has no ../shared): skipped"))
    func loghubChunkingDoesNotChangeRecords() throws {
        guard let dir = loghubDirectory else { return }
        let data = try Data(contentsOf: dir.appendingPathComponent("Hadoop_2k.log"))
        let text = String(decoding: data, as: UTF8.self)
        let whole = stream(text, format: .text).records
        #expect(stream(text, format: .text, chunk: 1000).records == whole)
    }
}
