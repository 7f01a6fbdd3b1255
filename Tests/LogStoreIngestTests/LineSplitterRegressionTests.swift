import Testing
@testable import LogStoreIngest

/// Found by FuzzLogfmt and FuzzText (Fuzz/regressions/*/overlimit-crlf-split): a line over the record
/// limit that ends in `\r\n` was reported with one byte more when it arrived in pieces (the skipped
/// bytes counted the `\r`) than when it arrived whole. The report must not depend on chunking.
@Suite struct LineSplitterRegressionTests {
    @Test(arguments: [LineFormat.logfmt, .text])
    func overLimitLineEndingInCRLFIsReportedTheSameHoweverItIsSplit(format: LineFormat) {
        var options = fixedOptions()
        options.maxRecordBytes = 48
        let text = String(repeating: "\r", count: 37) + "ts02=\"" + String(repeating: "\r", count: 15) + "\n" + "ok=1\n"
        let whole = stream(text, format: format, options: options)
        #expect(whole.errors.count == 1)
        #expect(whole.errors.first?.reason.contains("record of 57 bytes") == true, "\(whole.errors)")
        for chunk in [1, 2, 7, 49, 50, 57] {
            let split = stream(text, format: format, chunk: chunk, options: options)
            #expect(split.errors == whole.errors, "chunks of \(chunk)")
            #expect(split.records.count == whole.records.count, "chunks of \(chunk)")
        }
    }
}
