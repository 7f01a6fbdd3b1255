import LogStore
import LogStoreForward
import ServiceLifecycle

/// `logstore serve --forward-to URL`: the store's forwarder as a service of the server (docs/FORWARDING.md),
/// to ClickHouse (`clickhouse://`) or to an OTLP/HTTP receiver (`otlp+http://`). It follows the store until
/// the server shuts down (it stops first, before the store closes); a forwarder that stops on an error (a
/// permanent rejection, a store it cannot read) says so on standard error and leaves the server serving.
struct ForwardService: Service {
    /// Runs the forwarder until cancelled or failed.
    let forward: @Sendable () async throws(ForwardError) -> Void
    /// The sink, for messages.
    let sink: String

    /// The forwarder `options` ask for, or nil; a bad URL or store id is a start error.
    static func make(options: ServeOptions, store: LogStore, metrics: ServerMetrics) throws -> ForwardService? {
        guard let url = options.forwardTo else { return nil }
        let onDamage: @Sendable (DamageReport) -> Void = { report in
            writeStandardError("logstore serve: forward: records not forwarded, the store is damaged: \(report)\n")
        }
        do throws(ForwardError) {
            let configuration = ForwardConfiguration(storeDirectory: options.storePath, storeID: options.forwardStoreID)
            if url.hasPrefix(OTLPTarget.scheme) {
                let target = try OTLPTarget(url: url)
                guard !options.storeOptions.readOnly else {
                    throw ForwardError(.invalidArgument, "an OTLP forwarder keeps its position in the store: not with --read-only", place: url)
                }
                let forwarder = try OTLPForwarder(
                    target: target, configuration: configuration, positionStore: store, metricsFactory: metrics.factory,
                    onDamage: onDamage,
                    onPartialSuccess: { rejected, message in
                        writeStandardError("logstore serve: forward: \(target) rejected \(rejected) records of an export: \(message)\n")
                    })
                return ForwardService(forward: forwarder.run, sink: target.description)
            }
            let target = try ClickHouseTarget(url: url)
            let forwarder = try ClickHouseForwarder(
                target: target, configuration: configuration, metricsFactory: metrics.factory,
                positionStore: options.storeOptions.readOnly ? nil : store, onDamage: onDamage)
            return ForwardService(forward: forwarder.run, sink: target.description)
        } catch {
            throw ServerStartError("--forward-to: \(error.description)")
        }
    }

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await forward() }
        } catch {
            if Task.isCancelled { return }
            writeStandardError("logstore serve: forwarding to \(sink) stopped: \(error); the server goes on, the records stay in the store\n")
        }
        // Returning would end the whole service group: wait for the server's shutdown instead.
        try? await gracefulShutdown()
    }
}
