/// A structural problem found while decoding bytes: what is wrong and where.
///
/// `offset` is relative to the start of the buffer handed to the decoder; the engine adds the
/// file name and the buffer's position in the file before reporting it.
public struct FormatError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var offset: Int
    /// True when the bytes are intact but written in a format version this build does not read.
    public var isUnsupportedVersion = false

    public init(_ reason: String, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    /// An intact structure of a version this build does not read.
    public static func unsupportedVersion(_ reason: String, at offset: Int) -> FormatError {
        var e = FormatError(reason, at: offset)
        e.isUnsupportedVersion = true
        return e
    }

    public var description: String { "\(reason) (at byte \(offset))" }

    /// The same error with its offset shifted by `base`.
    public func shifted(by base: Int) -> FormatError {
        var e = self
        e.offset += base
        return e
    }
}
