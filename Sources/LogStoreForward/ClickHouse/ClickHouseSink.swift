/// The reads and writes of step R and of inserts (docs/FORWARDING.md 4) against one table.
struct ClickHouseSink: Sendable {
    let http: ClickHouseHTTP
    let storeID: String

    var target: ClickHouseTarget { http.target }

    /// R1: creates the table when missing. Returns whether the table existed before (`EXISTS TABLE`,
    /// asked first): when it did not, no forwarder has sent an insert to it yet (each sends only after
    /// its own R1 found or made the table), so a start need not wait for one (FORWARDING.md 4).
    @discardableResult
    func ensureTable() async throws(ForwardError) -> Bool {
        let answer = try await http.query("EXISTS TABLE \(target.qualifiedTable) FORMAT TabSeparated")
        let existed = ClickHouseHTTP.trimmed(answer) == "1"
        if !existed { _ = try await http.query(ClickHouseSchema.createTable(target.qualifiedTable)) }
        return existed
    }

    /// The `query_id` prefix of every insert of this store: `logstore-fwd-` and the FNV-1a hash of the
    /// store id in hex, then `-`.
    var queryIDPrefix: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in storeID.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return "logstore-fwd-\(String(hash, radix: 16))-"
    }

    /// R2: returns once ClickHouse runs no insert of this store (one whose outcome may be unknown: the
    /// previous process's, or one that timed out), polling every 100 ms; throws
    /// ``ForwardError/Kind/unavailable`` after `limit`.
    func waitUntilNoInsertRuns(limit: Duration) async throws(ForwardError) {
        let query = "SELECT count() FROM system.processes WHERE query_id LIKE \(ClickHouseSchema.literal(queryIDPrefix + "%")) FORMAT TabSeparated"
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while true {
            let answer = try await http.query(query)
            if ClickHouseHTTP.trimmed(answer) == "0" { return }
            guard clock.now < deadline else {
                throw ForwardError(.unavailable, "an insert of this store is still running in ClickHouse; waiting for it before reading back",
                                   place: target.description)
            }
            do { try await Task.sleep(for: .milliseconds(100)) } catch {
                throw ForwardError(.unavailable, "stopped while waiting for an insert to end", place: target.description)
            }
        }
    }

    /// R3: this store's high-water mark, the largest `seq` the table holds for it (0 for none).
    func highWaterMark() async throws(ForwardError) -> UInt64 {
        let answer = try await http.query(
            "SELECT max(seq), count() FROM \(target.qualifiedTable) WHERE store_id = \(ClickHouseSchema.literal(storeID)) FORMAT TabSeparated")
        let fields = ClickHouseHTTP.trimmed(answer).split(separator: "\t")
        guard fields.count == 2, let maximum = UInt64(fields[0]), let count = UInt64(fields[1]) else {
            throw ForwardError(.unavailable, "unexpected answer to the high-water-mark query: \(ClickHouseHTTP.firstLine(answer))",
                               place: target.description)
        }
        return count == 0 ? 0 : maximum
    }
}
