#!/bin/sh
# bench/http.sh: requests per second and latency of ltfsee-globusd next to
# nginx on this machine, in one run, with the same response body.
#
#   bench/http.sh [SECONDS] [CONNECTIONS]      (defaults: 10 64)
#
# Both listen on 127.0.0.1 on a free port and are stopped at the end.
# The route is GET /api/v0.5/ (no eeadm run).  Needs wrk and nginx
# (apt-get install wrk nginx-light).
set -eu
secs=${1:-10}
conns=${2:-64}
threads=${THREADS:-0}
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${BIN:-$top/bin}
work=$(mktemp -d "${TMPDIR:-/tmp}/ltfsee-bench.XXXXXX")
dpid="" npid=""
cleanup() {
	[ -n "$dpid" ] && kill "$dpid" 2>/dev/null
	[ -n "$npid" ] && kill "$npid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

command -v wrk >/dev/null || { echo "bench: wrk is not installed" >&2; exit 1; }
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] || { echo "bench: nginx is not installed" >&2; exit 1; }

[ -x "$bin/tests/tools/loadtool" ] || make -C "$top" tests >/dev/null
free_port() {
	"$bin/tests/tools/loadtool" freeport
}

# Our daemon, logging warnings only, against the fake eeadm.
export FAKE_EEADM_DIR="$work/eeadm"
mkdir -p "$FAKE_EEADM_DIR" "$work/state"
cat > "$work/d.ini" <<INI
[server]
auth_key = bench
bind = 127.0.0.1:$(free_port)
loglevel = warning
threads = $threads
eeadm = $top/tests/fake-eeadm
state_dir = $work/state
INI
"$bin/ltfsee-globusd" -d -f "$work/d.ini" 2> "$work/d.log" &
dpid=$!
dport=$(sed -n 's/^bind = 127.0.0.1://p' "$work/d.ini")
i=0
until curl -s -o /dev/null "http://127.0.0.1:$dport/api/v0.5/"; do
	sleep 0.1; i=$((i + 1)); [ $i -lt 50 ] || { cat "$work/d.log"; exit 1; }
done
sleep 0.5
rss_idle=$(awk '/VmRSS/ { print $2 }' /proc/$dpid/status)

# nginx with the same body, on its own port, 2 workers (one per core).
curl -s "http://127.0.0.1:$dport/api/v0.5/" > "$work/body"
nport=$(free_port 1)
cat > "$work/nginx.conf" <<NGX
worker_processes auto;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx.err warn;
events { worker_connections 4096; }
http {
	access_log off;
	keepalive_requests 1000000;
	client_body_temp_path $work/nb;
	proxy_temp_path $work/np;
	fastcgi_temp_path $work/nf;
	uwsgi_temp_path $work/nu;
	scgi_temp_path $work/ns;
	server {
		listen 127.0.0.1:$nport;
		default_type application/json;
		location / { return 200 '$(cat "$work/body")'; }
	}
}
NGX
"$nginx" -c "$work/nginx.conf" -p "$work" &
npid=$!
sleep 0.5

run() {
	wrk -t2 -c"$conns" -d"${secs}s" --latency "$1" > "$2"
	rps=$(awk '/Requests\/sec/ { print $2 }' "$2")
	p50=$(awk '$1 == "50%" { print $2 }' "$2")
	p99=$(awk '$1 == "99%" { print $2 }' "$2")
	errs=$(grep -E 'Non-2xx|Socket errors' "$2" | tr '\n' ' ')
	printf '%-16s %10s req/s  p50 %-8s p99 %-8s %s\n' "$3" "$rps" \
	    "$p50" "$p99" "$errs"
}

echo "wrk -t2 -c$conns -d${secs}s, GET /api/v0.5/, $(nproc) cores"
run "http://127.0.0.1:$nport/api/v0.5/" "$work/n.out" nginx
n_rps=$rps
run "http://127.0.0.1:$dport/api/v0.5/" "$work/d.out" ltfsee-globusd
d_rps=$rps
rss_after=$(awk '/VmRSS/ { print $2 }' /proc/$dpid/status)
echo "ratio ltfsee-globusd/nginx: $(echo "$d_rps $n_rps" |
    awk '{ printf "%.2f", $1 / $2 }')"
echo "ltfsee-globusd RSS: idle ${rss_idle} kB, after load ${rss_after} kB"
