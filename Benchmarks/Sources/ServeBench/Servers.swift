import Foundation
import Glibc

/// A server process the benchmark starts and stops.
final class ServerUnderTest {
    let process = Process()
    let port: Int
    let directory: String

    /// `logstore serve` on a free loopback port with a fresh store.
    /// - Parameter accessLog: keep the server's access log (one line per request, with the time the
    ///   server spent on it) in `directory + ".err"`, for ``serverMilliseconds(pathPrefix:)``.
    init(logstore binary: String, directory: String, durability: String, accessLog: Bool = false) throws {
        self.directory = directory
        let errPath = directory + ".err"
        FileManager.default.createFile(atPath: errPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--listen", "127.0.0.1:0", "--store", directory, "--durability", durability]
            + (accessLog ? [] : ["--no-access-log"])
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        var found: Int?
        while found == nil && Date() < deadline && process.isRunning {
            let text = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
            found = text.split(separator: "\n").first { $0.hasPrefix("logstore serve: listening on port ") }
                .flatMap { Int($0.split(separator: " ").last ?? "") }
            if found == nil { usleep(20_000) }   // polling the readiness line, bounded by the deadline
        }
        guard let found else { throw HTTPConnection.Failure(description: "logstore serve did not start") }
        port = found
    }

    /// Debian's clickhouse-server (`apt-get install -y clickhouse-server`).
    static let clickhouseBinary = "/usr/sbin/clickhouse-server"

    /// ClickHouse from a private config on loopback (TOOLCHAIN.md §10), its own data folder.
    init(clickhouseIn directory: String, httpPort: Int, tcpPort: Int) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let config = """
        <yandex>
          <logger><level>warning</level><log>\(directory)/log.txt</log><errorlog>\(directory)/err.txt</errorlog></logger>
          <http_port>\(httpPort)</http_port><tcp_port>\(tcpPort)</tcp_port><listen_host>127.0.0.1</listen_host>
          <path>\(directory)/data/</path><tmp_path>\(directory)/tmp/</tmp_path>
          <users_config>/etc/clickhouse-server/users.xml</users_config>
          <default_profile>default</default_profile><default_database>default</default_database>
          <mark_cache_size>5368709</mark_cache_size>
        </yandex>
        """
        try config.write(toFile: directory + "/config.xml", atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: Self.clickhouseBinary)
        process.arguments = ["--config-file=\(directory)/config.xml"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        port = httpPort
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let connection = try? HTTPConnection(port: httpPort),
               let answer = try? connection.post("/?query=SELECT%201", contentType: "text/plain", body: []), answer.status == 200 { return }
            usleep(50_000)   // polling readiness, bounded by the deadline
        }
        throw HTTPConnection.Failure(description: "clickhouse-server did not answer on port \(httpPort)")
    }

    /// The server's own time for each request whose path starts with `pathPrefix`, from its access log
    /// (`… METHOD PATH STATUS 1.2ms`), in milliseconds (0.1 ms resolution).
    func serverMilliseconds(pathPrefix: String) -> [Double] {
        let text = (try? String(contentsOfFile: directory + ".err", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line -> Double? in
            let fields = line.split(separator: " ")
            guard fields.count >= 5, fields[2].hasPrefix(pathPrefix), let last = fields.last, last.hasSuffix("ms") else { return nil }
            return Double(last.dropLast(2))
        }
    }

    /// Peak resident memory of the process so far (VmHWM), in MiB.
    var peakRSSMiB: Double {
        let text = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb / 1024
    }

    /// CPU time (user + system) the process has used so far, in seconds, from /proc/PID/stat: a figure
    /// per record that, unlike records/s, does not depend on what else the machine runs.
    var cpuSeconds: Double {
        let text = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8)) ?? ""
        // Fields after the command name (which may hold spaces) start after the last ')'.
        guard let close = text.lastIndex(of: ")") else { return .nan }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // utime and stime are fields 14 and 15 of the line, 12th and 13th after the name.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return .nan }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return (user + system) / ticks
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}
