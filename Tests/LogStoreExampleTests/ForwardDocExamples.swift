import LogStore
import LogStoreForward

// The examples in LogStoreForward's doc comments, line for line (scripts/check-examples.py checks that
// they stay so). Compiled with the tests, never called.

/// Sources/LogStoreForward/ClickHouse/ClickHouseTarget.swift
func clickHouseTargetDocExample() throws {
    let target = try ClickHouseTarget(url: "clickhouse://127.0.0.1:8123/logs.records")
    print(target.database, target.table)   // logs records
}

/// Sources/LogStoreForward/ClickHouse/ClickHouseForwarder.swift
func clickHouseForwarderDocExample() async throws {
    let target = try ClickHouseTarget(url: "clickhouse://127.0.0.1:8123/default.logs")
    var configuration = ForwardConfiguration(storeDirectory: "/var/lib/collector/logs")
    configuration.stopWhenCaughtUp = true
    let forwarder = try ClickHouseForwarder(target: target, configuration: configuration)
    try await forwarder.run()   // returns when caught up; without stopWhenCaughtUp, when cancelled
    print(forwarder.progress.sentRecords)
}

/// Sources/LogStoreForward/OTLP/OTLPTarget.swift
func otlpTargetDocExample() throws {
    let target = try OTLPTarget(url: "otlp+http://127.0.0.1:4318")
    print(target.endpoint)   // http://127.0.0.1:4318/v1/logs
}

/// Sources/LogStoreForward/OTLP/OTLPForwarder.swift
func otlpForwarderDocExample() async throws {
    let store = try LogStore.open(at: "/var/lib/collector/logs")
    var configuration = ForwardConfiguration(storeDirectory: "/var/lib/collector/logs")
    configuration.stopWhenCaughtUp = true
    let forwarder = try OTLPForwarder(target: try OTLPTarget(url: "otlp+http://127.0.0.1:4318"),
                                      configuration: configuration, positionStore: store)
    try await forwarder.run()   // returns when caught up; without stopWhenCaughtUp, when cancelled
    print(forwarder.progress.sentRecords)
    try store.close()
}
