import Hummingbird

/// The read-only web viewer at `/` (docs/SERVER.md, "Viewer"): static HTML, CSS and JavaScript
/// modules built only on the public `/api/v1` routes. The files hold no data, so they are served
/// without a token; every API call the page makes carries the token the user typed.
struct ViewerRoutes: Sendable {
    /// Only this origin: no inline script or style, no frames, nothing fetched from elsewhere.
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    func register<Context: RequestContext>(on router: RouterGroup<Context>) {
        for path in ViewerAsset.all.keys {
            router.get(RouterPath(path)) { request, _ in Self.serve(path, request) }
            router.head(RouterPath(path)) { request, _ in Self.serve(path, request, head: true) }
        }
    }

    /// The asset with its validators; 304 when `If-None-Match` names its entity tag.
    static func serve(_ path: String, _ request: Request, head: Bool = false) -> Response {
        guard let asset = ViewerAsset.all[path] else { return Responses.jsonError(.notFound, "no viewer file \(path)") }
        var headers: HTTPFields = [
            .eTag: asset.etag,
            .cacheControl: "no-cache",
            .contentSecurityPolicy: contentSecurityPolicy,
            .xContentTypeOptions: "nosniff",
            .referrerPolicy: "no-referrer",
        ]
        if let match = request.headers[.ifNoneMatch], matches(match, asset.etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = asset.contentType
        headers[.contentLength] = String(asset.bytes.count)
        if head { return Response(status: .ok, headers: headers) }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }

    /// Whether an `If-None-Match` list names `etag` (weak comparison, `*` matches).
    static func matches(_ header: String, _ etag: String) -> Bool {
        header.split(separator: ",").contains(where: { (item: Substring) -> Bool in
            var tag = String(item).trimmingSpaces
            if tag.hasPrefix("W/") { tag = String(tag.dropFirst(2)) }
            return tag == "*" || tag == etag
        })
    }
}
