import LogStore
import LogStoreFormat
import Glibc

/// What `logstore inspect` shows of a store's `MANIFEST` (docs/FORMAT.md, section 11): how many
/// segments it describes, how many of them match their file (name, size, modification time), its
/// size and the bytes of its correlation filters.
struct ManifestListing {
    var present = false
    var problem: String?
    var entries = 0
    var matching = 0
    var bytes = 0
    var filterBytes = 0
    var unlisted = 0

    init(store: String, segmentNames: [String]) {
        let path = store + "/" + ManifestFile.fileName
        guard let fd = Optional(open(path, O_RDONLY)), fd >= 0 else { return }
        defer { close(fd) }
        present = true
        var st = stat()
        guard fstat(fd, &st) == 0 else { problem = String(cString: strerror(errno)); return }
        var data = [UInt8](repeating: 0, count: Int(st.st_size))
        let n = data.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n == data.count else { problem = "short read"; return }
        bytes = data.count
        let decoded: [ManifestFile.Entry]
        do { decoded = try data.withUnsafeBytes { try ManifestFile.decode($0) } } catch {
            problem = "\(error)"
            return
        }
        entries = decoded.count
        filterBytes = decoded.reduce(0) { $0 + $1.filter.byteCount }
        var listed = Set<String>()
        for e in decoded {
            let name = SegmentFormat.fileName(e.header.segmentID)
            listed.insert(name)
            var s = stat()
            guard stat(store + "/segments/" + name, &s) == 0 else { continue }
            let modified = Int64(s.st_mtim.tv_sec) * 1_000_000_000 + Int64(s.st_mtim.tv_nsec)
            if Int64(s.st_size) == e.fileSize && modified == e.modifiedAt { matching += 1 }
        }
        unlisted = segmentNames.filter { !listed.contains($0) }.count
    }

    var isCurrent: Bool { present && problem == nil && matching == entries && unlisted == 0 }

    func text() -> String {
        guard present else { return "manifest: none (opening reads every segment footer until a writer opens the store)\n" }
        if let problem { return "manifest: DAMAGED: \(problem) (ignored: opens read footers; the next writer's open rewrites it)\n" }
        let state = isCurrent ? "current" : "stale: \(entries - matching) entries without their file, \(unlisted) segments not listed (the next writer's open rewrites it)"
        return "manifest: \(entries) segments, \(matching) matching their files, \(Format.bytes(Int64(bytes))) (filters \(Format.bytes(Int64(filterBytes)))), \(state)\n"
    }

    func json() -> String {
        guard present else { return "null" }
        if let problem { return "{\"ok\":false,\"error\":\(jsonString(problem))}" }
        return "{\"ok\":true,\"segments\":\(entries),\"matching\":\(matching),\"unlisted\":\(unlisted),\"bytes\":\(bytes),\"filter_bytes\":\(filterBytes),\"current\":\(isCurrent)}"
    }
}
