import HTTPTypes

extension HTTPField.Name {
    /// `Referrer-Policy: no-referrer` keeps the viewer's URLs (which hold queries) from leaking.
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}
