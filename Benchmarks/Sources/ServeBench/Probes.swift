import Foundation
import Glibc

/// The two latency goals of issue 12 that are not about ingest rate: a correlation lookup over HTTP on
/// a store of 1M records (p99 ≤ 2 ms), and commit → SSE event on a live tail (p99 ≤ 50 ms).
enum Probes {
    struct Summary {
        var samples: [Double]   // milliseconds
        var note: String

        func percentile(_ p: Double) -> Double {
            guard !samples.isEmpty else { return .nan }
            let sorted = samples.sorted()
            return sorted[min(sorted.count - 1, Int((p * Double(sorted.count - 1)).rounded()))]
        }

        var line: String {
            String(format: "n %d, p50 %.2f ms, p99 %.2f ms, max %.2f ms", samples.count, percentile(0.5), percentile(0.99), samples.max() ?? .nan)
        }
    }

    static func milliseconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 }

    /// `GET /api/v1/trace/{id}` for `lookups` random correlation IDs of the store (each ID holds 8
    /// records), one keep-alive client, after `warmup` lookups that are not counted. Every answer must be
    /// 200 and name its ID, else the probe fails.
    ///
    /// With `withFloor`, each lookup is followed by a `GET /healthz` on the same connection, whose times
    /// (`floor`) are the HTTP round trip with no store work under the same conditions.
    static func correlation(port: Int, ids: [String], lookups: Int, warmup: Int,
                            withFloor: Bool = false) throws -> (lookups: Summary, floor: Summary?) {
        var floor: [Double] = []
        let connection = try HTTPConnection(port: port)
        var rng = SplitMix(state: 7)
        var samples: [Double] = []
        samples.reserveCapacity(lookups)
        var bytes = 0
        for i in 0..<(warmup + lookups) {
            if withFloor {
                let t0 = DispatchTime.now().uptimeNanoseconds
                let answer = try connection.get("/healthz")
                let ms = milliseconds(since: t0)
                guard answer.status == 200 else { throw HTTPConnection.Failure(description: "/healthz: status \(answer.status)") }
                if i >= warmup { floor.append(ms) }
            }
            let id = ids[rng.below(ids.count)]
            let t0 = DispatchTime.now().uptimeNanoseconds
            let answer = try connection.get("/api/v1/trace/\(id)")
            let ms = milliseconds(since: t0)
            guard answer.status == 200, String(decoding: answer.body, as: UTF8.self).contains(id) else {
                throw HTTPConnection.Failure(description: "trace \(id): status \(answer.status), \(String(decoding: answer.body.prefix(200), as: UTF8.self))")
            }
            if i >= warmup { samples.append(ms); bytes += answer.body.count }
        }
        return (Summary(samples: samples, note: "\(bytes / max(1, lookups)) bytes per answer"),
                withFloor ? Summary(samples: floor, note: "") : nil)
    }

    /// What the tail reader and the sender share.
    private final class Shared: @unchecked Sendable {
        let lock = NSLock()
        var sentAt: [Int: UInt64] = [:]        // batch number → send time
        var ackedAt: [Int: UInt64] = [:]       // batch number → 2xx answer time
        var sendToEvent: [Double] = []
        var ackToEvent: [Double] = []
        var events = 0
        var readerError: String?
        let ready = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
    }

    /// One SSE client on `/api/v1/tail` and one sender posting `perBatch` NDJSON records every
    /// `intervalMs` (20,000 records/s at 100 per 5 ms) for `seconds`. For each record: send time →
    /// event read (an upper bound of commit → event: it includes the group commit), and 2xx answer →
    /// event (negative when the event came first).
    static func tail(port: Int, perBatch: Int, intervalMs: Double, seconds: Double, now: Int64) throws -> (sendToEvent: Summary, ackToEvent: Summary, ack: Summary) {
        let shared = Shared()
        let batches = Int(seconds * 1000 / intervalMs)
        let expected = batches * perBatch
        let reader = Thread {
            do {
                let stream = try HTTPConnection(port: port)
                let status = try stream.openStream("/api/v1/tail")
                guard status == 200 else { throw HTTPConnection.Failure(description: "tail: status \(status)") }
                shared.ready.signal()
                var seen = 0
                while seen < expected {
                    let line = try stream.nextStreamLine()
                    guard line.hasPrefix("data:"), let range = line.range(of: "probe ") else { continue }
                    let t = DispatchTime.now().uptimeNanoseconds
                    let number = Int(line[range.upperBound...].prefix { $0.isNumber }) ?? -1
                    shared.lock.lock()
                    if number >= 0, let sent = shared.sentAt[number] {
                        shared.sendToEvent.append(Double(t - sent) / 1e6)
                        if let acked = shared.ackedAt[number] {
                            shared.ackToEvent.append(Double(t) / 1e6 - Double(acked) / 1e6)
                        } else {
                            shared.ackToEvent.append(-0.0)   // event before the answer: counted as 0
                        }
                    }
                    shared.events += 1
                    shared.lock.unlock()
                    seen += 1
                }
            } catch {
                shared.lock.lock()
                shared.readerError = "\(error)"
                shared.lock.unlock()
                shared.ready.signal()
            }
            shared.done.signal()
        }
        reader.start()
        shared.ready.wait()
        let sender = try HTTPConnection(port: port)
        var ack: [Double] = []
        func body(_ batch: Int) -> [UInt8] {
            var out: [UInt8] = []
            for i in 0..<perBatch {
                let ts = now + Int64(batch * perBatch + i) * 1000
                out += Array("{\"timestamp\":\(ts),\"level\":\"info\",\"source\":\"probe\",\"message\":\"probe \(batch) record \(i)\"}\n".utf8)
            }
            return out
        }
        // Batch -1 (not timed) makes sure the subscription is live before the clock starts.
        let warm = try sender.post("/insert/jsonline", contentType: "application/x-ndjson", body: Array("{\"timestamp\":\(now),\"message\":\"warm\"}\n".utf8))
        guard warm.status == 200 else { throw HTTPConnection.Failure(description: "tail warm-up post: status \(warm.status)") }
        let start = DispatchTime.now().uptimeNanoseconds
        for batch in 0..<batches {
            let due = start + UInt64(Double(batch) * intervalMs * 1e6)
            let now = DispatchTime.now().uptimeNanoseconds
            if due > now { usleep(useconds_t((due - now) / 1000)) }   // pacing the sender's rate
            let payload = body(batch)
            let t0 = DispatchTime.now().uptimeNanoseconds
            shared.lock.lock(); shared.sentAt[batch] = t0; shared.lock.unlock()
            let answer = try sender.post("/insert/jsonline", contentType: "application/x-ndjson", body: payload)
            let t1 = DispatchTime.now().uptimeNanoseconds
            guard answer.status == 200 else { throw HTTPConnection.Failure(description: "tail post: status \(answer.status)") }
            shared.lock.lock(); shared.ackedAt[batch] = t1; shared.lock.unlock()
            ack.append(Double(t1 - t0) / 1e6)
        }
        // The reader stops after every record; a lost event shows as a timeout here.
        if shared.done.wait(timeout: .now() + 30) == .timedOut {
            shared.lock.lock(); let events = shared.events; shared.lock.unlock()
            throw HTTPConnection.Failure(description: "tail: \(events) of \(expected) events arrived within 30 s")
        }
        shared.lock.lock()
        defer { shared.lock.unlock() }
        if let error = shared.readerError { throw HTTPConnection.Failure(description: "tail reader: \(error)") }
        return (Summary(samples: shared.sendToEvent, note: "\(shared.sendToEvent.count) of \(expected) records"),
                Summary(samples: shared.ackToEvent.map { max(0, $0) }, note: "events before the answer counted as 0"),
                Summary(samples: ack, note: "\(batches) posts of \(perBatch)"))
    }
}
