// Fuzz target: the logfmt parser through LineRecordStream (checks in Harness.swift).
import FuzzKit
import LogStoreIngest

let fuzzedFormat = LineFormat.logfmt
fuzzMain { fuzzOne($0, $1) }
