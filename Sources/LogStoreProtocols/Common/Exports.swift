@_exported import LogStoreFormat
