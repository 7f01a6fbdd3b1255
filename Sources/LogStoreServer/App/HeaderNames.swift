import HTTPTypes

extension HTTPField.Name {
    /// `Last-Event-ID`: the id of the last Server-Sent Event a reconnecting client received.
    static let lastEventID = HTTPField.Name("Last-Event-ID")!
    /// `X-Accel-Buffering: no` keeps nginx from buffering an event stream.
    static let accelBuffering = HTTPField.Name("X-Accel-Buffering")!
}
