import Foundation

/// Sends pre-encoded batches with N concurrent clients, each on its own keep-alive connection, and
/// measures wall time and per-request latency (request sent to answer read: for LogStore, to durable).
enum Load {
    struct Result {
        var seconds: Double
        var latenciesMs: [Double]
        var failures: Int
        var firstFailure: String?

        func percentile(_ p: Double) -> Double {
            guard !latenciesMs.isEmpty else { return .nan }
            let sorted = latenciesMs.sorted()
            return sorted[min(sorted.count - 1, Int((p * Double(sorted.count - 1)).rounded()))]
        }
    }

    /// What the client threads share, under `lock`.
    private final class Shared: @unchecked Sendable {
        let lock = NSLock()
        var next = 0
        var latencies: [Double] = []
        var failures = 0
        var firstFailure: String?
    }

    static func run(port: Int, path: String, contentType: String, batches: [[UInt8]], clients: Int,
                    okStatus: Set<Int> = [200, 204]) -> Result {
        let shared = Shared()
        let lock = shared.lock
        let started = DispatchTime.now()
        // One thread per client: DispatchQueue.concurrentPerform would run at most one iteration per
        // core at a time (2 here), so "16 clients" would really be 2.
        let finished = DispatchGroup()
        let client: @Sendable () -> Void = {
            var mine: [Double] = []
            var myFailures = 0
            var myFirst: String?
            var connection: HTTPConnection?
            while true {
                lock.lock()
                let index = shared.next
                shared.next += 1
                lock.unlock()
                guard index < batches.count else { break }
                let t0 = DispatchTime.now()
                do {
                    if connection == nil { connection = try HTTPConnection(port: port) }
                    let answer = try connection!.post(path, contentType: contentType, body: batches[index])
                    if !okStatus.contains(answer.status) {
                        myFailures += 1
                        if myFirst == nil { myFirst = "status \(answer.status): \(String(decoding: answer.body.prefix(200), as: UTF8.self))" }
                    }
                } catch {
                    connection = nil
                    myFailures += 1
                    if myFirst == nil { myFirst = "\(error)" }
                }
                mine.append(Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e6)
            }
            lock.lock()
            shared.latencies += mine
            shared.failures += myFailures
            if shared.firstFailure == nil { shared.firstFailure = myFirst }
            lock.unlock()
        }
        for _ in 0..<clients {
            finished.enter()
            Thread { client(); finished.leave() }.start()
        }
        finished.wait()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        return Result(seconds: seconds, latenciesMs: shared.latencies, failures: shared.failures, firstFailure: shared.firstFailure)
    }
}
