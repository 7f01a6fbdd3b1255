import Dispatch
import LogStore
import Logging
import Glibc
import LogStoreFormat

/// What a call site would pass to swift-log for a dataset record.
enum CallSiteMetadata {
    /// The record's correlation ID under `correlation_id` and its attributes, typed as a call site would
    /// write them (`"\(x)"` strings, integers, doubles and booleans as `stringConvertible`).
    static func of(_ r: LogRecord) -> Logger.Metadata {
        var m: Logger.Metadata = [:]
        m.reserveCapacity(r.attributes.count + 1)
        if let id = r.correlationID { m["correlation_id"] = .string(id) }
        for a in r.attributes {
            switch a.value {
            case .string(let s): m[a.key] = .string(s)
            case .int(let v): m[a.key] = .stringConvertible(Int(v))
            case .double(let v): m[a.key] = .stringConvertible(v)
            case .bool(let v): m[a.key] = .stringConvertible(v)
            }
        }
        return m
    }

    static func level(_ level: LogLevel) -> Logger.Level {
        switch level {
        case .trace: .trace
        case .debug: .debug
        case .info: .info
        case .notice: .notice
        case .warning: .warning
        case .error: .error
        case .critical: .critical
        }
    }
}

/// Runs `body` on the cooperative pool and blocks the calling thread until it finishes.
func blockingAwait(_ body: @escaping @Sendable () async -> Void) {
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        await body()
        done.signal()
    }
    done.wait()
}

/// CPU time of the calling thread in nanoseconds.
func threadCPUNanos() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

/// CLOCK_MONOTONIC in nanoseconds (a vDSO call, about 20 ns).
@inline(__always)
func monotonicNanos() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}
