#!/usr/bin/env bash
# Regenerates the protocol codecs into a temporary directory and fails on any difference
# from the committed output (drift between schemas, generator and committed code).
# Usage: tools/codegen/check.sh [SCHEMA_DIR]   (default ../shared/kafka-protocol)
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
schemas=${1:-"$repo/../shared/kafka-protocol"}
if [[ ! -d "$schemas" ]]; then
    echo "codegen-check: $schemas not found, skipped"
    exit 0
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
/usr/bin/python3 "$repo/tools/codegen/generate.py" --schemas "$schemas" \
    --out "$scratch/generated" --tests-out "$scratch/tests" >/dev/null

status=0
diff -r "$scratch/generated" "$repo/src/protocol/generated" || status=1
diff -r "$scratch/tests" "$repo/src/protocol/tests/generated" || status=1
if ((status != 0)); then
    echo "codegen-check: committed generated code differs; run 'make codegen'" >&2
    exit 1
fi
echo "codegen-check: generated code matches the schemas"
