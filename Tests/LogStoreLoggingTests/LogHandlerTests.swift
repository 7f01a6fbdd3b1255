import Foundation
import Instrumentation
import Logging
import Testing
@testable import LogStore
@testable import LogStoreLogging
import LogStorePipeline


/// A store, an ingestor and a logger writing into them.
func makeLogger(label: String = "api", options: LogHandlerOptions = .init(),
                ingestorOptions: IngestorOptions = IngestorOptions()) throws -> (TempDir, LogStore, Ingestor, Logger) {
    let dir = TempDir()
    let store = try LogStore.open(at: dir.path, options: StoreOptions(durability: .batch))
    let ingestor = try Ingestor(store: store, options: ingestorOptions)
    var logger = Logger(label: label, factory: LogStoreLogHandler.factory(ingestor: ingestor, options: options))
    logger.logLevel = .trace
    return (dir, store, ingestor, logger)
}

struct FixedTraceInstrument: Instrument {
    func extract<Carrier, Extract>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract)
        where Extract: Extractor, Extract.Carrier == Carrier {}
    func inject<Carrier, Inject>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject)
        where Inject: Injector, Inject.Carrier == Carrier {
        injector.inject("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", forKey: "traceparent", into: &carrier)
    }
}

@Suite struct LogHandlerTests {
    @Test func eventsBecomeRecords() async throws {
        let (dir, store, ingestor, logger) = try makeLogger()
        logger.warning("disk slow", metadata: ["correlation_id": "req-1", "latency_ms": .stringConvertible(31),
                                                 "http": ["status": .stringConvertible(503)], "tags": ["a", "b"]])
        logger.trace("fine")
        await ingestor.close()
        let records = try store.records(LogQuery())
        #expect(records.count == 2)
        let r = try #require(records.first)
        #expect(r.source == "api")
        #expect(r.level == .warning)
        #expect(r.message == "disk slow")
        #expect(r.correlationID == "req-1")
        #expect(r.attributes == [Attribute("http.status", .int(503)), Attribute("latency_ms", .int(31)),
                                 Attribute("tags", .string("[a, b]"))])
        #expect(records.last?.level == .trace)
        try store.close()
        _ = dir
    }

    /// The factory for `LoggingSystem.bootstrap(_:metadataProvider:)` hands the provider to each handler.
    @Test func metadataProviderFactoryPassesTheProviderOn() async throws {
        let dir = TempDir()
        let store = try LogStore.open(at: dir.path, options: StoreOptions(durability: .batch))
        let ingestor = try Ingestor(store: store)
        let provider = Logger.MetadataProvider { ["tenant": "acme"] }
        let factory = LogStoreLogHandler.metadataProviderFactory(ingestor: ingestor)
        // What `LoggingSystem.bootstrap(factory, metadataProvider: provider)` does for every logger.
        let logger = Logger(label: "api", factory: { label in factory(label, provider) })
        logger.info("with a provider")
        await ingestor.close()
        #expect(try store.records(LogQuery()).map(\.attributes) == [[Attribute("tenant", .string("acme"))]])
        try store.close()
    }

    @Test func correlationKeyIsConfigurableAndHandlerMetadataMerges() async throws {
        var options = LogHandlerOptions()
        options.correlationIDKey = "request_id"
        var (dir, store, ingestor, logger) = try makeLogger(options: options)
        logger[metadataKey: "region"] = "eu"
        logger.info("hi", metadata: ["request_id": "r-9", "region": "us"])
        await ingestor.close()
        let r = try #require(try store.records(LogQuery()).first)
        #expect(r.correlationID == "r-9")
        #expect(r.attributes == [Attribute("region", .string("us"))])
        try store.close()
        _ = dir
    }

    @Test func traceIDOfTheServiceContextIsTheCorrelationID() async throws {
        var options = LogHandlerOptions()
        options.traceID = { _ in
            var carrier: [String: String] = [:]
            FixedTraceInstrument().inject(ServiceContext.topLevel, into: &carrier, using: DictionaryInjector())
            return LogStoreLogHandler.traceID(in: carrier)
        }
        let (dir, store, ingestor, logger) = try makeLogger(options: options)
        ServiceContext.withValue(.topLevel) { logger.info("in a span") }
        logger.info("outside")
        ServiceContext.withValue(.topLevel) { logger.info("explicit wins", metadata: ["correlation_id": "mine"]) }
        await ingestor.close()
        let ids = try store.records(LogQuery()).map(\.correlationID)
        #expect(ids == ["4bf92f3577b34da6a3ce929d0e0e4736", nil, "mine"])
        try store.close()
        _ = dir
    }

    @Test func w3cAndNamedTraceHeadersAreRead() {
        #expect(LogStoreLogHandler.traceID(in: ["traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"])
                == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(LogStoreLogHandler.traceID(in: ["in-memory-trace-id": "abc"]) == "abc")
        #expect(LogStoreLogHandler.traceID(in: ["other": "x"]) == nil)
    }

    @Test func loggingNeverBlocksBeyondItsBoundOnAStalledStore() async throws {
        var ingestorOptions = IngestorOptions()
        ingestorOptions.maxBufferedRecords = 1_000
        ingestorOptions.batchAge = .seconds(60)
        var options = LogHandlerOptions()
        options.maxBlock = .milliseconds(20)
        let (dir, store, ingestor, logger) = try makeLogger(options: options, ingestorOptions: ingestorOptions)
        try store.close()          // a store that can no longer write: every batch fails
        let started = ContinuousClock.now
        for i in 0..<5_000 { logger.error("e\(i)") }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed < .seconds(30))
        let c = await ingestor.close(timeout: .milliseconds(50))
        #expect(c.accepted + c.droppedTotal == 5_000)
        #expect(c.written == 0)
        _ = dir
    }
}
