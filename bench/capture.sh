#!/usr/bin/env bash
# capture check against tshark on the same files (bench/README.md "Capture check").
# For each size in SIZES (MiB) it writes a pcap with the capture package's
# benchmark (256 flows of RTP audio, RTP video and TCP, round robin), then
# times `qosagent capture check FILE --format json` and
# `tshark -r FILE -T fields -e ip.dsfield.dscp` on it under /usr/bin/time,
# and prints wall time, packets per second, the ratio and peak RSS.
# Needs tshark (apt tshark) and /usr/bin/time (apt time). The files go to
# DIR (default a temporary folder, removed at the end): 1 GiB needs 1 GiB free.
set -euo pipefail
# As README "Install" builds it.
BUILD_TAGS=${BUILD_TAGS-gosnmp_nodebug}
cd "$(dirname "$0")/.."
SIZES="${SIZES:-64 1024}"
DIR="${DIR:-$(mktemp -d)}"
KEEP="${KEEP:-0}"
[ "$KEEP" = 1 ] || trap 'rm -rf "$DIR"' EXIT

go build -tags "$BUILD_TAGS" -o "$DIR/qosagent" ./cmd/qosagent
echo "machine: $(nproc) cores, $(awk '/model name/{$1=$2=$3="";print;exit}' /proc/cpuinfo | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "tshark: $(tshark --version 2>/dev/null | head -1)"
printf '%-8s %-10s %-12s %-10s %-12s %-12s %-12s %-8s\n' MiB packets qosagent_s qosagent_MiB "pkts/s" tshark_s tshark_MiB ratio
for mb in $SIZES; do
	f="$DIR/bench-$mb.pcap"
	QOSAGENT_BENCH_CAPTURE_MB="$mb" QOSAGENT_BENCH_CAPTURE_OUT="$f" \
		go test -run '^$' -bench 'CheckFile$' -benchtime=1x ./capture/ >/dev/null
	# Once to warm the page cache, so both readers start from memory.
	cat "$f" >/dev/null
	/usr/bin/time -f '%e %M' -o "$DIR/q.time" "$DIR/qosagent" capture check "$f" --preset lync-2014 --format json >"$DIR/q.json" || [ $? -eq 1 ]
	packets=$(grep -o '"packets":[0-9]*' "$DIR/q.json" | head -1 | cut -d: -f2)
	/usr/bin/time -f '%e %M' -o "$DIR/t.time" tshark -r "$f" -T fields -e ip.dsfield.dscp >"$DIR/t.out" 2>/dev/null
	tshark_packets=$(wc -l <"$DIR/t.out")
	if [ "$packets" != "$tshark_packets" ]; then
		echo "packet counts differ: qosagent $packets, tshark $tshark_packets" >&2
		exit 1
	fi
	read -r qs qk < <(tail -1 "$DIR/q.time")
	read -r ts tk < <(tail -1 "$DIR/t.time")
	awk -v mb="$mb" -v n="$packets" -v qs="$qs" -v qk="$qk" -v ts="$ts" -v tk="$tk" 'BEGIN {
		printf "%-8s %-10d %-12.2f %-10.1f %-12.0f %-12.2f %-12.1f %-8.1f\n", mb, n, qs, qk/1024, n/qs, ts, tk/1024, ts/qs }'
	rm -f "$f"
done
