import LogStore
import Glibc

/// `verify --salvage OUT`: every readable record of a store into a new store or an NDJSON file.
struct Salvage {
    let source: String
    let destination: String
    let ndjson: Bool

    func run(quiet: Bool) throws -> SalvageReport {
        if !ndjson || destination != "-" {
            guard access(destination, F_OK) != 0 else {
                throw CLIFailure.usage("logstore: --salvage: \(destination) already exists; name a new path so nothing is overwritten")
            }
        }
        var bar = ProgressBar("salvaging", enabled: Terminal.isTTY(2) && !quiet && destination != "-")
        if ndjson {
            // Standard output is borrowed, never closed; a file is owned by `file` (closed once).
            let file = destination == "-" ? nil : try OutputFile(creating: destination, exclusive: true)
            var out = Output(fd: file?.fd ?? 1, fileName: file?.path)
            let report = try LogStore.salvage(at: source, progress: { bar.update($0, of: $1) }) { r throws(LogStoreError) in
                out.write(RecordPrinter.ndjson(r))
            }
            out.flush()
            try file?.finish()
            bar.finish()
            return report
        }
        var options = StoreOptions(durability: .none)
        // Keep the source's retention so the rescued records are not expired by a shorter default.
        if let reader = try? LogStore.open(at: source, options: readOnlyOptions()) {
            options.retention = .seconds(reader.settings.retentionSeconds)
            try? reader.close()
        }
        let store = try LogStore.open(at: destination, options: options)
        var pending: [LogRecord] = []
        var dropped = 0
        func flush() throws(LogStoreError) {
            let receipt = try store.append(pending)
            dropped += pending.count - receipt.accepted
            pending.removeAll(keepingCapacity: true)
        }
        var report = try LogStore.salvage(at: source, progress: { bar.update($0, of: $1) }) { r throws(LogStoreError) in
            pending.append(r)
            if pending.count >= 4096 { try flush() }
        }
        try flush()
        try store.close()
        bar.finish()
        if dropped > 0 {
            report.saved -= dropped
            report.lost += dropped
            writeStderr("logstore: \(dropped) readable records were refused by the new store (older than its retention or too far in the future)\n")
        }
        return report
    }

    private func readOnlyOptions() -> StoreOptions {
        var o = StoreOptions()
        o.readOnly = true
        return o
    }
}

/// The JSON form of `verify`'s report.
enum VerifyJSON {
    static func render(_ report: VerifyReport, salvage: SalvageReport?) -> String {
        func damage(_ d: DamageReport) -> String {
            var s = "{\"file\":\(jsonString(d.file)),\"offset\":\(d.offset),\"length\":\(d.length),"
            if let block = blockNumber(d.reason) { s += "\"block\":\(block)," }
            return s + "\"reason\":\(jsonString(d.reason))}"
        }
        var s = "{\"ok\":\(report.isClean),\"segments\":\(report.segmentsChecked),\"blocks\":\(report.blocksChecked),"
        s += "\"wal_files\":\(report.walFilesChecked),\"records\":\(report.recordsChecked),"
        s += "\"problems\":[\(report.problems.map(damage).joined(separator: ","))],"
        s += "\"notes\":[\(report.notes.map(jsonString).joined(separator: ","))]"
        if let salvage {
            s += ",\"salvage\":{\"saved\":\(salvage.saved),\"lost\":\(salvage.lost),\"unknown_loss\":[\(salvage.unknownLoss.map(damage).joined(separator: ","))]}"
        }
        return s + "}"
    }

    /// N from a reason starting "block N:".
    static func blockNumber(_ reason: String) -> Int? {
        guard reason.hasPrefix("block ") else { return nil }
        return Int(reason.dropFirst(6).prefix { $0.isNumber })
    }
}
