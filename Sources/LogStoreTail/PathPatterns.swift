import Glibc

/// The paths and glob patterns given to follow, expanded to the files they name.
///
/// A path without `*`, `?` or `[` is followed even while no file exists there (it is opened when one
/// appears). A pattern names the files matching it now; it is expanded again whenever a watched
/// directory's entries change (and at every wake when polling), so new files are picked up.
struct PathPatterns {
    let patterns: [String]

    init(_ patterns: [String]) { self.patterns = patterns }

    static func isPattern(_ s: String) -> Bool { s.contains(where: { $0 == "*" || $0 == "?" || $0 == "[" }) }

    /// Every path named now, in the order given (each pattern's matches sorted), without repeats.
    func expand() -> [String] {
        var out: [String] = []
        var seen = Set<String>()
        for p in patterns {
            for path in Self.isPattern(p) ? Self.glob(p) : [p] where seen.insert(path).inserted {
                out.append(path)
            }
        }
        return out
    }

    /// Whether an absolute path is one of the plain paths or matches one of the patterns.
    func matches(absolute path: String) -> Bool {
        patterns.contains { p in
            let full = Self.absolute(p)
            return Self.isPattern(p) ? fnmatch(full, path, FNM_PATHNAME) == 0 : full == path
        }
    }

    /// Directories to watch: each plain path's directory, and each pattern's directory when it holds no
    /// pattern characters itself.
    func directories() -> [String] {
        var out: [String] = []
        for p in patterns {
            let dir = Self.directory(of: p)
            if !Self.isPattern(dir), !out.contains(dir) { out.append(dir) }
        }
        return out
    }

    /// Regular files matching `pattern`, sorted.
    static func glob(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        guard Glibc.glob(pattern, 0, nil, &g) == 0 else { return [] }
        var out: [String] = []
        for i in 0..<Int(g.gl_pathc) {
            guard let p = g.gl_pathv[i] else { continue }
            let path = String(cString: p)
            if FileStatus.of(path: path)?.isRegular == true { out.append(path) }
        }
        return out.sorted()
    }

    /// The directory part of a path ("." for a bare name).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The last component of a path.
    static func baseName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// `path` made absolute against the working directory, with empty and `.` components removed (no
    /// symbolic links resolved, `..` kept), so that `a.log`, `./a.log` and `$PWD//a.log` are one path.
    static func absolute(_ path: String) -> String {
        var full = path
        if !path.hasPrefix("/") {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            guard getcwd(&buffer, buffer.count) != nil else { return path }
            full = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self) + "/" + path
        }
        let parts = full.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        return "/" + parts.joined(separator: "/")
    }

    /// Names under which a file rotated away from `path` may now be found: entries of the same
    /// directory whose name starts with the path's file name (`app.log.1`, `app.log-20261123`), then
    /// the current matches of every pattern, then every other entry of the followed directories.
    func rotatedCandidates(of path: String) -> RotatedCandidates {
        let dir = Self.directory(of: path)
        let base = Self.baseName(of: path)
        let prefix = dir == "." && !path.hasPrefix("./") ? "" : (dir == "/" ? "/" : dir + "/")
        let out = Self.entries(of: dir).filter {
            let name = Self.baseName(of: $0)
            return name != base && name.hasPrefix(base)
        }.map { prefix + Self.baseName(of: $0) }
        var others = expand().filter { $0 != path && !out.contains($0) }
        for d in Set(directories() + [dir]).sorted() {
            for entry in Self.entries(of: d) where entry != path && !out.contains(entry) && !others.contains(entry) {
                others.append(entry)
            }
        }
        return RotatedCandidates(siblings: out, matches: others)
    }

    /// The paths of the entries of directory `dir` (`.` and `..` excepted), sorted; none if it cannot
    /// be read.
    static func entries(of dir: String) -> [String] {
        var out: [String] = []
        guard let d = opendir(dir) else { return out }
        defer { closedir(d) }
        while let entry = readdir(d) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            out.append(dir == "/" ? "/" + name : dir + "/" + name)
        }
        return out.sorted()
    }
}

/// Where to look, at a restart, for a followed file that was rotated away while the tailer was stopped.
struct RotatedCandidates {
    /// Files in the path's directory whose names start with its file name, sorted. Those modified after
    /// the stored file were rotated after it and are read too, oldest first (compressed ones excepted).
    var siblings: [String]
    /// Other files matching the patterns (searched for the stored file only).
    var matches: [String] = []

    var all: [String] { siblings + matches }

    /// Whether a rotated name is a compressed copy (never read as lines).
    static func isCompressed(_ name: String) -> Bool {
        [".gz", ".bz2", ".xz", ".zst", ".lz4", ".z", ".zip", ".Z"].contains { name.hasSuffix($0) }
    }
}
