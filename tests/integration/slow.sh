# Slow and silent clients are dropped on time and never hold a worker;
# a thousand keep-alive connections are served by eight workers.
. "$(dirname "$0")/lib.sh"

lt="$bin/tests/tools/loadtool"
daemon_config "threads = 8" "header_timeout = 2" "keepalive_timeout = 30"

daemon_start
threads=$(ls /proc/$daemon_pid/task | wc -l)

# 300 sockets that say nothing: a real request is served within a second,
# and all 300 are closed around the header deadline (2 s), not later.
out=$("$lt" slow "$port" 300 silent 8)
echo "# silent: $out"
served=$(echo "$out" | sed 's/.*served_ms=\([-0-9]*\).*/\1/')
closed=$(echo "$out" | sed 's/.*closed=\([0-9]*\).*/\1/')
last=$(echo "$out" | sed 's/.*last_close_ms=\([0-9]*\).*/\1/')
if [ "$served" -ge 0 ] && [ "$served" -lt 1000 ]; then
	ok "served in ${served} ms beside 300 silent sockets"
else not_ok "served beside 300 silent sockets" "$out"; fi
expect "300 silent sockets closed" 300 "$closed"
if [ "$last" -lt 4000 ]; then ok "closed on time (${last} ms)"
else not_ok "closed on time" "$out"; fi

# 300 sockets trickling a byte a second: the header deadline is not
# pushed back by each byte.
out=$("$lt" slow "$port" 300 trickle 8)
echo "# trickle: $out"
served=$(echo "$out" | sed 's/.*served_ms=\([-0-9]*\).*/\1/')
closed=$(echo "$out" | sed 's/.*closed=\([0-9]*\).*/\1/')
last=$(echo "$out" | sed 's/.*last_close_ms=\([0-9]*\).*/\1/')
if [ "$served" -ge 0 ] && [ "$served" -lt 1000 ]; then
	ok "served in ${served} ms beside 300 trickling sockets"
else not_ok "served beside 300 trickling sockets" "$out"; fi
expect "300 trickling sockets closed" 300 "$closed"
if [ "$last" -lt 4000 ]; then ok "trickling closed on time (${last} ms)"
else not_ok "trickling closed on time" "$out"; fi

# A thousand keep-alive connections, five requests each, eight workers.
out=$("$lt" keepalive "$port" 1000 5)
echo "# keepalive: $out"
expect "1000 keep-alive connections served" \
    "conns=1000 ok=5000 errors=0" "$out"
expect "no thread per connection" "$threads" \
    "$(ls /proc/$daemon_pid/task | wc -l)"

# A client that pipelines requests and never reads its answers holds no
# worker: with one worker, another client is still served at once.
daemon_stop
daemon_config "threads = 1" "write_timeout = 20" "loglevel = warning"
sed -i '/^loglevel = debug$/d' "$work/ltfsee-globus.ini"
daemon_start
"$lt" pipeline "$port" 100000 6 > "$work/pipe.out" &
ppid=$!
i=0
until grep -q sent= "$work/pipe.out" 2>/dev/null || [ $i -ge 100 ]; do
	sleep 0.1; i=$((i + 1)); done
echo "# pipeline: $(cat "$work/pipe.out")"
t=$(curl -s -o /dev/null -m 10 -w '%{http_code} %{time_total}' \
    "$(url /api/v0.5/)")
echo "# other client: $t"
expect "served beside a client that does not read" 200 "${t%% *}"
if [ "$(echo "${t#* }" | cut -d. -f1)" -lt 3 ]; then
	ok "served without waiting for the write timeout"
else not_ok "served without waiting for the write timeout" "$t"; fi
wait "$ppid"

# A body that stops coming is dropped at the body deadline.
daemon_stop
daemon_config "threads = 2" "header_timeout = 2" "body_timeout = 1" \
    "max_connections = 20"
daemon_start
t0=$(date +%s)
reply=$(printf 'POST /api/v0.5/file_state/file_state HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n{"pa' |
    timeout 10 curl -s -m 8 telnet://127.0.0.1:$port 2>/dev/null)
t1=$(date +%s)
expect "stalled body: closed without an answer" "" "$reply"
if [ $((t1 - t0)) -lt 5 ]; then ok "stalled body dropped on time"
else not_ok "stalled body dropped on time" "$((t1 - t0)) s"; fi

# Over max_connections: 503 and close, and the daemon serves again after.
: > "$work/hold.out"
"$lt" hold "$port" 20 silent 4 > "$work/hold.out" &
hpid=$!
i=0
until grep -q opened= "$work/hold.out" || [ $i -ge 50 ]; do
	sleep 0.1; i=$((i + 1)); done
raw 'GET /api/v0.5/ HTTP/1.1\r\nHost: t\r\n\r\n'
expect "over max_connections: 503" "HTTP/1.1 503 Service Unavailable" \
    "$status_line"
expect_match "503 body is JSON" '^\{"message": ".+"\}$' \
    "$(printf '%s\n' "$reply" | tail -n 1)"
wait "$hpid"
api GET /api/v0.5/ ""
expect "served once they are gone" 200 "$status"

finish
