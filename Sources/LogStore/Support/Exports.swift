// The record model is part of LogStore's API; the rest of LogStoreFormat (the byte encodings of
// docs/FORMAT.md) is not: tools, decoders and fuzzers that need it import the `LogStoreFormat` product.
@_exported import struct LogStoreFormat.LogRecord
@_exported import enum LogStoreFormat.LogLevel
@_exported import struct LogStoreFormat.Attribute
@_exported import enum LogStoreFormat.AttributeValue
@_exported import struct LogStoreFormat.Checkpoint
@_exported import struct LogStoreFormat.IdempotencyKey
