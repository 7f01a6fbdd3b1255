import Foundation
import Testing
import LogStoreFormat
@testable import LogStoreIngest

/// Every file of `../shared/corpora` (loghub and the Apache access log) through `--format auto`, with a
/// per-file report: the format chosen, records, timestamps and levels found, lines kept as text, and
/// the attribute keys (fields) found. Skipped, saying so, where the corpora are absent.
@Suite struct FormatCorpusTests {
    /// The format each file must be recognised as; files not listed must come out as plain text.
    static let expected: [String: LineFormat] = [
        "Apache_access_10k.log": .access, "Apache_2k.log": .errorLog, "Linux_2k.log": .syslog,
        "Linux_full.log": .syslog, "OpenSSH_2k.log": .syslog, "Mac_2k.log": .syslog,
    ]
    /// Files in which every line must fit the recognised format (none kept as text).
    static let clean: Set<String> = ["Apache_access_10k.log", "Apache_2k.log", "Linux_2k.log", "OpenSSH_2k.log"]

    static var corpusFiles: [URL] {
        guard let loghub = loghubDirectory else { return [] }
        let corpora = loghub.deletingLastPathComponent()
        var out: [URL] = []
        for dir in ["loghub", "elastic-examples"] {
            let folder = corpora.appendingPathComponent(dir)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            out += names.filter { $0.hasSuffix(".log") }.sorted().map { folder.appendingPathComponent($0) }
        }
        return out
    }

    @Test(.enabled(if: loghubDirectory != nil, "../shared/corpora is absent (a fresh clone has no ../shared): format corpus report skipped"))
    func everyCorpusFileIsRecognisedWithAReport() throws {
        let files = Self.corpusFiles
        #expect(files.count >= 18)
        print("format corpus report (--format auto): file: format (sample lines matched), lines, records, timestamps, levels, kept as text, fields")
        for url in files {
            let name = url.lastPathComponent
            let data = try Data(contentsOf: url)
            var s = LineRecordStream(format: .auto, options: fixedOptions(source: name))
            var records: [LogRecord] = []
            var errors: [LineError] = []
            data.withUnsafeBytes { s.feed($0, into: &records, errors: &errors) }
            s.finish(into: &records, errors: &errors)
            let st = s.statistics
            var keys: [String: Int] = [:]
            for r in records { for a in r.attributes { keys[a.key, default: 0] += 1 } }
            let fields = keys.sorted { $0.value == $1.value ? $0.key < $1.key : $0.value > $1.value }.prefix(12).map { "\($0.key)" }
            let detection = st.detection.map { "\($0.format.rawValue) (\($0.matched)/\($0.lines))" } ?? "-"
            let unmatched = st.unmatched.sorted { $0.value > $1.value }.map { "\($0.key): \($0.value)" }
            print("  \(name): \(detection), \(s.nextLineNumber - 1) lines, \(st.records) records, timestamps \(st.timestampsDetected), levels \(st.levelsDetected), kept as text \(st.unmatchedTotal)\(unmatched.isEmpty ? "" : " \(unmatched)"), errors \(st.errors), fields \(fields)")
            #expect(st.detection?.format == Self.expected[name] ?? .text, "\(name)")
            #expect(records.count == st.records, "\(name)")
            if Self.clean.contains(name) {
                #expect(st.unmatchedTotal == 0, "\(name): \(unmatched)")
                #expect(st.timestampsDetected == st.records, "\(name)")
            }
        }
    }

    @Test(.enabled(if: loghubDirectory != nil, "../shared/corpora is absent: skipped"))
    func apacheAccessLogAnswersStatusAndBytes() throws {
        guard let url = Self.corpusFiles.first(where: { $0.lastPathComponent == "Apache_access_10k.log" }) else { return }
        let text = try String(contentsOf: url, encoding: .utf8)
        let (records, errors, stats) = stream(text, format: .access)
        #expect(errors.isEmpty)
        #expect(stats.unmatchedTotal == 0)
        #expect(records.count == 10_000)
        let statuses = Set(records.compactMap { attributes($0)["status"] })
        #expect(statuses.contains(.int(404)) && statuses.contains(.int(200)))
        #expect(records.filter { $0.level == .warning }.count == records.filter { if case .int(let s) = attributes($0)["status"] { s >= 400 && s < 500 } else { false } }.count)
        #expect(records.allSatisfy { if case .int = attributes($0)["status"] { true } else { false } })
    }
}
