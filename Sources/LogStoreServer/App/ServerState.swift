import LogStore
import Logging

/// What every route shares: the store, the settings, metrics, the token table and ingest admission.
final class ServerState: Sendable {
    let store: LogStore
    let options: ServeOptions
    let metrics: ServerMetrics
    let tokens: TokenTable?
    let admission: IngestAdmission
    let writer: IngestWriter
    let tails = TailRegistry()
    let logger: Logger

    init(store: LogStore, options: ServeOptions, tokens: TokenTable?, logger: Logger) {
        self.store = store
        self.options = options
        self.metrics = ServerMetrics()
        self.tokens = tokens
        self.admission = IngestAdmission(limit: options.maxInFlightBytes)
        self.writer = IngestWriter(store: store)
        self.logger = logger
    }

    var readOnly: Bool { store.options.readOnly }
}
