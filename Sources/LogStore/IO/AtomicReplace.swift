import Glibc

/// Replaces the small file `name` in the store directory `directory` atomically: writes `NAME.tmp`,
/// fsyncs it, renames it over `NAME` and fsyncs the directory (docs/FORMAT.md: `SETTINGS`, `KEYS`,
/// `CHECKPOINTS`). The temporary file is removed when any step fails.
func replaceFileAtomically(_ name: String, in directory: String, with bytes: [UInt8], io: any StorageIO) throws(LogStoreError) {
    let target = joinPath(directory, name)
    let tmp = target + ".tmp"
    do throws(LogStoreError) {
        let file = try File(path: tmp, flags: O_WRONLY | O_CREAT | O_TRUNC, io: io)
        try file.write(bytes)
        try file.sync()
        try io.rename(tmp, target)
        try io.fsyncDirectory(directory)
    } catch {
        try? io.unlink(tmp)
        throw error
    }
}
