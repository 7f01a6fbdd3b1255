import Foundation
import Testing
import LogStore
import LogStoreProtocols
@testable import LogStoreForward

/// The OTLP exporter against a real receiver on loopback that answers 429 with Retry-After, 503, 400
/// and partial success (docs/FORWARDING.md 8): what is retried, what stops, what is counted.
struct OTLPExportTests {
    func configuration(_ store: String) -> ForwardConfiguration {
        var configuration = ForwardConfiguration(storeDirectory: store, storeID: "otlp-test")
        configuration.maxBatchRecords = 500
        configuration.batchLinger = .milliseconds(20)
        configuration.initialBackoff = .milliseconds(20)
        configuration.maxBackoff = .milliseconds(100)
        configuration.requestTimeout = .seconds(20)
        configuration.stopWhenCaughtUp = true
        return configuration
    }

    /// Writes `count` sample records to a new store and opens it for the forwarder.
    func store(_ dir: TempDir, count: Int) throws -> LogStore {
        try writeStore(dir.path, sampleRecords(count))
        return try LogStore.open(at: dir.path)
    }

    func position(_ store: LogStore, _ receiver: OTLPTestReceiver) throws -> UInt64? {
        try store.checkpoint(named: ForwardPosition.checkpointName(sink: try OTLPTarget(url: receiver.url).description))
            .flatMap(ForwardPosition.mark(from:))
    }

    @Test func everyRecordIsSentOnceGzippedProtobufAndThePositionIsSaved() async throws {
        let receiver = try await OTLPTestReceiver(script: [])
        let dir = TempDir("otlp-export")
        let store = try store(dir, count: 1200)
        let forwarder = try OTLPForwarder(target: try OTLPTarget(url: receiver.url), configuration: configuration(dir.path), positionStore: store)
        try await forwarder.run()
        let received = receiver.received
        #expect(received.count == 3)   // 500 + 500 + 200
        #expect(received.allSatisfy { $0.contentEncoding == "gzip" && $0.contentType == "application/x-protobuf" && $0.request != nil })
        #expect(received.flatMap(\.keys) == (1...1200).map { "otlp-test/\($0)" })
        #expect(forwarder.progress.sentRecords == 1200 && forwarder.progress.retries == 0)
        #expect(try position(store, receiver) == 1200)
        // A second run starts after the saved position and sends nothing.
        let again = try OTLPForwarder(target: try OTLPTarget(url: receiver.url), configuration: configuration(dir.path), positionStore: store)
        try await again.run()
        #expect(receiver.received.count == 3 && again.progress.sentRecords == 0)
        try store.close()
        await receiver.stop()
    }

    @Test func tooManyRequestsIsRetriedAfterRetryAfterAndUnavailableWithBackoff() async throws {
        let receiver = try await OTLPTestReceiver(script: [
            .status(429, message: "slow down", headers: [("Retry-After", "1")]),
            .status(503, message: "busy"),
            .status(502, message: "bad gateway"),
            .status(504, message: "gateway timeout"),
        ])
        let dir = TempDir("otlp-export")
        let store = try store(dir, count: 100)
        let forwarder = try OTLPForwarder(target: try OTLPTarget(url: receiver.url), configuration: configuration(dir.path), positionStore: store)
        try await forwarder.run()
        let received = receiver.received
        #expect(received.count == 5)
        #expect(forwarder.progress.retries == 4 && forwarder.progress.sentRecords == 100)
        // Retry-After: 1 was honoured (backoff alone would have waited at most 100 ms).
        #expect(received[1].at - received[0].at >= .milliseconds(950))
        // Each attempt carried the same records.
        #expect(Set(received.map(\.keys)).count == 1)
        #expect(try position(store, receiver) == 100)
        try store.close()
        await receiver.stop()
    }

    @Test func retryAfterAsAnHTTPDateIsHonoured() async throws {
        var answer = OTLPTestReceiver.Answer.status(503, message: "maintenance")
        answer.retryAfterDateIn = 2   // an HTTP date 2 s after the answer, computed when answering
        let receiver = try await OTLPTestReceiver(script: [answer])
        let dir = TempDir("otlp-export")
        let store = try store(dir, count: 10)
        let forwarder = try OTLPForwarder(target: try OTLPTarget(url: receiver.url), configuration: configuration(dir.path), positionStore: store)
        try await forwarder.run()
        let received = receiver.received
        #expect(received.count == 2)
        // The date is whole seconds: between 1 and 2 s after the first answer.
        #expect(received[1].at - received[0].at >= .milliseconds(900))
        try store.close()
        await receiver.stop()
    }

    @Test func aRejectionLeavesTheRecordsUnsentAndTheNextStartSendsThem() async throws {
        let receiver = try await OTLPTestReceiver(script: [.ok, .status(400, message: "invalid attribute value")])
        let dir = TempDir("otlp-export")
        let store = try store(dir, count: 1200)
        // The batch boundaries are checked below: a linger long enough that a reader slowed by a busy
        // machine does not cut a partial batch (20 ms did, beside other suites).
        var configuration = configuration(dir.path)
        configuration.batchLinger = .seconds(2)
        let first = try OTLPForwarder(target: try OTLPTarget(url: receiver.url), configuration: configuration, positionStore: store)
        var caught: ForwardError?
        do { try await first.run() } catch { caught = error }
        #expect(caught?.kind == .rejected)
        #expect(caught.map { $0.message.contains("HTTP 400") && $0.message.contains("invalid attribute value") && $0.message.contains("501–1000") } == true,
                "\(String(describing: caught))")
        #expect(first.progress.sentRecords == 500)
        #expect(try position(store, receiver) == 500)
        // Fixed (the script is used up): the next start resumes at 501.
        let second = try OTLPForwarder(target: try OTLPTarget(url: receiver.url), configuration: configuration, positionStore: store)
        try await second.run()
        #expect(second.progress.sentRecords == 700)
        #expect(receiver.received.map { $0.keys.first } == ["otlp-test/1", "otlp-test/501", "otlp-test/501", "otlp-test/1001"])
        #expect(try position(store, receiver) == 1200)
        try store.close()
        await receiver.stop()
    }

    @Test func partialSuccessIsCountedAndNotSentAgain() async throws {
        let receiver = try await OTLPTestReceiver(script: [.partialSuccess(rejected: 3, message: "3 records had a bad trace id")])
        let dir = TempDir("otlp-export")
        let store = try store(dir, count: 100)
        let messages = LockedState<[String]>([])
        let forwarder = try OTLPForwarder(target: try OTLPTarget(url: receiver.url), configuration: configuration(dir.path), positionStore: store,
                                          onPartialSuccess: { count, message in messages.withLock { $0.append("\(count): \(message)") } })
        try await forwarder.run()
        #expect(receiver.received.count == 1)
        #expect(forwarder.progress.rejectedRecords == 3 && forwarder.progress.sentRecords == 97)
        #expect(forwarder.progress.lastRejection == "3 records had a bad trace id")
        #expect(messages.withLock { $0 } == ["3: 3 records had a bad trace id"])
        #expect(try position(store, receiver) == 100)
        try store.close()
        await receiver.stop()
    }

    @Test func targetsParse() throws {
        #expect(try OTLPTarget(url: "otlp+http://collector").endpoint == "http://collector:4318/v1/logs")
        #expect(try OTLPTarget(url: "otlp+http://127.0.0.1:9999/").description == "otlp+http://127.0.0.1:9999/v1/logs")
        #expect(try OTLPTarget(url: "otlp+http://h:1/custom/logs").path == "/custom/logs")
        #expect(throws: ForwardError.self) { try OTLPTarget(url: "http://h:4318") }
        #expect(throws: ForwardError.self) { try OTLPTarget(url: "otlp+http://h:0") }
        #expect(throws: ForwardError.self) { try OTLPTarget(url: "otlp+http://:4318") }
        #expect(RetryAfter.pause("120", nowSeconds: 0) == .seconds(120))
        #expect(RetryAfter.pause("Sun, 06 Nov 1994 08:49:37 GMT", nowSeconds: 784_111_777 - 30) == .seconds(30))
        #expect(RetryAfter.pause("Sun, 06 Nov 1994 08:49:37 GMT", nowSeconds: 784_111_777 + 30) == .zero)
        #expect(RetryAfter.pause("soon", nowSeconds: 0) == nil)
    }
}
