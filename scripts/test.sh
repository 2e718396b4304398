#!/usr/bin/env bash
# The project's test command (README "Testing"); CI's .ci/run runs exactly this.
# Needs Debian's snmpsim and snmp packages: the SNMP adapter is tested against
# snmpsimd and net-snmp's snmpget. QOSAGENT_REQUIRE_PEERS=1 (the default here)
# turns a missing peer into a failure instead of a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
export QOSAGENT_REQUIRE_PEERS="${QOSAGENT_REQUIRE_PEERS:-1}"
# A count ("2000x") rather than a duration: a wall-clock fuzztime can end a
# run while a worker is still busy with a slow input, which Go reports as a
# spurious "context deadline exceeded" failure on a loaded machine.
FUZZTIME="${FUZZTIME:-2000x}"

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt needed:" >&2
	echo "$unformatted" >&2
	exit 1
fi
go vet ./...
# The release build (README "Install") compiles with gosnmp's logging out.
go build -tags gosnmp_nodebug -o /dev/null ./cmd/qosagent
# staticcheck, pinned, fetched through the Go module proxy.
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
go test -race -count=1 ./...
# Benchmarks once each, only to prove they still run (numbers: bench/RESULTS.md).
go test -run '^$' -bench . -benchtime=1x ./...

# A short run of every fuzz target, so they keep building and their seed
# corpora keep passing; long runs are done by hand (README "Fuzzing").
grep -rl --include='*_test.go' '^func Fuzz' . | while read -r file; do
	pkg="./$(dirname "${file#./}")"
	for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | cut -d' ' -f2); do
		echo "fuzz $pkg $target ($FUZZTIME)"
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg"
	done
done
echo "all tests passed"
