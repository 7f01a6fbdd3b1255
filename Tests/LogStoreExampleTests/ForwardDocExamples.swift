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
