#!/usr/bin/env bash
# Builds the DocC documentation of the library products (Sources/*/*.docc and every doc comment) with
# swift-docc-plugin, warnings treated as errors: a broken symbol link or an undocumented parameter
# fails. The archives go to .build/plugins/Swift-DocC/outputs/. CI runs this (.ci/run); the articles'
# Swift examples are compiled by scripts/check-examples.py like the README's.
set -euo pipefail
cd "$(dirname "$0")/.."
swift package --disable-sandbox generate-documentation \
    --target LogStore --target LogStorePipeline --target LogStoreLogging --target LogStoreServer \
    --warnings-as-errors "$@"
