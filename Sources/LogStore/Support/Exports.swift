// The record model (LogRecord, LogLevel, Attribute, AttributeValue) is part of LogStore's API.
@_exported import LogStoreFormat
