import ArgumentParser
import LogStore
import Glibc

/// `--store DIR`, shared by every subcommand.
struct StoreLocation: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Store directory (default: $LOGSTORE_DIR, else ./logstore-data).", valueName: "DIR"))
    var store: String?

    /// The directory to use.
    var path: String {
        if let store { return store }
        if let env = getenv("LOGSTORE_DIR"), let s = String(validatingCString: env), !s.isEmpty { return s }
        return "logstore-data"
    }

    /// Opens the store read-only for queries; a missing store is one clear sentence.
    func openForReading() throws -> LogStore {
        var options = StoreOptions()
        options.readOnly = true
        guard isDirectory(path) else {
            throw CLIFailure.data("logstore: no store at \(path); ingest something first or pass --store DIR")
        }
        return try LogStore.open(at: path, options: options)
    }
}

/// Whether `path` names an existing directory.
func isDirectory(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
}
