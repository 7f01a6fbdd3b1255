import LogStore
import LogStoreForward
import LogStoreTail

/// The checkpoints a store holds (docs/FORMAT.md 9), for `logstore inspect STORE`: producers'
/// positions, the file tailer's decoded (9.3: file identity, byte offset, line), and the positions of
/// forwarders that ran in the writer's process (docs/FORWARDING.md 6: the sink's high-water mark and
/// the lag behind the store's newest record).
struct CheckpointListing {
    struct Entry {
        var name: String
        var bytes: Int
        var position: TailPosition?
        /// A forwarder's checkpoint: the sink's high-water mark.
        var forwardMark: UInt64?
        var problem: String?
    }

    let entries: [Entry]
    /// The store's newest sequence number, for forwarders' lag.
    let latestSequence: UInt64

    /// Reads them with a read-only open (no lock, nothing written). Throws what the open throws,
    /// or a damaged `CHECKPOINTS`.
    init(store directory: String) throws(LogStoreError) {
        var options = StoreOptions()
        options.readOnly = true
        let store = try LogStore.open(at: directory, options: options)
        defer { try? store.close() }
        latestSequence = store.latestSequence
        entries = try store.checkpoints().sorted { $0.key < $1.key }.map { name, value in
            if name.hasPrefix(ForwardPosition.namePrefix) {
                guard let mark = ForwardPosition.mark(from: value) else {
                    return Entry(name: name, bytes: value.count, problem: "a forwarder position is 8 bytes, this one \(value.count)")
                }
                return Entry(name: name, bytes: value.count, forwardMark: mark)
            }
            guard name.hasPrefix("tail:") else { return Entry(name: name, bytes: value.count) }
            switch TailPosition.decode(value) {
            case .success(let p): return Entry(name: name, bytes: value.count, position: p)
            case .failure(let e): return Entry(name: name, bytes: value.count, problem: e.reason)
            }
        }
    }

    /// Records above a forwarder's high-water mark.
    func lag(_ mark: UInt64) -> UInt64 { latestSequence > mark ? latestSequence - mark : 0 }

    func text() -> String {
        let forwarders = entries.filter { $0.forwardMark != nil }
        let others = entries.filter { $0.forwardMark == nil }
        var out = ""
        if !others.isEmpty {
            let rows = others.map { e -> [String] in
                if let p = e.position {
                    return [e.name, "\(p.identity)", String(p.offset), String(p.lineNumber)]
                }
                return [e.name, e.problem.map { "undecodable: " + $0 } ?? "\(e.bytes) bytes", "", ""]
            }
            out += "checkpoints: \(others.count)\n" + Format.table(["CHECKPOINT", "FILE", "OFFSET", "NEXT LINE"], rows, rightAligned: [2, 3])
        }
        if !forwarders.isEmpty {
            let rows = forwarders.map { e -> [String] in
                let mark = e.forwardMark ?? 0
                return [String(e.name.dropFirst(ForwardPosition.namePrefix.count)), String(mark), String(lag(mark))]
            }
            out += "forwarders (position saved by the writer's process; the sink's own mark is the truth): \(forwarders.count)\n"
                + Format.table(["SINK", "HIGH-WATER MARK", "LAG RECORDS"], rows, rightAligned: [1, 2])
        }
        return out
    }

    func json() -> String {
        "[" + entries.map { e in
            var s = "{\"name\":\(jsonString(e.name)),\"bytes\":\(e.bytes)"
            if let p = e.position {
                s += ",\"tail\":{\"device\":\(p.identity.device),\"inode\":\(p.identity.inode),\"offset\":\(p.offset),\"line\":\(p.lineNumber)}"
            }
            if let mark = e.forwardMark {
                s += ",\"forward\":{\"sink\":\(jsonString(String(e.name.dropFirst(ForwardPosition.namePrefix.count)))),\"high_water_mark\":\(mark),\"lag_records\":\(lag(mark))}"
            }
            if let problem = e.problem { s += ",\"error\":\(jsonString(problem))" }
            return s + "}"
        }.joined(separator: ",") + "]"
    }
}
