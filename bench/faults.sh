#!/usr/bin/env bash
# Runs the fault suite and writes the fault matrix (faults x platforms: where
# each faulted switch ended, read from its simulator, and whether the report
# matched) to bench/FAULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export QOSAGENT_FAULT_MATRIX="$PWD/bench/FAULTS.md"
go test ./agent -run 'TestFaultsNeverLeaveHalfWritten' -count=1 "$@"
# A real qosagent apply killed with SIGKILL at each step of a transaction,
# then audit and apply again (cmd/qosagent): appended as a second table.
cat >> bench/FAULTS.md <<'TABLE'

## SIGKILL

A real `qosagent apply` killed with SIGKILL at each step of a switch's transaction (`cmd/qosagent`,
`TestKilled*`), then `audit` and `apply` run again and the simulator read directly.

| killed | platform | left by the kill | next audit | next apply |
|---|---|---|---|---|
TABLE
go test ./cmd/qosagent -run 'TestKilledApplyIsSettledByTheNextRuns|TestKilledCLIApplyDuringSave' -count=1 "$@"
cat bench/FAULTS.md
