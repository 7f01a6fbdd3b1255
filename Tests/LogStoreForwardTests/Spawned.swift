import Foundation
import Glibc

/// A child process started with posix_spawn and reaped with waitpid. Foundation's `Process` is not
/// used for these tests: on Linux its monitoring thread blocks in `wait4` on one long-lived child (the
/// ClickHouse server), so the exit of a short one (curl) is never noticed and `waitUntilExit` hangs.
struct Spawned {
    let pid: pid_t

    /// Starts `executable ARGS` in `directory` with standard output and error appended to `output`
    /// (or /dev/null) and standard input from /dev/null.
    static func start(_ executable: String, _ arguments: [String], output: String? = nil,
                      input: String? = nil) throws -> Spawned {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, input ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard rc == 0 else { throw TestFailure("could not start \(executable): errno \(rc)") }
        return Spawned(pid: pid)
    }

    /// Waits for the process to end; returns its exit status (128 + signal when killed).
    @discardableResult
    func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }

    /// Whether it is still running (reaps it when it has ended).
    var isRunning: Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == 0
    }

    /// SIGKILLs it and reaps it.
    func kill() {
        Glibc.kill(pid, SIGKILL)
        wait()
    }
}
