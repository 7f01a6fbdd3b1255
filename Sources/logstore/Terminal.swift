import Glibc
import LogStore

/// Terminal detection and ANSI colours: colours only when the stream is a terminal, `NO_COLOR` is
/// unset or empty, and `TERM` is not `dumb` (https://no-color.org).
enum Terminal {
    static func isTTY(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    static func colors(_ fd: Int32 = 1) -> Bool {
        guard isTTY(fd) else { return false }
        if let v = getenv("NO_COLOR"), let s = String(validatingCString: v), !s.isEmpty { return false }
        if let t = getenv("TERM"), String(validatingCString: t) == "dumb" { return false }
        return true
    }

    /// The terminal's width in columns (80 when unknown).
    static func width(_ fd: Int32 = 1) -> Int {
        var ws = winsize()
        if ioctl(fd, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0 { return Int(ws.ws_col) }
        return 80
    }
}

/// ANSI styles, applied only when `enabled`.
struct Palette {
    var enabled: Bool

    func paint(_ s: String, _ code: String) -> String { enabled ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
    func bold(_ s: String) -> String { paint(s, "1") }
    func dim(_ s: String) -> String { paint(s, "2") }
    func red(_ s: String) -> String { paint(s, "31") }
    func green(_ s: String) -> String { paint(s, "32") }
    func yellow(_ s: String) -> String { paint(s, "33") }

    /// Green info/notice, yellow warning, red error/critical, blue debug, dim trace.
    func level(_ l: LogLevel, _ s: String) -> String {
        switch l {
        case .trace: paint(s, "2")
        case .debug: paint(s, "34")
        case .info, .notice: paint(s, "32")
        case .warning: paint(s, "33")
        case .error: paint(s, "31")
        case .critical: paint(s, "1;31")
        }
    }
}

/// A one-line progress bar on standard error, drawn only when standard error is a terminal.
struct ProgressBar {
    let label: String
    let enabled: Bool
    private var lastDrawn = -1

    init(_ label: String, enabled: Bool = Terminal.isTTY(2)) {
        self.label = label
        self.enabled = enabled
    }

    /// Redraws when the shown percentage changes.
    mutating func update(_ done: Int, of total: Int, detail: String = "") {
        guard enabled else { return }
        let pct = total > 0 ? min(100, done * 100 / total) : 100
        guard pct != lastDrawn || !detail.isEmpty else { return }
        lastDrawn = pct
        let width = 30
        let filled = pct * width / 100
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        writeStderr("\r\u{1B}[K\(label) \(bar) \(String(pct).rightAligned(3))% \(done)/\(total)\(detail.isEmpty ? "" : " " + detail)")
    }

    /// Erases the bar.
    func finish() {
        if enabled { writeStderr("\r\u{1B}[K") }
    }
}
