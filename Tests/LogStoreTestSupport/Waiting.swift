import Foundation
import Glibc

// How tests wait. A test never sleeps to let something happen: it waits for the event itself with
// `waitUntil` (a real condition, polled, bounded by a timeout that only a failure reaches). The few
// places where time passing IS the behaviour under test say so by calling `pace` (a writer or a disk
// that must be slow), `staysTrue` (nothing may happen within a window) or `waitForTheFileClock`
// (a later file modification time). These are the only sleeps in the test targets.

/// How often `waitUntil` and `staysTrue` check their condition.
public let pollInterval: Duration = .milliseconds(5)

/// Waits until `condition` holds, checking it every few milliseconds; returns false if it still does
/// not hold after `timeout`. The timeout is generous (a loaded 2-core machine runs several builds and
/// tests at once): a passing test returns as soon as the condition holds, only a failing one waits it out.
/// `every`: how often to check (longer for a costly condition, such as opening a store).
@discardableResult
public func waitUntil(timeout: Duration = .seconds(60), every interval: Duration = pollInterval,
                      _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        sleepBlocking(interval)
    }
    return try condition()
}

/// Waits until `condition` holds, checking it every few milliseconds without blocking a thread of the
/// cooperative pool; returns false if it still does not hold after `timeout`.
@discardableResult
public func waitUntil(timeout: Duration = .seconds(60), every interval: Duration = pollInterval,
                      _ condition: () throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try condition()
}

/// Checks that `condition` holds throughout `window`, from now: the negative check "nothing happens
/// within X" (a batch that must wait for its age, a caller that must stay blocked, a record that must
/// not arrive twice). Not synchronization: the window is how long the test gives a wrong implementation
/// to show itself, and a longer one (a loaded machine) only makes the check stricter. Returns false as
/// soon as the condition fails. `every`: how often to check.
public func staysTrue(for window: Duration, every interval: Duration = pollInterval,
                      _ condition: () throws -> Bool) rethrows -> Bool {
    let end = ContinuousClock.now + window
    while ContinuousClock.now < end {
        if try !condition() { return false }
        sleepBlocking(interval)
    }
    return try condition()
}

/// `staysTrue(for:_:)` without blocking a thread of the cooperative pool.
public func staysTrue(for window: Duration, every interval: Duration = pollInterval,
                      _ condition: () throws -> Bool) async rethrows -> Bool {
    let end = ContinuousClock.now + window
    while ContinuousClock.now < end {
        if try !condition() { return false }
        try? await Task.sleep(for: interval)
    }
    return try condition()
}

/// Lets `duration` pass on purpose: the behaviour under test needs time to pass (a writer that writes
/// slowly, a consumer that lags, a disk whose sync is slow, writes spread over a follower's cycle).
/// Never a wait for something to happen: use `waitUntil` for that.
public func pace(_ duration: Duration) {
    sleepBlocking(duration)
}

/// `pace(_:)` without blocking a thread of the cooperative pool.
public func pace(_ duration: Duration) async {
    try? await Task.sleep(for: duration)
}

/// Waits until a file written from now on gets a later modification time than the file at `path` has
/// now. The kernel stamps files from its coarse clock (one tick, 1–10 ms), so two writes in quick
/// succession may get the same time; tailers order rotated files by it. Waits on the clock itself
/// (`CLOCK_REALTIME_COARSE`, the one file times come from), at most 10 s; false if it never passed.
@discardableResult
public func waitForTheFileClock(toPass path: String) -> Bool {
    var st = stat()
    guard stat(path, &st) == 0 else { return false }
    let modified = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
    return waitUntil(timeout: .seconds(10)) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec) > modified
    }
}

/// Blocks the calling thread for `duration` (the one blocking sleep behind the helpers above).
private func sleepBlocking(_ duration: Duration) {
    let (seconds, attoseconds) = duration.components
    var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
    var remaining = timespec()
    while nanosleep(&request, &remaining) == -1 && errno == EINTR { request = remaining }
}
