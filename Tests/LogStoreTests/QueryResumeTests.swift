import Foundation
import Testing
@testable import LogStore

/// Paging: a result read N records at a time, each page resuming after the cursor of the previous
/// page's last record, is exactly the full result, whatever the filters and order.
@Suite struct QueryResumeTests {
    static func page(_ store: LogStore, _ q: LogQuery, pageSize: Int) throws -> (records: [LogRecord], pages: Int) {
        var out: [LogRecord] = []
        var pages = 0
        var cursor: QueryCursor?
        while true {
            var pq = q
            pq.limit = pageSize
            pq.after = cursor
            let page = try store.records(pq)
            pages += 1
            out += page
            guard page.count == pageSize, let last = page.last else { break }
            // The text form of the cursor round-trips, as a CLI user would pass it.
            cursor = QueryCursor(QueryCursor(last).description)
            try #require(cursor == QueryCursor(last))
            if pages > 10_000 { Issue.record("paging does not terminate"); break }
        }
        return (out, pages)
    }

    @Test(arguments: [LogQuery.Order.ascending, .descending])
    func pagingWithAfterCursorYieldsExactlyTheFullResult(order: LogQuery.Order) throws {
        let dir = TempDir()
        var opts = StoreOptions(durability: .none)
        opts.blockSize = 2048
        opts.headFlushBytes = 64 << 10
        let store = try LogStore.open(at: dir.path, options: opts)
        defer { try? store.close() }
        let base = nowNanos() - 3_600_000_000_000
        let stored = try appendInBatches(store, makeRecords(2_500, seed: 77, base: base) + edgeCaseRecords(base: base, seed: 77),
                                         batches: 5)
        let queries: [LogQuery] = [
            LogQuery(),
            LogQuery(levels: [.error, .warning, .critical]),
            LogQuery(sources: ["tie", "auth"]),
            LogQuery(messageContains: "/orders"),
            LogQuery(attributes: [AttributeFilter("status", .greaterOrEqual, .double(404))]),
            LogQuery(since: stored[stored.count / 3].timestamp, until: stored[stored.count / 2].timestamp),
        ]
        for var q in queries {
            q.order = order
            let expected = reference(stored, q)
            for size in [1, 7, 64] where expected.count / size < 400 {
                let (paged, pages) = try Self.page(store, q, pageSize: size)
                expectSameRecords(paged, expected, "paged by \(size): \(q)")
                #expect(pages == expected.count / size + 1)
            }
        }
        // The same after everything moved to segments.
        try store.flush()
        var q = LogQuery(levels: [.info, .notice, .debug])
        q.order = order
        let (paged, _) = try Self.page(store, q, pageSize: 13)
        expectSameRecords(paged, reference(stored, q), "paged from segments")
    }

    @Test func pagingThroughRecordsWithEqualTimestampsLosesNone() throws {
        let dir = TempDir()
        let store = try LogStore.open(at: dir.path, options: StoreOptions(durability: .none))
        defer { try? store.close() }
        let ts = nowNanos() - 1_000_000_000
        let input = (0..<50).map { LogRecord(timestamp: ts, level: .info, source: "s", message: "m\($0)") }
        let half = try appendInBatches(store, Array(input[0..<25]), batches: 1)
        try store.flush()
        let stored = half + (try appendInBatches(store, Array(input[25...]), batches: 1))  // segment + head share the instant
        for order in [LogQuery.Order.ascending, .descending] {
            let (paged, _) = try Self.page(store, LogQuery(order: order), pageSize: 3)
            expectSameRecords(paged, reference(stored, LogQuery(order: order)), "ties \(order)")
        }
    }
}
