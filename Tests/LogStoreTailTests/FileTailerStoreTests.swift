import Foundation
import Testing
import LogStore
import LogStoreIngest
@testable import LogStoreTail

/// The tailer with a real store: positions are stored with the records, and a new tailer on the reopened
/// store continues exactly.
@Suite struct FileTailerStoreTests {
    func messages(in store: LogStore) throws -> [String] {
        let it = try store.query(LogQuery())
        var out: [String] = []
        while let r = try it.next() { out.append(r.message) }
        return out
    }

    func tailer(_ store: LogStore, _ patterns: [String]) -> FileTailer {
        var options = TailOptions()
        options.holdTimeout = 0
        return FileTailer(store: store, patterns: patterns, format: .text, options: options)
    }

    @Test func positionIsStoredWithTheRecordsAndARestartContinuesExactly() throws {
        let dir = TempDir()
        let path = dir.path + "/app.log"
        let storePath = dir.path + "/store"
        append("a1\na2\npart", to: path)
        var store = try LogStore.open(at: storePath)
        try tailer(store, [path]).catchUp { _ in }
        #expect(try messages(in: store) == ["a1", "a2"])
        let stored = try #require(try store.checkpoint(named: "tail:" + path))
        let position = try TailPosition.decode(stored).get()
        #expect(position.offset == 6)
        #expect(position.identity == FileStatus.of(path: path)?.identity)
        try store.close()

        // Stopped: the line is completed, the file rotated by rename, a new one started.
        append("ial\na3\n", to: path)
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        append("b1\n", to: path)
        store = try LogStore.open(at: storePath)
        var events: [TailEvent] = []
        try tailer(store, [path]).catchUp { events.append($0) }
        #expect(try messages(in: store) == ["a1", "a2", "partial", "a3", "b1"])
        #expect(events.contains { if case .resumingRotated = $0 { true } else { false } })
        try store.close()

        // Nothing new: a third run stores nothing twice; then copytruncate and a deleted-and-recreated file.
        store = try LogStore.open(at: storePath)
        let third = tailer(store, [path])
        try third.catchUp { _ in }
        #expect(third.totals.stored == 0)
        rewrite(path, with: "c1\n")
        try third.catchUp { _ in }
        try FileManager.default.removeItem(atPath: path)
        try third.catchUp { _ in }
        append("d1\n", to: path)
        try third.catchUp { _ in }
        #expect(try messages(in: store) == ["a1", "a2", "partial", "a3", "b1", "c1", "d1"])
        try store.close()
    }

    @Test func newFilesMatchingAPatternArePickedUp() throws {
        let dir = TempDir()
        let storePath = dir.path + "/store"
        append("x1\n", to: dir.path + "/x.log")
        let store = try LogStore.open(at: storePath)
        let t = tailer(store, [dir.path + "/*.log"])
        try t.catchUp { _ in }
        append("y1\n", to: dir.path + "/y.log")
        append("z1\n", to: dir.path + "/z.txt")
        try t.catchUp { _ in }
        #expect(try messages(in: store).sorted() == ["x1", "y1"])
        let names = try store.checkpoints().keys.sorted()
        #expect(names == ["tail:" + dir.path + "/x.log", "tail:" + dir.path + "/y.log"])
        try store.close()
    }

    @Test func aFileNamedTwiceIsFollowedOnce() throws {
        let dir = TempDir()
        let path = dir.path + "/app.log"
        append("once\n", to: path)
        let store = try LogStore.open(at: dir.path + "/store")
        try tailer(store, [path, dir.path + "/./app.log", dir.path + "//app.log", dir.path + "/*.log"])
            .catchUp { _ in }
        #expect(try messages(in: store) == ["once"])
        try store.close()
    }

    @Test func badLinesAreReportedWithFileAndLineAndDoNotStopTheTailer() throws {
        let dir = TempDir()
        let path = dir.path + "/app.ndjson"
        let ts = Int(Date().timeIntervalSince1970)
        append("{\"ts\":\(ts),\"message\":\"ok1\"}\nnot json\n{\"ts\":\(ts),\"message\":\"ok2\"}\n", to: path)
        let store = try LogStore.open(at: dir.path + "/store")
        var reported: [String] = []
        let t = FileTailer(store: store, patterns: [path], format: .ndjson)
        try t.catchUp { if case .badLine = $0 { reported.append($0.description) } }
        #expect(try messages(in: store) == ["ok1", "ok2"])
        #expect(reported.count == 1)
        #expect(reported.first?.hasPrefix(path + ":2:") == true, "\(reported)")
        #expect(t.totals.badLines == 1)
        try store.close()
    }
}

@Suite struct FileTailerRunTests {
    /// `run` with inotify: a directory that does not exist at the start is found once it appears, and
    /// its matching file is followed; the run ends when asked.
    @Test func runFindsFilesInADirectoryCreatedLater() throws {
        let dir = TempDir()
        let logs = dir.path + "/later"
        let store = try LogStore.open(at: dir.path + "/store")
        var options = TailOptions()
        options.checkInterval = 0.2
        options.holdTimeout = 0.1
        let tailer = FileTailer(store: store, patterns: [logs + "/*.log"], format: .text, options: options)
        let deadline = Date().addingTimeInterval(120)
        var created = false
        try tailer.run(shouldStop: {
            if !created {
                created = true
                try? FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
                append("late one\n", to: logs + "/a.log")
            }
            return tailer.totals.stored == 1 || Date() > deadline
        }, report: { _ in })
        #expect(tailer.totals.stored == 1)
        try store.close()
    }
}
