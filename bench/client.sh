#!/bin/sh
# bench/client.sh: how long one ltfsee-globus-stage run takes, from exec
# to exit, against a local ltfsee-globusd; Globus starts it once per file
# per poll.  Goals: 5 ms over plain HTTP, 15 ms with a full TLS handshake
# (ECDSA P-256, every run a new process, so no session resumption).
#
#   bench/client.sh [N]      (default 500 sequential runs per transport)
#
# The daemon listens on 127.0.0.1 on a free port, with the fake eeadm;
# the file is resident, so after the first run every answer comes from
# the daemon's cache.  Prints mean, median and p99 per transport.  Needs
# openssl for the TLS certificates (a CA and a leaf made here).
set -u
n=${1:-500}
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${BIN:-$top/bin}
work=$(mktemp -d "${TMPDIR:-/tmp}/ltfsee-bench.XXXXXX")
key="bench-$$"
dpid=""
cleanup() {
	if [ -n "$dpid" ]; then
		kill "$dpid" 2>/dev/null
		wait "$dpid" 2>/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${BIN:-}" ]; then
	make -s -C "$top" bin/ltfsee-globusd bin/ltfsee-globus-stage \
	    bin/tests/tools/exectime >/dev/null || exit 1
fi
export FAKE_EEADM_DIR="$work/eeadm"
mkdir -p "$FAKE_EEADM_DIR" "$work/state" "$work/gpfs"
echo data > "$work/gpfs/file"
printf '%s\tR\n' "$work/gpfs/file" > "$FAKE_EEADM_DIR/states"
printf '[client]\n' > "$work/client.ini"

# start [LINE...]: the daemon with extra [server] settings; sets $port.
# The port is read from the "listening on" line, so the log level is info
# (one line per request, to a file).
start() {
	{
		echo "[server]"
		echo "auth_key = $key"
		echo "bind = 127.0.0.1:0"
		echo "loglevel = info"
		echo "eeadm = $top/tests/fake-eeadm"
		echo "state_dir = $work/state"
		for l in "$@"; do echo "$l"; done
	} > "$work/d.ini"
	chmod 600 "$work/d.ini"
	env -i PATH="$PATH" FAKE_EEADM_DIR="$FAKE_EEADM_DIR" \
	    "$bin/ltfsee-globusd" -d -f "$work/d.ini" 2> "$work/d.log" &
	dpid=$!
	port=""
	i=0
	while [ -z "$port" ] && [ $i -lt 100 ]; do
		sleep 0.1
		port=$(sed -n 's/.*listening on .*(port \([0-9]*\)).*/\1/p' \
		    "$work/d.log" | head -n 1)
		i=$((i + 1))
	done
	[ -n "$port" ] || { cat "$work/d.log" >&2; exit 1; }
}

stop() {
	kill "$dpid" 2>/dev/null
	wait "$dpid" 2>/dev/null
	dpid=""
}

# measure NAME URL [VAR=value...]: N runs of the stage app.
measure() {
	name=$1 url=$2
	shift 2
	env -i PATH="$PATH" LTFSEE_GLOBUS_CONFIG="$work/client.ini" \
	    AUTH_KEY="$key" LTFSEE_URL="$url" \
	    GLOBUS_STAGE_PATH="$work/gpfs/file" GLOBUS_STAGE_TASKID=bench \
	    "$@" "$bin/ltfsee-globus-stage" > "$work/first" 2>&1
	if [ "$(cat "$work/first")" != resident ]; then
		echo "bench: $name: $(cat "$work/first")" >&2
		return 1
	fi
	env -i PATH="$PATH" LTFSEE_GLOBUS_CONFIG="$work/client.ini" \
	    AUTH_KEY="$key" LTFSEE_URL="$url" \
	    GLOBUS_STAGE_PATH="$work/gpfs/file" GLOBUS_STAGE_TASKID=bench \
	    "$@" "$bin/tests/tools/exectime" "$n" \
	    "$bin/ltfsee-globus-stage" > "$work/$name.kv" || return 1
	awk -F= -v name="$name" -v goal="$goal" '
	{ v[$1] = $2 }
	END {
		printf "%-6s %6d %8.2f %8.2f %8.2f %8.2f %6s %s\n", name,
		    v["runs"], v["mean_ms"], v["p50_ms"], v["p99_ms"],
		    v["max_ms"], goal, v["mean_ms"] <= goal ? "met" : "missed"
	}' "$work/$name.kv"
}

echo "stage app, exec to exit, $n sequential runs ($(nproc) CPUs)"
printf '%-6s %6s %8s %8s %8s %8s %6s\n' "" runs "mean ms" "p50 ms" \
    "p99 ms" "max ms" goal
rc=0
start
goal=5 measure http "http://127.0.0.1:$port" || rc=1
stop

t="$work/tls"
mkdir -p "$t"
if openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$t/ca.key" -out "$t/ca.pem" -days 2 -subj "/CN=bench CA" \
    >/dev/null 2>&1 &&
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$t/leaf.key" -out "$t/leaf.csr" -subj "/CN=127.0.0.1" \
    >/dev/null 2>&1 &&
    printf 'subjectAltName=IP:127.0.0.1,DNS:127.0.0.1\n' > "$t/ext" &&
    openssl x509 -req -in "$t/leaf.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" \
    -CAcreateserial -days 2 -extfile "$t/ext" -out "$t/leaf.pem" \
    >/dev/null 2>&1; then
	start "certfile = $t/leaf.pem" \
	    "keyfile = $t/leaf.key"
	goal=15 measure https "https://127.0.0.1:$port" \
	    CA_FILE="$t/ca.pem" || rc=1
	stop
else
	echo "bench: openssl could not make the certificates; no TLS row" >&2
	rc=1
fi
echo "libraries (ldd): $(ldd "$bin/ltfsee-globus-stage" 2>&1 |
    awk '{ printf "%s%s", n++ ? ", " : "", $1 }')"
echo "The Python client is not run here (not in this repository)."
exit $rc
