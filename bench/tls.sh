#!/bin/sh
# bench/tls.sh: TLS speed of ltfsee-globusd next to nginx (OpenSSL) on
# this machine, in one run, with the same certificates, keys, protocol
# (TLS 1.2 only, ECDHE with AES-GCM) and response body:
#
#   full handshakes a second, ECDSA P-256 and RSA 2048   (s_time -new)
#   resumed handshakes a second, by session id, P-256    (s_time -reuse)
#   keep-alive requests a second over TLS, P-256          (wrk)
#
#   bench/tls.sh [SECONDS] [CLIENTS] [CONNECTIONS]     (defaults: 10 2 64)
#
# CLIENTS s_time processes run side by side (s_time is single-threaded).
# The goals of issue 3: keep-alive at least 0.7 times nginx, resumed 0.5
# times, full P-256 0.3 times.  Both servers listen on 127.0.0.1 on free
# ports and are stopped at the end.  Needs openssl, wrk and nginx
# (apt-get install wrk nginx-light).
set -eu
secs=${1:-10}
clients=${2:-2}
conns=${3:-64}
threads=${THREADS:-0}
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${BIN:-$top/bin}
work=$(mktemp -d "${TMPDIR:-/tmp}/ltfsee-bench.XXXXXX")
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || :; done
	wait 2>/dev/null || :
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

for t in openssl wrk; do
	command -v $t >/dev/null ||
	    { echo "bench: $t is not installed" >&2; exit 1; }
done
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] || { echo "bench: nginx is not installed" >&2; exit 1; }

[ -x "$bin/tests/tools/loadtool" ] || make -C "$top" tests >/dev/null
free_port() {
	"$bin/tests/tools/loadtool" freeport
}

# Self-signed leaves for 127.0.0.1, one of each key type.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$work/ec.key" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$work/rsa.key" 2>/dev/null
for k in ec rsa; do
	openssl req -x509 -new -key "$work/$k.key" -subj /CN=127.0.0.1 \
	    -days 2 -addext subjectAltName=IP:127.0.0.1 \
	    -out "$work/$k.pem" 2>/dev/null
done

# One daemon per key type, logging warnings only (no access log, like
# nginx here), against the fake eeadm.
export FAKE_EEADM_DIR="$work/eeadm"
mkdir -p "$FAKE_EEADM_DIR" "$work/state"
start_daemon() {
	dport=$(free_port)
	cat > "$work/$1.ini" <<INI
[server]
auth_key = bench
bind = 127.0.0.1:$dport
loglevel = warning
threads = $threads
eeadm = $top/tests/fake-eeadm
state_dir = $work/state
certfile = $work/$1.pem
keyfile = $work/$1.key
INI
	chmod 600 "$work/$1.ini"
	"$bin/ltfsee-globusd" -d -f "$work/$1.ini" > /dev/null \
	    2> "$work/$1.log" &
	pids="$pids $!"
	dpid=$!
	i=0
	until curl -s -o /dev/null --cacert "$work/$1.pem" \
	    "https://127.0.0.1:$dport/api/v0.5/"; do
		sleep 0.1; i=$((i + 1))
		[ $i -lt 50 ] || { cat "$work/$1.log"; exit 1; }
	done
}
start_daemon rsa
d_rsa=$dport
start_daemon ec
d_ec=$dport

# nginx with the same body, certificate and key, TLS 1.2 and the same
# suites, a shared session cache and no tickets (BearSSL has none, so
# both resume by session id), 2 workers (one per core).
curl -s --cacert "$work/ec.pem" "https://127.0.0.1:$d_ec/api/v0.5/" \
    > "$work/body"
[ -s "$work/body" ] || { echo "bench: no body from the daemon" >&2; exit 1; }
n_ec=$(free_port)
n_rsa=$(free_port)
server_block() {
	cat <<NGX
	server {
		listen 127.0.0.1:$1 ssl;
		ssl_certificate $work/$2.pem;
		ssl_certificate_key $work/$2.key;
		location / { return 200 '$(cat "$work/body")'; }
	}
NGX
}
ciphers=ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256
ciphers=$ciphers:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384
ciphers=$ciphers:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305
cat > "$work/nginx.conf" <<NGX
worker_processes auto;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx.err warn;
events { worker_connections 4096; }
http {
	access_log off;
	keepalive_requests 1000000;
	default_type application/json;
	client_body_temp_path $work/nb;
	proxy_temp_path $work/np;
	fastcgi_temp_path $work/nf;
	uwsgi_temp_path $work/nu;
	scgi_temp_path $work/ns;
	ssl_protocols TLSv1.2;
	ssl_ciphers $ciphers;
	ssl_prefer_server_ciphers on;
	ssl_session_cache shared:SSL:10m;
	ssl_session_tickets off;
$(server_block "$n_ec" ec)
$(server_block "$n_rsa" rsa)
}
NGX
"$nginx" -c "$work/nginx.conf" -p "$work" > /dev/null 2>&1 &
pids="$pids $!"
sleep 0.5

# handshakes PORT -new|-reuse: CLIENTS s_time runs at once; prints the
# handshakes a second of all of them together.
handshakes() {
	i=0
	while [ $i -lt "$clients" ]; do
		timeout $((secs + 20)) openssl s_time -connect "127.0.0.1:$1" \
		    -tls1_2 "$2" -time "$secs" > "$work/st.$i" 2>&1 &
		i=$((i + 1))
	done
	wait		# in $(...): the s_time runs only
	cat "$work"/st.* | awk -v s="$secs" '
	    / connections in .* real seconds/ { n += $1 }
	    END { printf "%.0f", n / s }'
	rm -f "$work"/st.*
}

ratio() {
	echo "$1 $2" | awk '{ printf "%.2f", ($2 > 0 ? $1 / $2 : 0) }'
}

# row NAME OURS NGINX GOAL
row() {
	printf '%-28s %10s %10s %7s   goal %s\n' "$1" "$2" "$3" \
	    "$(ratio "$2" "$3")" "$4"
}

echo "$(nproc) cores, $secs s a figure, $clients s_time clients, wrk" \
    "-t2 -c$conns; TLS 1.2"
printf '%-28s %10s %10s %7s\n' "" ltfsee nginx ratio
row "full handshakes/s P-256" "$(handshakes "$d_ec" -new)" \
    "$(handshakes "$n_ec" -new)" ">= 0.30"
row "full handshakes/s RSA 2048" "$(handshakes "$d_rsa" -new)" \
    "$(handshakes "$n_rsa" -new)" "-"
row "resumed handshakes/s P-256" "$(handshakes "$d_ec" -reuse)" \
    "$(handshakes "$n_ec" -reuse)" ">= 0.50"

keepalive() {
	wrk -t2 -c"$conns" -d"${secs}s" "https://127.0.0.1:$1/api/v0.5/" \
	    > "$work/wrk.$1"
	awk '/Requests\/sec/ { printf "%.0f", $2 }' "$work/wrk.$1"
}
rss0=$(awk '/VmRSS/ { print $2 }' /proc/$dpid/status)
row "keep-alive requests/s P-256" "$(keepalive "$d_ec")" \
    "$(keepalive "$n_ec")" ">= 0.70"
rss1=$(awk '/VmRSS/ { print $2 }' /proc/$dpid/status)
for p in "$d_ec" "$n_ec"; do
	e=$(grep -E 'Non-2xx|Socket errors' "$work/wrk.$p" | tr '\n' ' ')
	[ -z "$e" ] || echo "port $p: $e"
done
echo "ltfsee-globusd (P-256) RSS: before wrk ${rss0} kB, after ${rss1} kB"
