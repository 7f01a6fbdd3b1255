import Foundation

/// Finds an executable of this package built next to the tests (`swift build --build-tests` builds every
/// product), wherever the build folder is: beside the test runner, in any loaded bundle's folder or a
/// parent of it, or in the checkout's `.build/debug`. The one way every test target finds `logstore`
/// and the example programs, so a build in another folder (`--scratch-path`, a CI clone) runs them all.
public enum BuiltExecutable {
    /// The path of the executable `name`, or nil when none is built.
    public static func path(_ name: String) -> String? {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        var starts = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(), Bundle.main.bundleURL]
        if let main = Bundle.main.executableURL { starts.append(main.deletingLastPathComponent()) }
        for bundle in Bundle.allBundles { starts.append(bundle.bundleURL) }
        starts.append(root.appendingPathComponent(".build/debug"))
        for start in starts {
            var dir = start.standardizedFileURL
            for _ in 0..<6 {
                for relative in [name, "debug/" + name] {
                    let candidate = dir.appendingPathComponent(relative).path
                    var isDirectory: ObjCBool = false
                    if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
                       FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
                }
                dir.deleteLastPathComponent()
            }
        }
        return nil
    }
}
