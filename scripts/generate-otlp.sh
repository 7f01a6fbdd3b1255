#!/usr/bin/env bash
# Regenerates Sources/LogStoreProtocols/OpenTelemetry/Generated/*.pb.swift from Protos/ (the OTLP 1.x
# messages LogStore reads, written for LogStore from the specification's field numbers, and
# google.rpc.Status). CI never runs this: the generated code is committed. Run it after editing Protos/.
#
# Needs protoc (apt-get install -y protobuf-compiler) and protoc-gen-swift of the swift-protobuf version
# the package depends on (1.39.0), built once (about 10 minutes here):
#   git clone https://github.com/apple/swift-protobuf /tmp/swift-protobuf
#   cd /tmp/swift-protobuf && git checkout 1.39.0 && swift build -c release --product protoc-gen-swift
# PROTOC_GEN_SWIFT names the plugin (default: /tmp/swift-protobuf/.build/release/protoc-gen-swift).
set -euo pipefail
cd "$(dirname "$0")/.."
plugin="${PROTOC_GEN_SWIFT:-/tmp/swift-protobuf/.build/release/protoc-gen-swift}"
command -v protoc >/dev/null || { echo "protoc not found: apt-get install -y protobuf-compiler" >&2; exit 1; }
[ -x "$plugin" ] || { echo "protoc-gen-swift not found at $plugin (see the comment at the top)" >&2; exit 1; }
out=Sources/LogStoreProtocols/OpenTelemetry/Generated
rm -f "$out"/*.pb.swift
mkdir -p "$out"
# Package visibility: the server and the tests use the messages; collectors see only the decoders.
protoc --plugin=protoc-gen-swift="$plugin" --proto_path=Protos \
    --swift_out="$out" --swift_opt=Visibility=Package --swift_opt=FileNaming=PathToUnderscores \
    $(cd Protos && find . -name '*.proto' | sed 's|^\./||' | sort)
ls "$out"
