import Foundation
import Testing

/// HTTPS through swift-nio-ssl: a self-signed certificate made by openssl, requests by curl. Skipped,
/// saying so, where openssl or curl is missing.
@Suite struct TLSProcessTests {
    static let tools = ["/usr/bin/openssl", "/usr/bin/curl"].allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }

    static func run(_ exe: String, _ args: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test(.enabled(if: tools, "needs /usr/bin/openssl and /usr/bin/curl"))
    func httpsWithACertificateAndKey() throws {
        let dir = NSTemporaryDirectory() + "logstore-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let made = try Self.run("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                                                     "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                                                     "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem"])
        try #require(made.status == 0)
        let server = try ServerProcess(["--tls-cert", dir + "/cert.pem", "--tls-key", dir + "/key.pem", "--no-access-log"])
        defer { server.removeFiles() }
        let https = try Self.run("/usr/bin/curl", ["-s", "--cacert", dir + "/cert.pem", "https://127.0.0.1:\(server.port)/healthz"])
        #expect(https.output == "ok\n")
        let plain = try Self.run("/usr/bin/curl", ["-s", "-m", "5", "http://127.0.0.1:\(server.port)/healthz"])
        #expect(plain.output != "ok\n")   // plain HTTP is not served on a TLS port
        #expect(server.stderr.contains("https://"))
        #expect(server.terminate() == 0)
    }

    @Test func aKeyWithoutACertificateIsAUsageError() throws {
        let exe = try #require(ServerProcess.executable)
        let result = try Self.run(exe, ["serve", "--tls-key", "/nonexistent.pem", "--store", NSTemporaryDirectory() + "unused-\(UUID().uuidString)"])
        #expect(result.status == 2)
    }
}
