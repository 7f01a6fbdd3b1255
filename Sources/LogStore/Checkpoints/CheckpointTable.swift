/// The checkpoints a writer remembers (docs/FORMAT.md, section 9): the values as of the last flush,
/// and the newer versions appended since, each with the WAL file it went to and the log sequence
/// number (LSN) that ends its append, so that a failed WAL write can take back what it lost and a
/// flush can save what its WAL files held.
///
/// Not thread-safe: kept in ``StoreState``.
struct CheckpointTable {
    struct Version {
        var lsn: Int64
        var walNumber: UInt64
        var value: [UInt8]
    }

    /// Latest values of WAL files already deleted by a flush (the `CHECKPOINTS` file's content).
    private(set) var flushed: [String: [UInt8]] = [:]
    /// Newer versions per name, oldest first; never empty lists.
    private var versions: [String: [Version]] = [:]

    init(flushed: [String: [UInt8]] = [:]) {
        self.flushed = flushed
    }

    /// The latest value of `name`, nil when it has none (or was removed).
    func value(named name: String) -> [UInt8]? {
        let v = versions[name]?.last?.value ?? flushed[name]
        return v?.isEmpty == false ? v : nil
    }

    /// Every name with its latest value.
    var all: [String: [UInt8]] {
        var out = flushed
        for (name, list) in versions { if let last = list.last { out[name] = last.value } }
        return out.filter { !$0.value.isEmpty }
    }

    /// Records the checkpoints of an append that ends at `lsn` in WAL file `walNumber`. A name keeps,
    /// per WAL file, only its newest version known durable (LSN at most `durableLSN`: no failure can
    /// take it back) and the versions after it, so the lists stay short.
    mutating func record(_ checkpoints: [Checkpoint], lsn: Int64, walNumber: UInt64, durableLSN: Int64) {
        for c in checkpoints {
            var list = versions[c.name] ?? []
            if let lastDurable = list.lastIndex(where: { $0.lsn <= durableLSN }) {
                let file = list[lastDurable].walNumber
                var i = 0
                list.removeAll { v in
                    defer { i += 1 }
                    return i < lastDurable && v.walNumber == file
                }
            }
            list.append(Version(lsn: lsn, walNumber: walNumber, value: c.value))
            versions[c.name] = list
        }
    }

    /// Forgets the versions of appends a failed WAL write or sync lost (docs/FORMAT.md, section 9):
    /// each name returns to its value before them.
    mutating func forget(lsns lost: ClosedRange<Int64>) {
        for name in Array(versions.keys) {
            guard var list = versions[name] else { continue }
            list.removeAll { lost.contains($0.lsn) }
            versions[name] = list.isEmpty ? nil : list
        }
    }

    /// Folds the versions that went to WAL files numbered up to `walNumber` into ``flushed`` and
    /// returns the new ``flushed``: what `CHECKPOINTS` must hold before a flush deletes those files.
    mutating func fold(throughWAL walNumber: UInt64) -> [String: [UInt8]] {
        for name in Array(versions.keys) {
            guard var list = versions[name] else { continue }
            guard let last = list.lastIndex(where: { $0.walNumber <= walNumber }) else { continue }
            let value = list[last].value
            if value.isEmpty { flushed[name] = nil } else { flushed[name] = value }
            list.removeFirst(last + 1)
            versions[name] = list.isEmpty ? nil : list
        }
        return flushed
    }

    /// Whether anything was ever recorded or loaded (a flush then keeps `CHECKPOINTS` up to date).
    var isEmpty: Bool { flushed.isEmpty && versions.isEmpty }
}
