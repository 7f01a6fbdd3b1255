import LogStore
import LogStoreForward
import ServiceLifecycle

/// `logstore serve --forward-to URL`: the store's forwarder as a service of the server (docs/FORWARDING.md).
/// It follows the store until the server shuts down (it stops first, before the store closes); a
/// forwarder that stops on an error (a permanent rejection, a store it cannot read) says so on standard
/// error and leaves the server serving.
struct ForwardService: Service {
    let forwarder: ClickHouseForwarder

    /// The forwarder `options` ask for, or nil; a bad URL or store id is a start error.
    static func make(options: ServeOptions, store: LogStore, metrics: ServerMetrics) throws -> ForwardService? {
        guard let url = options.forwardTo else { return nil }
        do throws(ForwardError) {
            let target = try ClickHouseTarget(url: url)
            let configuration = ForwardConfiguration(storeDirectory: options.storePath, storeID: options.forwardStoreID)
            let forwarder = try ClickHouseForwarder(
                target: target, configuration: configuration, metricsFactory: metrics.factory,
                positionStore: options.storeOptions.readOnly ? nil : store,
                onDamage: { report in
                    writeStandardError("logstore serve: forward: records not forwarded, the store is damaged: \(report)\n")
                })
            return ForwardService(forwarder: forwarder)
        } catch {
            throw ServerStartError("--forward-to: \(error.description)")
        }
    }

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await forwarder.run() }
        } catch {
            if Task.isCancelled { return }
            writeStandardError("logstore serve: forwarding to \(forwarder.target) stopped: \(error); the server goes on, the records stay in the store\n")
        }
        // Returning would end the whole service group: wait for the server's shutdown instead.
        try? await gracefulShutdown()
    }
}
