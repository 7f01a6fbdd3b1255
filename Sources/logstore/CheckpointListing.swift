import LogStore
import LogStoreTail

/// The checkpoints a store holds (docs/FORMAT.md 9), for `logstore inspect STORE`: producers'
/// positions, the file tailer's decoded (9.3: file identity, byte offset, line).
struct CheckpointListing {
    struct Entry {
        var name: String
        var bytes: Int
        var position: TailPosition?
        var problem: String?
    }

    let entries: [Entry]

    /// Reads them with a read-only open (no lock, nothing written). Throws what the open throws,
    /// or a damaged `CHECKPOINTS`.
    init(store directory: String) throws(LogStoreError) {
        var options = StoreOptions()
        options.readOnly = true
        let store = try LogStore.open(at: directory, options: options)
        defer { try? store.close() }
        entries = try store.checkpoints().sorted { $0.key < $1.key }.map { name, value in
            guard name.hasPrefix("tail:") else { return Entry(name: name, bytes: value.count) }
            switch TailPosition.decode(value) {
            case .success(let p): return Entry(name: name, bytes: value.count, position: p)
            case .failure(let e): return Entry(name: name, bytes: value.count, problem: e.reason)
            }
        }
    }

    func text() -> String {
        guard !entries.isEmpty else { return "" }
        let rows = entries.map { e -> [String] in
            if let p = e.position {
                return [e.name, "\(p.identity)", String(p.offset), String(p.lineNumber)]
            }
            return [e.name, e.problem.map { "undecodable: " + $0 } ?? "\(e.bytes) bytes", "", ""]
        }
        return "checkpoints: \(entries.count)\n" + Format.table(["CHECKPOINT", "FILE", "OFFSET", "NEXT LINE"], rows, rightAligned: [2, 3])
    }

    func json() -> String {
        "[" + entries.map { e in
            var s = "{\"name\":\(jsonString(e.name)),\"bytes\":\(e.bytes)"
            if let p = e.position {
                s += ",\"tail\":{\"device\":\(p.identity.device),\"inode\":\(p.identity.inode),\"offset\":\(p.offset),\"line\":\(p.lineNumber)}"
            }
            if let problem = e.problem { s += ",\"error\":\(jsonString(problem))" }
            return s + "}"
        }.joined(separator: ",") + "]"
    }
}
