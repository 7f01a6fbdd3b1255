import Foundation
import Testing
@testable import LogStoreTail

@Suite struct ChangeWatcherTests {
    @Test func inotifyWakesOnAWriteAndReportsNewNames() throws {
        let dir = TempDir()
        let path = dir.path + "/app.log"
        append("a\n", to: path)
        let watcher = ChangeWatcher(polling: false)
        try #require(!watcher.isPolling, "inotify_init1 failed on this machine")
        watcher.watchDirectory(dir.path)
        watcher.watchFile(path)
        #expect(!watcher.wait(timeout: 0).any, "nothing changed yet")
        append("b\n", to: path)
        let write = watcher.wait(timeout: 30)
        #expect(write.any)
        #expect(!write.names)
        append("c\n", to: dir.path + "/other.log")
        #expect(watcher.wait(timeout: 30).names)
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        #expect(watcher.wait(timeout: 30).names)
    }

    @Test func pollingWaitsOutTheIntervalAndAssumesChange() {
        let watcher = ChangeWatcher(polling: true)
        #expect(watcher.isPolling)
        let changes = watcher.wait(timeout: 0.01)
        #expect(changes.any && changes.names)
    }
}

@Suite struct PathPatternTests {
    @Test func globsExpandToRegularFilesSortedAndPlainPathsStay() throws {
        let dir = TempDir()
        for name in ["b.log", "a.log", "c.txt"] { append("x\n", to: dir.path + "/" + name) }
        try FileManager.default.createDirectory(atPath: dir.path + "/d.log", withIntermediateDirectories: true)
        let patterns = PathPatterns([dir.path + "/*.log", dir.path + "/missing.log", dir.path + "/a.log"])
        #expect(patterns.expand() == [dir.path + "/a.log", dir.path + "/b.log", dir.path + "/missing.log"])
        #expect(patterns.directories() == [dir.path])
        append("y\n", to: dir.path + "/e.log")
        #expect(patterns.expand().contains(dir.path + "/e.log"), "a new match is found by expanding again")
    }

    @Test func rotatedCandidatesAreSiblingsStartingWithTheName() throws {
        let dir = TempDir()
        for name in ["app.log", "app.log.1", "app.log-20261123", "other.log", "ap.log"] {
            append("x\n", to: dir.path + "/" + name)
        }
        let patterns = PathPatterns([dir.path + "/app.log"])
        #expect(patterns.rotatedCandidates(of: dir.path + "/app.log").siblings
                == [dir.path + "/app.log-20261123", dir.path + "/app.log.1"])
    }

    @Test func directoryAndBaseName() {
        #expect(PathPatterns.directory(of: "/var/log/a.log") == "/var/log")
        #expect(PathPatterns.directory(of: "/a.log") == "/")
        #expect(PathPatterns.directory(of: "a.log") == ".")
        #expect(PathPatterns.baseName(of: "/var/log/a.log") == "a.log")
    }
}
