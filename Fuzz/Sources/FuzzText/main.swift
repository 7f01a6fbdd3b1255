// Fuzz target: the plain-text parser (timestamps, levels, multi-line joining) through LineRecordStream
// (checks in ../FuzzLogfmt/Harness.swift, linked here).
import FuzzKit
import LogStoreIngest

let fuzzedFormat = LineFormat.text
fuzzMain { fuzzOne($0, $1) }
