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

finish
