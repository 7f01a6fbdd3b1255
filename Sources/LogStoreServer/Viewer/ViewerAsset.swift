/// One file of the web viewer (`Sources/LogStoreServer/Viewer/Assets`, embedded in the binary by
/// SwiftPM's `embedInCode`): its bytes, media type and entity tag.
struct ViewerAsset: Sendable {
    let bytes: [UInt8]
    let contentType: String
    /// A strong validator: FNV-1a 64 of the bytes, quoted.
    let etag: String

    init(_ bytes: [UInt8], contentType: String) {
        self.bytes = bytes
        self.contentType = contentType
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        self.etag = "\"" + String(repeating: "0", count: 16 - hex.count) + hex + "\""
    }

    /// Every asset by the URL path it is served at.
    static let all: [String: ViewerAsset] = {
        let js = "text/javascript; charset=utf-8"
        return [
            "/": ViewerAsset(PackageResources.index_html, contentType: "text/html; charset=utf-8"),
            "/style.css": ViewerAsset(PackageResources.style_css, contentType: "text/css; charset=utf-8"),
            "/favicon.svg": ViewerAsset(PackageResources.favicon_svg, contentType: "image/svg+xml"),
            "/app.js": ViewerAsset(PackageResources.app_js, contentType: js),
            "/api.js": ViewerAsset(PackageResources.api_js, contentType: js),
            "/url-state.js": ViewerAsset(PackageResources.url_state_js, contentType: js),
            "/format.js": ViewerAsset(PackageResources.format_js, contentType: js),
            "/records.js": ViewerAsset(PackageResources.records_js, contentType: js),
            "/chart.js": ViewerAsset(PackageResources.chart_js, contentType: js),
            "/search.js": ViewerAsset(PackageResources.search_js, contentType: js),
            "/live.js": ViewerAsset(PackageResources.live_js, contentType: js),
            "/trace.js": ViewerAsset(PackageResources.trace_js, contentType: js),
            "/stats.js": ViewerAsset(PackageResources.stats_js, contentType: js),
        ]
    }()
}
