#!/bin/sh
# bench/coalesce.sh: what a burst of Globus polls costs in eeadm runs.
#
#   bench/coalesce.sh [FILES] [CLIENTS]        (defaults: 10000 64)
#
# FILES distinct migrated files (the tape library simulator stands in
# for eeadm), each asked for by globus_recall from CLIENTS concurrent
# clients, three rounds over all files.  Run twice: with the defaults,
# and with the Python version's behaviour (recall_max_files = 1,
# recall_delay = 0, state_batch_max = 1).  Prints eeadm recall runs per
# library, files per run, eeadm file state runs, and request latency per
# round.  The simulator sleeps SPEED times its tape model's time
# (default 0.02, so the big recall of the defaults runs for seconds);
# the Python-like run uses speed 0 and only PY_FILES files (default
# 1000), else its tens of thousands of eeadm runs would take an hour.
# Loopback only.
set -eu
files=${1:-10000}
clients=${2:-64}
speed=${SPEED:-0.02}
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${BIN:-$top/bin}
work=$(mktemp -d "${TMPDIR:-/tmp}/ltfsee-coalesce.XXXXXX")
dpid=""
cleanup() {
	[ -n "$dpid" ] && kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
[ -x "$bin/tests/tools/loadtool" ] || make -C "$top" tests >/dev/null

export EEADM_SIM_CATALOGUE="$work/catalogue"
export EEADM_SIM_LOG="$work/sim.log"
sim="$bin/eeadm-sim"

# p99 latency of GET /api/v0.5/ under 64 keep-alive connections for 3 s.
lat_p99() {
	wrk -t2 -c64 -d3s --latency "http://127.0.0.1:$port/api/v0.5/" |
	    awk '$1 == "99%" { print $2 }'
}

# One run of the burst of N files, with extra [server] lines given as
# arguments.
burst() {
	label=$1 n=$2
	shift 2
	rm -rf "$work/state" "$work/gpfs" "$EEADM_SIM_CATALOGUE"* \
	    "$EEADM_SIM_LOG"
	mkdir -p "$work/state"
	"$sim" populate --files "$n" --tapes 40 --libraries 2 \
	    --drives 4 --size-min 1000000 --size-max 100000000 --seed 7 \
	    --dir "$work/gpfs" --state M >/dev/null
	ls "$work/gpfs" | sed "s|^|$work/gpfs/|" > "$work/list"
	port=$("$bin/tests/tools/loadtool" freeport)
	{
		echo "[server]"
		echo "auth_key = bench"
		echo "bind = 127.0.0.1:$port"
		echo "loglevel = warning"
		echo "ltfsee_lib = lib0 lib1"
		echo "state_dir = $work/state"
		echo "eeadm = /usr/bin/env EEADM_SIM_CATALOGUE=$EEADM_SIM_CATALOGUE EEADM_SIM_LOG=$EEADM_SIM_LOG EEADM_SIM_SPEED=$SIMSPEED $sim"
		for l in "$@"; do echo "$l"; done
	} > "$work/d.ini"
	"$bin/ltfsee-globusd" -d -f "$work/d.ini" 2> "$work/d.log" &
	dpid=$!
	i=0
	until curl -s -o /dev/null "http://127.0.0.1:$port/api/v0.5/"; do
		sleep 0.1; i=$((i + 1))
		[ $i -lt 50 ] || { cat "$work/d.log"; exit 1; }
	done

	echo "== $label: $n files, $clients clients, 3 rounds"
	"$bin/tests/tools/loadtool" recall "$port" bench "$clients" 3 \
	    "$work/list" | sed 's/^/   /'

	# The same cheap request while a recall runs, and after it.
	if [ "$label" = defaults ] && command -v wrk >/dev/null; then
		i=0
		until curl -s "http://127.0.0.1:$port/metrics" | grep -q \
		    '^ltfsee_globus_recall_inflight{.*} [1-9]' ||
		    [ $i -ge 300 ]; do
			sleep 0.1; i=$((i + 1))
		done
		during=$(lat_p99)
	fi

	# Let the queued recalls run out (bounded), then count.
	i=0
	while [ "$("$sim" report --format=kv | sed -n 's/^migrated=//p')" \
	    != 0 ] && [ $i -lt 1800 ]; do
		sleep 0.2; i=$((i + 1))
	done
	if [ -n "${during:-}" ]; then
		echo "   GET /api/v0.5/ p99 while the recall runs: $during," \
		    "after it: $(lat_p99)"
		during=""
	fi
	kill "$dpid"; wait "$dpid" 2>/dev/null || true; dpid=""
	awk '
	/cmd=recall/ {
		lib = "none"
		if (match($0, /"-l" "lib[0-9]+"/))
			lib = substr($0, RSTART + 6, RLENGTH - 7)
		match($0, /paths=[0-9]+/)
		n = substr($0, RSTART + 6, RLENGTH - 6)
		runs[lib]++; paths[lib] += n
	}
	/cmd=file/ {
		match($0, /paths=[0-9]+/)
		sruns++; spaths += substr($0, RSTART + 6, RLENGTH - 6)
	}
	END {
		for (l in runs)
			printf "   eeadm recall runs %s: %d, files per run %.1f\n",
			    l, runs[l], paths[l] / runs[l]
		printf "   eeadm file state runs: %d, paths per run %.1f\n",
		    sruns, sruns ? spaths / sruns : 0
	}' "$EEADM_SIM_LOG"
	echo "   still migrated: $("$sim" report --format=kv |
	    sed -n 's/^migrated=//p')"
}

py_files=${PY_FILES:-1000}
[ "$py_files" -le "$files" ] || py_files=$files
SIMSPEED=$speed burst "defaults" "$files"
SIMSPEED=0 burst "Python-like" "$py_files" "recall_max_files = 1" \
    "recall_delay = 0" \
    "recall_max_wait = 0" "state_batch_max = 1"
