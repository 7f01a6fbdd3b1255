import CFuzzSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a fuzz target's `main`.
///
/// Linked with libFuzzer (`-sanitize=fuzzer`), this hands control to `LLVMFuzzerRunDriver`, so every libFuzzer
/// flag works (`-max_total_time`, `-minimize_crash=1`, replaying `crash-*` files, ...). In a plain build,
/// where libFuzzer is absent, each argument that is a file is replayed once and each directory's files are
/// replayed in name order, which makes the binary a regression runner: it exits 0 when nothing trapped.
public func fuzzMain(_ callback: fuzz_callback_t) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    let rc = fuzz_run_driver(&argc, &argv, callback)
    if rc != -1 { exit(rc) }

    var replayed = 0
    for arg in CommandLine.arguments.dropFirst() where !arg.hasPrefix("-") {
        for path in inputFiles(arg) {
            guard let bytes = readWholeFile(path) else {
                print("cannot read \(path)")
                exit(2)
            }
            _ = bytes.withUnsafeBufferPointer { callback($0.baseAddress, $0.count) }
            replayed += 1
        }
    }
    print("replayed \(replayed) input(s) without a crash (plain build: libFuzzer not linked)")
    exit(0)
}

/// `path` itself when it is a file; its regular files in name order when it is a directory.
func inputFiles(_ path: String) -> [String] {
    var st = stat()
    guard stat(path, &st) == 0 else { return [path] }
    guard (st.st_mode & S_IFMT) == S_IFDIR else { return [path] }
    guard let dir = opendir(path) else { return [] }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        if name.hasPrefix(".") { continue }
        let full = path.hasSuffix("/") ? path + name : path + "/" + name
        var fst = stat()
        if stat(full, &fst) == 0 && (fst.st_mode & S_IFMT) == S_IFREG { names.append(full) }
    }
    return names.sorted()
}

func readWholeFile(_ path: String) -> [UInt8]? {
    guard let f = fopen(path, "rb") else { return nil }
    defer { fclose(f) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 << 10)
    while true {
        let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
        if n > 0 { out.append(contentsOf: chunk[0..<n]) }
        if n < chunk.count { break }
    }
    return ferror(f) == 0 ? out : nil
}

/// The fuzz input as a buffer (libFuzzer may pass a nil pointer for the empty input).
@inline(__always)
public func inputBuffer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> UnsafeRawBufferPointer {
    guard let data, size > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
    return UnsafeRawBufferPointer(start: data, count: size)
}
