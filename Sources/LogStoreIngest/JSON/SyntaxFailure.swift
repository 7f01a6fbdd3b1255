/// An internal parse failure: the 0-based byte offset in the line where it was found, and why.
/// `NDJSONParser` turns it into a public ``LineError`` with a line number and a 1-based column.
struct SyntaxFailure: Error {
    var offset: Int
    var reason: String
}
