import Foundation

/// A temporary directory, created at once and removed with everything in it when the value goes away.
/// The one implementation every test target uses (`import LogStoreTestSupport`).
public final class TempDir: Sendable {
    /// The directory's absolute path.
    public let path: String

    /// Creates `$TMPDIR/NAME-UUID`.
    public init(_ name: String = "logstore") {
        path = NSTemporaryDirectory() + "\(name)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// The path of `name` inside the directory.
    public func file(_ name: String) -> String { path + "/" + name }
}
