#!/usr/bin/env bash
# Fleet-scale benchmark harness. Builds qosagent, a lab server and the bare
# gosnmp floor (bench/floor), serves simulated fleets on loopback with a
# simulated RTT, and writes bench/RESULTS.md. Two modes:
#
#   bash bench/run.sh                      # scale: 1k, 10k, 50k, 100k GS110TPs at one concurrency
#   MODE=sweep bash bench/run.sh           # sweep: 1k and 10k at 32..512, SSH, net-snmp baseline
#   QUICK=1 bash bench/run.sh              # small fleets, to try the harness (temporary OUT)
#
# scale: for each size, the floor (bench/floor: the same three requests per
# switch at the same concurrency, nothing else), then `qosagent audit
# --format json` with its default SQLite history (created beforehand by a
# one-switch audit, as an hourly run finds it), then the same audit with
# --summary and with --history none, each under /usr/bin/time, with GODEBUG=gctrace=1
# for its GC share. It writes its table between the "scale" markers of OUT
# (after "<!-- analysis -->", appending them if absent) and keeps every
# other part of the file.
#
# Knobs (environment): MODE (scale), RTT (20ms), LOSS (0),
# SCALE_SIZES ("1000 10000 50000 100000"), SCALE_CONCURRENCY (256),
# REPEAT (1: runs of each kind per size; the table shows each figure's
# median, the raw lines every run), SCALE_NOHIST (1: also audit with --history none), SCALE_SUMMARY (1: also
# audit with --summary, which keeps no per-switch result), LAB_CPUS (e.g. "1":
# pin the lab's processes with taskset), and for the sweep SNMP_SIZES
# ("1000 10000"), SSH_SIZES ("1000"), CONCURRENCIES ("32 64 128 256 512"),
# SSH_CONCURRENCIES ("32 64 128"), BASELINE_SIZES (= SNMP_SIZES),
# BASELINE_P (16); BUILD_TAGS (gosnmp_nodebug, as README "Install"; empty
# for gosnmp's debug build); QOSAGENT_BIN (a prebuilt qosagent instead of building
# ./cmd/qosagent), OUT (bench/RESULTS.md; a temporary file with QUICK).
# The sweep rewrites OUT before the line "<!-- analysis -->" and keeps the rest.
set -euo pipefail
# As README "Install" builds it; the floor and the lab get the same tags.
export BUILD_TAGS=${BUILD_TAGS-gosnmp_nodebug}
cd "$(dirname "$0")/.."

RTT=${RTT:-20ms}
LOSS=${LOSS:-0}
MODE=${MODE:-scale}
if [[ -n ${QUICK:-} ]]; then
	# A trial run must not replace the committed measurements.
	OUT=${OUT:-$(mktemp -t qosagent-bench-XXXXXX.md)}
	[[ -e $OUT && ! -s $OUT ]] && cp bench/RESULTS.md "$OUT"
	SCALE_SIZES=${SCALE_SIZES:-"200 1000"}
	SNMP_SIZES=${SNMP_SIZES:-"200"}
	SSH_SIZES=${SSH_SIZES:-"30"}
	CONCURRENCIES=${CONCURRENCIES:-"32 64"}
	SSH_CONCURRENCIES=${SSH_CONCURRENCIES:-"32"}
fi
SNMP_SIZES=${SNMP_SIZES:-"1000 10000"}
SSH_SIZES=${SSH_SIZES:-"1000"}
CONCURRENCIES=${CONCURRENCIES:-"32 64 128 256 512"}
SSH_CONCURRENCIES=${SSH_CONCURRENCIES:-"32 64 128"}
BASELINE_SIZES=${BASELINE_SIZES:-$SNMP_SIZES}
BASELINE_P=${BASELINE_P:-16}
SCALE_SIZES=${SCALE_SIZES:-"1000 10000 50000 100000"}
SCALE_CONCURRENCY=${SCALE_CONCURRENCY:-256}
REPEAT=${REPEAT:-1}
SCALE_NOHIST=${SCALE_NOHIST:-1}
SCALE_SUMMARY=${SCALE_SUMMARY:-1}
OUT=${OUT:-bench/RESULTS.md}
LAB_PIN=()
if [[ -n ${LAB_CPUS:-} ]]; then LAB_PIN=(taskset -c "$LAB_CPUS"); fi

for tool in python3 snmpbulkget snmpbulkwalk /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing (apt-get install python3 snmp time)" >&2; exit 3; }
done
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

WORK=$(mktemp -d)
# qosagent keeps a history of every run under $XDG_STATE_HOME (about 6 KB
# per switch per audit): keep the benchmark's out of the user's home. The
# recording is part of what an audit costs, so it stays on.
export XDG_STATE_HOME=$WORK/state
LAB_PID=
cleanup() {
	if [[ -n $LAB_PID ]]; then exec 3>&- || true; wait "$LAB_PID" 2>/dev/null || true; fi
	rm -rf "$WORK"
}
trap cleanup EXIT

echo "building in $WORK" >&2
if [[ -n ${QOSAGENT_BIN:-} ]]; then
	cp "$QOSAGENT_BIN" "$WORK/qosagent"
else
	go build -tags "$BUILD_TAGS" -o "$WORK/qosagent" ./cmd/qosagent
fi
go build -tags "$BUILD_TAGS" -o "$WORK/labserver" ./bench/labserver
go build -tags "$BUILD_TAGS" -o "$WORK/floor" ./bench/floor
RES=$WORK/results.jsonl

# start_lab ARGS...: serves a fleet until stop_lab; its inventory is $WORK/lab.yaml.
start_lab() {
	rm -f "$WORK/lab.yaml" "$WORK/stats.json" "$WORK/ctl"
	mkfifo "$WORK/ctl"
	"${LAB_PIN[@]}" "$WORK/labserver" --rtt "$RTT" --loss "$LOSS" --inventory-out "$WORK/lab.yaml" --stats-out "$WORK/stats.json" "$@" \
		<"$WORK/ctl" >"$WORK/lab.out" 2>&1 &
	LAB_PID=$!
	exec 3>"$WORK/ctl"
	for _ in $(seq 1800); do
		grep -q '^ready' "$WORK/lab.out" 2>/dev/null && { cat "$WORK/lab.out" >&2; return; }
		kill -0 "$LAB_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$WORK/lab.out" >&2
	echo "run.sh: lab did not start" >&2
	exit 1
}
stop_lab() { exec 3>&-; wait "$LAB_PID" || true; LAB_PID=; }

# sim_requests: SNMP PDUs the fleet has seen so far (all switches), and the
# lab process's CPU seconds.
sim_requests() {
	rm -f "$WORK/stats.json"
	kill -USR1 "$LAB_PID"
	for _ in $(seq 100); do [[ -s $WORK/stats.json ]] && break; sleep 0.05; done
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["Get"]+s["GetNext"]+s["GetBulk"]+s["Set"], s["cpu_seconds"])' "$WORK/stats.json"
}

# audit KIND N CONC: one timed audit, one JSON line of results.
audit() {
	local kind=$1 n=$2 conc=$3 before after cpu0 cpu1
	read -r before cpu0 <<<"$(sim_requests)"
	local rc=0
	/usr/bin/time -f '%e %U %S %M' -o "$WORK/time" \
		"$WORK/qosagent" audit -i "$WORK/lab.yaml" --format json --concurrency "$conc" --log-level warn \
		>"$WORK/report.json" 2>"$WORK/audit.err" || rc=$?
	read -r after cpu1 <<<"$(sim_requests)"
	python3 - "$kind" "$n" "$conc" "$RTT" "$rc" "$((after - before))" "$WORK/time" "$WORK/report.json" "$cpu0" "$cpu1" >>"$RES" <<'PY'
import json, math, sys
kind, n, conc, rtt, rc, simreq, timef, repf, cpu0, cpu1 = sys.argv[1:]
n, conc, rc, simreq = int(n), int(conc), int(rc), int(simreq)
rtt_s = float(rtt.rstrip("ms")) / 1000 if rtt.endswith("ms") else float(rtt.rstrip("s"))
wall, user, sys_, rss = open(timef).read().split()[-4:]
rep = json.load(open(repf))
sws = rep["switches"]
reqs = sum(s.get("requests", 0) for s in sws)
rt = simreq / n if kind == "snmp" else None
bound = math.ceil(n / conc) * rtt_s * round(rt) if rt else None
print(json.dumps({"kind": kind, "n": n, "conc": conc, "rc": rc, "wall": float(wall), "cpu": float(user) + float(sys_),
    "user": float(user), "sys": float(sys_), "rss_mib": int(rss) / 1024, "errors": rep["summary"]["error"],
    "drift": rep["summary"]["drift"], "report_requests_per_switch": reqs / n,
    "sim_requests_per_switch": rt, "retries": sum(s.get("retries", 0) for s in sws),
    "bound": bound, "ratio": float(wall) / bound if bound else None, "sim_cpu": float(cpu1) - float(cpu0)}))
PY
	tail -1 "$RES" >&2
}

# baseline N: net-snmp per switch, xargs -P $BASELINE_P, same fleet.
baseline() {
	local n=$1 comm before after cpu
	comm=$(cat "$WORK/lab.community")
	grep -E '^ +address: ' "$WORK/lab.yaml" | awk '{print $2}' >"$WORK/addrs"
	cat >"$WORK/one.sh" <<SH
#!/bin/sh
# What a sysadmin would write: the global DSCP rows, then the trust column.
snmpbulkget -v2c -c "\$COMM" -t 1 -r 1 -On -Cn0 -Cr64 "\$1" 1.3.6.1.4.1.4526.11.3.3.1.2.1.3.0 >/dev/null &&
snmpbulkwalk -v2c -c "\$COMM" -t 1 -r 1 -On "\$1" 1.3.6.1.4.1.4526.11.3.3.1.3.1.2 >/dev/null || echo "FAIL \$1"
SH
	chmod +x "$WORK/one.sh"
	read -r before cpu <<<"$(sim_requests)"
	COMM=$comm /usr/bin/time -f '%e %U %S %M' -o "$WORK/time" \
		xargs -P "$BASELINE_P" -n 1 "$WORK/one.sh" <"$WORK/addrs" >"$WORK/baseline.out" 2>&1 || true
	read -r after cpu <<<"$(sim_requests)"
	python3 - "$n" "$((after - before))" "$WORK/time" "$(grep -c FAIL "$WORK/baseline.out" || true)" "$BASELINE_P" >>"$RES" <<'PY'
import json, sys
n, simreq, timef, fails, p = sys.argv[1:]
wall, user, sys_, rss = open(timef).read().split()[-4:]
print(json.dumps({"kind": "netsnmp", "n": int(n), "conc": int(p), "wall": float(wall), "cpu": float(user) + float(sys_),
    "errors": int(fails), "sim_requests_per_switch": int(simreq) / int(n)}))
PY
	tail -1 "$RES" >&2
}

# timed KIND N CONC CMD...: one timed run of CMD against the running lab,
# one JSON line of results (the lab's CPU and PDUs over the run, the load
# average before it). For qosagent, the report's summary and the GC share.
timed() {
	local kind=$1 n=$2 conc=$3 before after cpu0 cpu1 load rc=0
	shift 3
	read -r before cpu0 <<<"$(sim_requests)"
	load=$(cut -d' ' -f1 /proc/loadavg)
	GODEBUG=gctrace=1 /usr/bin/time -f '%e %U %S %M' -o "$WORK/time" "$@" >"$WORK/out.json" 2>"$WORK/err.txt" || rc=$?
	read -r after cpu1 <<<"$(sim_requests)"
	python3 - "$kind" "$n" "$conc" "$RTT" "$rc" "$((after - before))" "$WORK/time" "$WORK/out.json" "$WORK/err.txt" "$cpu0" "$cpu1" "$load" >>"$RES" <<'PY'
import json, math, re, sys
kind, n, conc, rtt, rc, simreq, timef, outf, errf, cpu0, cpu1, load = sys.argv[1:]
n, conc, rc, simreq = int(n), int(conc), int(rc), int(simreq)
rtt_s = float(rtt.rstrip("ms")) / 1000 if rtt.endswith("ms") else float(rtt.rstrip("s"))
wall, user, sys_, rss = open(timef).read().split()[-4:]
rt = simreq / n
bound = math.ceil(n / conc) * rtt_s * max(round(rt), 1)
r = {"kind": kind, "n": n, "conc": conc, "rc": rc, "wall": float(wall), "cpu": float(user) + float(sys_),
     "user": float(user), "sys": float(sys_), "rss_mib": int(rss) / 1024, "sim_requests_per_switch": rt,
     "bound": bound, "ratio": float(wall) / bound, "sim_cpu": float(cpu1) - float(cpu0), "load1": float(load)}
gc = [m for m in re.finditer(r"^gc \d+ @[\d.]+s (\d+)%", open(errf, errors="replace").read(), re.M)]
r["gc_share"] = int(gc[-1].group(1)) / 100 if gc else 0.0
r["gc_cycles"] = len(gc)
if kind == "floor":
    out = json.loads(open(outf).read() or "{}")
    r["errors"] = out.get("failed", -1)
else:
    # The report can be hundreds of MB: its summary comes first.
    head = open(outf, errors="replace").read(1 << 16)
    m = re.search(r'"summary":(\{[^}]*\})', head)
    s = json.loads(m.group(1)) if m else {}
    r["errors"] = s.get("error", -1)
    r["switches"] = s.get("switches", 0)
print(json.dumps(r))
PY
	tail -1 "$RES" >&2
}

if [[ $MODE == scale ]]; then
	for n in $SCALE_SIZES; do
		c=$SCALE_CONCURRENCY
		start_lab --snmp "$n"
		for _ in $(seq "$REPEAT"); do
			timed floor "$n" "$c" "$WORK/floor" -i "$WORK/lab.yaml" --concurrency "$c"
			# A fresh history, created and migrated by a one-switch audit;
			# the first audit of the fleet stores every result, the next
			# finds the previous run's, as an hourly one does.
			rm -rf "$XDG_STATE_HOME"
			"$WORK/qosagent" audit -i "$WORK/lab.yaml" --switch lab-sw1 --log-level error >/dev/null || true
			timed audit-first "$n" "$c" "$WORK/qosagent" audit -i "$WORK/lab.yaml" --format json --concurrency "$c" --log-level warn
			timed audit "$n" "$c" "$WORK/qosagent" audit -i "$WORK/lab.yaml" --format json --concurrency "$c" --log-level warn
			if [[ $SCALE_SUMMARY == 1 ]]; then
				timed audit-summary "$n" "$c" "$WORK/qosagent" audit -i "$WORK/lab.yaml" --format json --summary --concurrency "$c" --log-level warn
			fi
			if [[ $SCALE_NOHIST == 1 ]]; then
				timed audit-nohistory "$n" "$c" "$WORK/qosagent" audit -i "$WORK/lab.yaml" --format json --concurrency "$c" --log-level warn --history none
			fi
		done
		stop_lab
	done
	python3 - "$RES" "$OUT" "$RTT" "$LOSS" "${LAB_CPUS:-}" <<'PY'
import datetime, json, os, platform, subprocess, sys
res, out, rtt, loss, labcpus = sys.argv[1:]
rows = [json.loads(l) for l in open(res)]
def sh(c):
    try: return subprocess.run(c, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception: return "?"
model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
src = (f"qosagent from QOSAGENT_BIN={os.environ['QOSAGENT_BIN']}" if os.environ.get("QOSAGENT_BIN")
       else f"qosagent built from the working tree at commit {sh('git rev-parse --short HEAD')}{' (with uncommitted changes)' if sh('git status --porcelain') else ''}")
src += f"; {'the floor and the lab' if os.environ.get('QOSAGENT_BIN') else 'qosagent, the floor and the lab'} built with tags '{os.environ.get('BUILD_TAGS', '')}'"
L = ["<!-- scale:begin -->", "## Fleet scale: 1,000 to 100,000 GS110TPs (generated by `bench/run.sh`)\n"]
L.append(f"Generated on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; {src}. "
         f"Machine: {sh('nproc')} cores, {model}, Linux {platform.release()}, {sh('go version')}, RLIMIT_NOFILE {sh('ulimit -Hn')}. "
         f"Simulated RTT {rtt}, loss {loss}; the lab (bench/labserver, one process per {int(sh('ulimit -Hn') or 20000) - 256} switches) runs on the same cores"
         f"{' pinned to CPU ' + labcpus if labcpus else ''}.\n")
kinds = {(r["n"], r["kind"]) for r in rows}
L.append("Per size, five runs against the same lab"
         f"{', each made ' + str(len(rows) // max(len(kinds), 1)) + ' times (the table gives the median of each figure)' if len(rows) > len(kinds) else ''}"
         ": **floor** = bench/floor (bare gosnmp: the same requests per switch, two GETBULKs and a GET, "
         "same concurrency, nothing else); **audit, first** = `qosagent audit --format json` with its default SQLite history, freshly created, "
         "storing every result for the first time; **audit** = the same again, the history holding the previous run's results, as an hourly audit finds it; "
         "**audit --summary** = the same printing only the counts (no result is encoded or spooled; the history still records every switch); "
         "**no history** = the default audit with `--history none`. CPU and peak RSS are the measured process's (/usr/bin/time); "
         "lab CPU is the lab's over the same run. RTT bound = ceil(N / concurrency) x RTT x round trips (counted by the lab); "
         "GC share = the runtime's own estimate at exit (GODEBUG=gctrace=1); floor ratio = CPU per switch / the floor's at the same size; "
         "load = 1-minute load average just before the run (the machine is shared).\n")
L.append("| switches | run | conc | wall s | wall/switch ms | CPU s | CPU/switch ms | floor ratio | peak RSS MiB | RSS/switch KiB | GC share | round trips | RTT bound s | ratio | lab CPU s | errors | load |")
L.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
def median(vals):
    v = sorted(vals)
    return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2
groups = {}
for r in rows:
    groups.setdefault((r["n"], r["kind"]), []).append(r)
med = []
for (n, kind), rs in groups.items():
    m = dict(rs[0])
    for k, v in rs[0].items():
        if isinstance(v, (int, float)) and not isinstance(v, bool) and k not in ("n", "conc"):
            m[k] = max(x[k] for x in rs) if k == "errors" else median([x[k] for x in rs])
    med.append(m)
floor = {r["n"]: r for r in med if r["kind"] == "floor"}
for r in med:
    f = floor.get(r["n"])
    cps = r["cpu"] / r["n"] * 1000
    fr = f"{cps / (f['cpu'] / f['n'] * 1000):.2f}x" if f and f["cpu"] > 0 and r["kind"] != "floor" else "-"
    L.append(f"| {r['n']} | {r['kind'].replace('audit-nohistory', 'no history').replace('audit-summary', 'audit --summary').replace('audit-first', 'audit, first')} | {r['conc']} | {r['wall']:.2f} | {r['wall'] / r['n'] * 1000:.3f} | {r['cpu']:.2f} | {cps:.3f} | {fr} | "
             f"{r['rss_mib']:.0f} | {r['rss_mib'] * 1024 / r['n']:.2f} | {r['gc_share']*100:.0f}% | {r['sim_requests_per_switch']:.2f} | {r['bound']:.2f} | {r['ratio']:.2f} | "
             f"{r['sim_cpu']:.2f} | {int(r['errors'])} | {r['load1']:.2f} |")
L.append("\nRaw measurements (JSON lines):\n\n```")
L += [json.dumps(r) for r in rows]
L.append("```")
L.append("<!-- scale:end -->")
block = "\n".join(L)
old = open(out).read() if os.path.exists(out) else "# Fleet benchmark results\n"
i, j = old.find("<!-- scale:begin -->"), old.find("<!-- scale:end -->")
if i >= 0 and j > i:
    new = old[:i] + block + old[j + len("<!-- scale:end -->"):]
else:
    if "<!-- analysis -->" not in old:
        old += "\n<!-- analysis -->\n"
    k = old.index("<!-- analysis -->") + len("<!-- analysis -->")
    new = old[:k] + "\n" + block + "\n" + old[k:]
open(out, "w").write(new)
print(f"wrote {out}", file=sys.stderr)
PY
	exit 0
fi

for n in $SNMP_SIZES; do
	start_lab --snmp "$n"
	for c in $CONCURRENCIES; do audit snmp "$n" "$c"; done
	if [[ " $BASELINE_SIZES " == *" $n "* ]]; then baseline "$n"; fi
	stop_lab
done
for n in $SSH_SIZES; do
	start_lab --cli "$n"
	for c in $SSH_CONCURRENCIES; do audit ssh "$n" "$c"; done
	stop_lab
done

python3 - "$RES" "$OUT" "$RTT" "$LOSS" "$BASELINE_P" "$*" <<'PY'
import datetime, json, os, platform, re, subprocess, sys
res, out, rtt, loss, bp, args = sys.argv[1:]
rows = [json.loads(l) for l in open(res)]
def sh(c):
    try: return subprocess.run(c, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception: return "?"
model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
env = " ".join(f"{k}={os.environ[k]}" for k in ("QUICK", "QOSAGENT_BIN", "RTT", "LOSS", "SNMP_SIZES", "SSH_SIZES", "CONCURRENCIES", "SSH_CONCURRENCIES", "BASELINE_SIZES", "BASELINE_P") if os.environ.get(k))
L = []
L.append("# Fleet benchmark results\n")
src = (f"qosagent from QOSAGENT_BIN={os.environ['QOSAGENT_BIN']}" if os.environ.get("QOSAGENT_BIN")
       else f"qosagent built from the working tree at commit {sh('git rev-parse --short HEAD')}{' (with uncommitted changes)' if sh('git status --porcelain') else ''}")
src += f"; {'the floor and the lab' if os.environ.get('QOSAGENT_BIN') else 'qosagent, the floor and the lab'} built with tags '{os.environ.get('BUILD_TAGS', '')}'"
L.append(f"Generated by `{(env + ' ') if env else ''}bash bench/run.sh` on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; {src}.\n")
L.append(f"Machine: {sh('nproc')} cores, {model}, Linux {platform.release()}, {sh('go version')}. "
         f"Simulated RTT {rtt} per switch, loss {loss}. The simulators run in the same machine "
         f"(one process, bench/labserver) and share its cores with qosagent.\n")
L.append("RTT bound = ceil(N / concurrency) x RTT x round trips per switch; ratio = wall / bound. "
         "Round trips per switch are counted by the simulated switches (SNMP PDUs received, retries included); "
         "`report` is qosagent's own per-switch `requests` count. CPU and peak RSS are qosagent's alone (/usr/bin/time).\n")
L.append("## SNMP audits (GS110TP, SNMP v2c)\n")
L.append("| switches | concurrency | wall s | CPU s | peak RSS MiB | simulator CPU s | round trips/switch (sim) | requests/switch (report) | retries | RTT bound s | ratio | errors |")
L.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    if r["kind"] == "snmp":
        L.append(f"| {r['n']} | {r['conc']} | {r['wall']:.2f} | {r['cpu']:.2f} | {r['rss_mib']:.0f} | {r['sim_cpu']:.2f} | {r['sim_requests_per_switch']:.2f} | "
                 f"{r['report_requests_per_switch']:.2f} | {r['retries']} | {r['bound']:.2f} | {r['ratio']:.2f} | {r['errors']} |")
L.append("\n## SSH audits (CLI switches, cycling cisco-ios, cisco-sb, netgear-fastpath)\n")
L.append("| switches | concurrency | wall s | CPU s | peak RSS MiB | simulator CPU s | errors |")
L.append("|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    if r["kind"] == "ssh":
        L.append(f"| {r['n']} | {r['conc']} | {r['wall']:.2f} | {r['cpu']:.2f} | {r['rss_mib']:.0f} | {r['sim_cpu']:.2f} | {r['errors']} |")
L.append(f"\n## Baseline: net-snmp per switch, `xargs -P {bp}`\n")
L.append("Per switch `snmpbulkget -Cr64` of the 64 global DSCP rows, then `snmpbulkwalk` of the trust column "
         "(bench/run.sh, function `baseline`). Speed-up = baseline wall / qosagent wall, at the best measured "
         "concurrency and at concurrency 32.\n")
L.append("| switches | wall s | CPU s | round trips/switch | failed switches | qosagent best wall s (conc) | speed-up | speed-up at 32 |")
L.append("|---:|---:|---:|---:|---:|---:|---:|---:|")
for b in rows:
    if b["kind"] != "netsnmp": continue
    ours = [r for r in rows if r["kind"] == "snmp" and r["n"] == b["n"] and r["errors"] == 0]
    if not ours: continue
    best = min(ours, key=lambda r: r["wall"])
    at32 = next((r for r in ours if r["conc"] == 32), None)
    L.append(f"| {b['n']} | {b['wall']:.2f} | {b['cpu']:.2f} | {b['sim_requests_per_switch']:.2f} | {b['errors']} | {best['wall']:.2f} ({best['conc']}) | "
             f"{b['wall'] / best['wall']:.1f}x | {(f'{b[chr(119)+chr(97)+chr(108)+chr(108)] / at32[chr(119)+chr(97)+chr(108)+chr(108)]:.1f}x') if at32 else '-'} |")
L.append("\nRaw measurements (JSON lines):\n\n```")
L += [json.dumps(r) for r in rows]
L.append("```\n")
tail = ""
if os.path.exists(out):
    old = open(out).read()
    i = old.find("<!-- analysis -->")
    if i >= 0: tail = old[i:]
if not tail:
    tail = "<!-- analysis -->\n## Analysis\n\n(written by hand; kept by bench/run.sh)\n"
open(out, "w").write("\n".join(L) + "\n" + tail)
print(f"wrote {out}", file=sys.stderr)
PY
