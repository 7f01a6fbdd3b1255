/// A structural problem found while decoding bytes: what is wrong and where.
///
/// `offset` is relative to the start of the buffer handed to the decoder; the engine adds the
/// file name and the buffer's position in the file before reporting it.
public struct FormatError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var offset: Int

    public init(_ reason: String, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String { "\(reason) (at byte \(offset))" }

    /// The same error with its offset shifted by `base`.
    public func shifted(by base: Int) -> FormatError { FormatError(reason, at: offset + base) }
}
