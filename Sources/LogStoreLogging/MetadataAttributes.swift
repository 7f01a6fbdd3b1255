import LogStore
import Logging

/// swift-log metadata as LogStore attributes.
enum MetadataAttributes {
    /// Appends `metadata` in key order: strings as strings, string-convertible integers, doubles and
    /// booleans typed, other values as their description, arrays as `[a, b]` text, dictionaries
    /// flattened into dotted keys.
    static func append(_ metadata: Logger.Metadata, into attributes: inout [Attribute], prefix: String = "") {
        // Sorted (key, value) pairs: one pass, no second lookup per key.
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            let name = prefix.isEmpty ? key : prefix + "." + key
            switch value {
            case .string(let s):
                attributes.append(Attribute(name, .string(s)))
            case .stringConvertible(let c):
                switch c {
                case let v as Int: attributes.append(Attribute(name, .int(Int64(v))))
                case let v as Int64: attributes.append(Attribute(name, .int(v)))
                case let v as Double where v.isFinite: attributes.append(Attribute(name, .double(v)))
                case let v as Bool: attributes.append(Attribute(name, .bool(v)))
                default: attributes.append(Attribute(name, .string(c.description)))
                }
            case .array:
                attributes.append(Attribute(name, .string(text(value))))
            case .dictionary(let nested):
                append(nested, into: &attributes, prefix: name)
            }
        }
    }

    /// A metadata value as text.
    static func text(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let s): s
        case .stringConvertible(let c): c.description
        case .array(let values): "[" + values.map(text).joined(separator: ", ") + "]"
        case .dictionary(let d): "[" + d.keys.sorted().map { "\($0): \(d[$0].map(text) ?? "")" }.joined(separator: ", ") + "]"
        }
    }
}
