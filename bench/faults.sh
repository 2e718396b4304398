#!/usr/bin/env bash
# Runs the fault suite and writes the fault matrix (faults x platforms: where
# each faulted switch ended, read from its simulator, and whether the report
# matched) to bench/FAULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
QOSAGENT_FAULT_MATRIX="$PWD/bench/FAULTS.md" go test ./agent -run 'TestFaultsNeverLeaveHalfWritten' -count=1 "$@"
cat bench/FAULTS.md
