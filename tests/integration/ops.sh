# Operations: systemd notifications, /metrics, /healthz, SIGUSR1, and
# who may read the two operations routes.
. "$(dirname "$0")/lib.sh"

listen="$bin/tests/tools/notify-listen"
g="$work/gpfs"
mkdir -p "$g"
echo data > "$g/res"
printf '%s\tR\n' "$g/res" > "$FAKE_EEADM_DIR/states"

# wait_for FILE REGEX: up to 10 s for a line of FILE to match.
wait_for() {
	i=0
	while [ $i -lt 100 ]; do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# get ROUTE [curl args]: sets $status and $body, without the API key.
get() {
	r=$1
	shift
	body=$(curl -s -m 10 -o - -w '\n%{http_code}' "$@" "$(url "$r")")
	status=$(printf '%s' "$body" | tail -n 1)
	body=$(printf '%s' "$body" | sed '$d')
}

# metric NAME_WITH_LABELS: the value of that sample in $body, or "none".
metric() {
	printf '%s\n' "$body" | awk -v k="$1" '
	    $1 == k { print $2; found = 1 } END { if (!found) print "none" }'
}

# eeadm goes through a wrapper that keeps the environment it was given.
cat > "$work/eeadm-env" <<EOF
#!/bin/sh
env > "$work/eeadm.env"
exec "$top/tests/fake-eeadm" "\$@"
EOF
chmod +x "$work/eeadm-env"
daemon_config "eeadm_timeout = 1" "allowed_paths = $g"
sed "s|^eeadm = .*|eeadm = $work/eeadm-env|" "$work/ltfsee-globus.ini" \
    > "$work/ini" && mv "$work/ini" "$work/ltfsee-globus.ini"

# --- systemd notifications over a path and an abstract socket ---------
for addr in "$work/notify.sock" "@ltfsee-it-$$"; do
	# A file per listener: an earlier one may not have exited yet.
	nout="$work/notify.$(printf '%s' "$addr" | cksum | cut -d' ' -f1).out"
	"$listen" "$addr" 30 > "$nout" &
	lpid=$!
	wait_for "$nout" '^listening$' ||
	    not_ok "listener started ($addr)"
	export NOTIFY_SOCKET="$addr" WATCHDOG_USEC=200000
	daemon_start
	unset NOTIFY_SOCKET WATCHDOG_USEC
	if wait_for "$nout" '^READY=1 STATUS=serving on '; then
		ok "READY=1 with a STATUS ($addr)"; else
		not_ok "READY=1 with a STATUS ($addr)" "$(cat "$nout")"; fi
	if wait_for "$nout" '^WATCHDOG=1 $'; then
		ok "watchdog pings ($addr)"; else
		not_ok "watchdog pings ($addr)"; fi
	wait_for "$work/eeadm.env" 'PATH=' ||
	    not_ok "eeadm ran under NOTIFY_SOCKET ($addr)"
	expect "eeadm does not inherit NOTIFY_SOCKET or WATCHDOG_* ($addr)" \
	    "" "$(grep -E '^(NOTIFY_SOCKET|WATCHDOG_)' "$work/eeadm.env")"
	rm -f "$work/eeadm.env"
	kill -HUP "$daemon_pid"
	if wait_for "$nout" '^RELOADING=1 MONOTONIC_USEC=[0-9]+ $' &&
	    wait_for "$nout" '^READY=1 STATUS=configuration reloaded'
	then ok "SIGHUP: RELOADING=1 then READY=1 ($addr)"; else
		not_ok "SIGHUP: RELOADING=1 then READY=1 ($addr)" \
		    "$(cat "$nout")"; fi
	order=$(grep -nE '^(RELOADING|READY=1 STATUS=conf)' \
	    "$nout" | cut -d: -f1 | tr '\n' ' ')
	expect_match "RELOADING=1 comes before READY=1 ($addr)" \
	    '^[0-9]+ [0-9]+ $' "$order"
	[ "${order%% *}" -lt "$(echo "$order" | cut -d' ' -f2)" ] ||
	    not_ok "RELOADING line before READY line"
	kill -TERM "$daemon_pid"
	if wait "$lpid"; then ok "SIGTERM: STOPPING=1 ($addr)"; else
		not_ok "SIGTERM: STOPPING=1 ($addr)" "$(cat "$nout")"; fi
	daemon_stop
done

# Without NOTIFY_SOCKET the daemon runs and says nothing of it.
daemon_start
expect "runs without NOTIFY_SOCKET" "" \
    "$(grep -i notify "$work/daemon.log")"

# --- /healthz ----------------------------------------------------------
# The first probe runs at start; poll until it has answered.
healthz_until() {
	i=0
	while [ $i -lt 50 ]; do
		get /healthz
		[ "$status" = "$1" ] && return 0
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}
healthz_until 200
expect "healthz with a working eeadm: 200" 200 "$status"
expect "healthz body" '{"status": "ok"}' "$body"
expect_match "the probe ran eeadm node list" '^probe$' \
    "$(head -n 1 "$FAKE_EEADM_DIR/probes" 2>/dev/null)"

: > "$FAKE_EEADM_DIR/fail"
healthz_until 503
expect "healthz when eeadm fails: 503" 503 "$status"
expect_match "503 says why" '"message": "eeadm node list exited 1: ' "$body"
rm -f "$FAKE_EEADM_DIR/fail"
healthz_until 200
expect "healthz recovers: 200" 200 "$status"

: > "$FAKE_EEADM_DIR/hang"
healthz_until 503
expect "healthz when eeadm hangs: 503" 503 "$status"
expect_match "503 names the timeout" 'timed out' "$body"
st=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$(url /healthz)")
expect "healthz answers at once while the probe hangs" 503 "$st"
rm -f "$FAKE_EEADM_DIR/hang"
healthz_until 200

get /healthz -X POST
expect "POST /healthz: 405" 405 "$status"

# --- /metrics ------------------------------------------------------------
api POST /api/v0.5/file_state/file_state "{\"path\": \"$g/res\"}"
get /metrics
expect "metrics: 200" 200 "$status"
ctype=$(curl -s -o /dev/null -w '%{content_type}' "$(url /metrics)")
expect "metrics content type" "text/plain; version=0.0.4; charset=utf-8" \
    "$ctype"

# Every line is a comment of the two kinds or a sample; every sample's
# family has a TYPE before it; counters end in _total.
bad=$(printf '%s\n' "$body" | awk '
	/^# HELP ltfsee_globus_[a-z_]+ .+$/ { next }
	/^# TYPE ltfsee_globus_[a-z_]+ (counter|gauge|histogram)$/ {
		type[$3] = $4
		if ($4 == "counter" && $3 !~ /_total$/) print "name: " $0
		next
	}
	/^ltfsee_globus_[a-z_]+(\{([a-z_]+="([^"\\]|\\.)*",?)*\})? [0-9]+(\.[0-9]+)?$/ {
		name = $1
		sub(/\{.*/, "", name)
		base = name
		sub(/_(bucket|sum|count)$/, "", base)
		if (!(name in type) && !((base in type) &&
		    type[base] == "histogram"))
			print "no TYPE: " $0
		next
	}
	{ print "bad: " $0 }')
expect "metrics: every line parses" "" "$bad"

# Histogram buckets never decrease, and +Inf equals _count.
hbad=$(printf '%s\n' "$body" | awk '
	function key(s) {
		sub(/_(bucket|count)/, "", s)
		sub(/,?le="[^"]*"/, "", s)
		if (s !~ /\{/) s = s "{}"
		return s
	}
	/_bucket\{/ {
		k = key($1)
		if ((k in last) && $2 + 0 < last[k]) print "decreasing: " $0
		last[k] = $2 + 0
		if ($1 ~ /le="\+Inf"/) inf[k] = $2
		next
	}
	/_count/ { cnt[key($1)] = $2 }
	END {
		for (k in inf) if (cnt[k] != inf[k]) print "count: " k
		for (k in cnt) if (!(k in inf)) print "no +Inf: " k
	}')
expect "metrics: buckets are cumulative" "" "$hbad"

before=$(metric 'ltfsee_globus_http_requests_total{route="file_state",code="201"}')
hits0=$(metric ltfsee_globus_state_cache_hits_total)
runs0=$(metric 'ltfsee_globus_eeadm_runs_total{command="file_state",outcome="ok"}')
expect_match "a file_state request is counted" '^[1-9][0-9]*$' "$before"
expect_match "its eeadm run is counted" '^[1-9][0-9]*$' "$runs0"
for i in 1 2 3; do
	api POST /api/v0.5/file_state/file_state "{\"path\": \"$g/res\"}"
done
api POST /api/v0.5/nothing '{}'
get /metrics
expect "requests counter grew by 3" $((before + 3)) \
    "$(metric 'ltfsee_globus_http_requests_total{route="file_state",code="201"}')"
expect "cache hits grew by 3" $((hits0 + 3)) \
    "$(metric ltfsee_globus_state_cache_hits_total)"
expect "a 404 is counted under route none" 1 \
    "$(metric 'ltfsee_globus_http_requests_total{route="none",code="404"}')"
expect "open connections include this one" 1 \
    "$(metric ltfsee_globus_connections_open)"
expect_match "latency histogram has the requests" '^[1-9][0-9]*$' \
    "$(metric 'ltfsee_globus_http_request_duration_seconds_count{route="file_state"}')"
expect "healthy gauge" 1 "$(metric ltfsee_globus_healthy)"

if command -v promtool > /dev/null 2>&1; then
	if printf '%s\n' "$body" | promtool check metrics; then
		ok "promtool check metrics"; else
		not_ok "promtool check metrics"; fi
else
	echo "# promtool not installed: skipped promtool check metrics"
fi

# --- who may read them ---------------------------------------------------
# From loopback without a key by default; with metrics_auth, only with
# the key.  (A non-loopback peer cannot be made here: the daemon and the
# tests share 127.0.0.1, so that half is covered by the API's code path
# alone.)
daemon_stop
daemon_config "eeadm_timeout = 1" "metrics_auth = yes"
daemon_start
get /metrics
expect "metrics_auth: no key: 401" 401 "$status"
get /healthz
expect "metrics_auth: healthz without key: 401" 401 "$status"
get /metrics -H "X-API-KEY: $key"
expect "metrics_auth: with the key: 200" 200 "$status"
get /metrics -H "X-API-KEY: wrong"
expect "metrics_auth: wrong key: 401" 401 "$status"

# --- SIGUSR1 logs the counters -------------------------------------------
kill -USR1 "$daemon_pid"
if wait_for "$work/daemon.log" 'recall: submitted [0-9]+' &&
    wait_for "$work/daemon.log" 'state: cache hits [0-9]+' &&
    wait_for "$work/daemon.log" 'connections open [0-9]+'; then
	ok "SIGUSR1 logs server, state and recall counters"; else
	not_ok "SIGUSR1 logs server, state and recall counters"; fi

finish
