import LogStore
import LogStoreForward

extension ForwardCommand {
    /// `logstore forward --to otlp+http://…`: the store is opened as its writer, since the forwarder
    /// keeps its position there (docs/FORWARDING.md 8); `--status` opens it read-only.
    func exportOTLP(target: OTLPTarget, configuration: ForwardConfiguration) throws {
        var options = StoreOptions()
        options.readOnly = status
        let store: LogStore
        do {
            store = try LogStore.open(at: location.path, options: options)
        } catch {
            let hint = error.kind == .locked
                ? "; another process writes the store: stop it, or forward from it (`logstore serve --forward-to \(target)`)" : ""
            throw ForwardError(.store, "cannot open the store: \(error.description)\(hint)", place: location.path)
        }
        defer { try? store.close() }
        if status {
            let storeID = configuration.storeID
            try printStatus(try runBlocking { () async throws(ForwardError) in
                try await OTLPForwarder.status(target: target, store: store, storeID: storeID)
            })
            return
        }
        let path = location.path
        let quiet = self.quiet
        let forwarder = try OTLPForwarder(
            target: target, configuration: configuration, positionStore: store,
            onDamage: { damage in
                if !quiet { writeStderr("logstore: warning: damaged records not forwarded: \(path)/\(damage); run `logstore verify`\n") }
            },
            onPartialSuccess: { rejected, message in
                if !quiet { writeStderr("logstore: the receiver rejected \(rejected) records of an export: \(message)\n") }
            })
        try runUntilStopped(forwarder.run) { forwarder.progress }
        if !quiet {
            let p = forwarder.progress
            writeStderr("logstore: exported \(p.sentRecords) records in \(p.sentBatches) requests; position \(p.highWaterMark); "
                        + "\(p.rejectedRecords) rejected by the receiver, \(p.retries) retries, \(p.damagedReports) damage reports\n")
        }
    }
}
