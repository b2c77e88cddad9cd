# SIGTERM while eeadm file state hangs: the daemon stops in bounded time
# (well within a service manager's stop timeout), not after eeadm_timeout.
. "$(dirname "$0")/lib.sh"

echo data > "$work/f"
printf '%s\tM\n' "$work/f" > "$FAKE_EEADM_DIR/states"
daemon_config "eeadm_timeout = 120"
daemon_start
touch "$FAKE_EEADM_DIR/hang"
curl -s -m 60 -o /dev/null -H "X-API-KEY: $key" \
    --data-binary "{\"path\": \"$work/f\"}" \
    "$(url /api/v0.5/file_state/file_state)" &
cpid=$!
i=0
until grep -q '^file$' "$FAKE_EEADM_DIR"/call.* 2>/dev/null ||
    [ $i -ge 50 ]; do
	sleep 0.1; i=$((i + 1))
done

t0=$(date +%s)
kill -TERM "$daemon_pid"
i=0
while kill -0 "$daemon_pid" 2>/dev/null && [ $i -lt 600 ]; do
	sleep 0.1; i=$((i + 1))
done
t1=$(date +%s)
if kill -0 "$daemon_pid" 2>/dev/null; then
	not_ok "stopped while eeadm hangs" "still running after 60 s"
else
	ok "stopped while eeadm hangs ($((t1 - t0)) s)"
	if [ $((t1 - t0)) -lt 30 ]; then ok "stopped within 30 s"
	else not_ok "stopped within 30 s" "$((t1 - t0)) s"; fi
fi
wait "$daemon_pid" 2>/dev/null
rc=$?
daemon_pid=""
expect "exit status 0" 0 "$rc"
[ "$rc" = 0 ] || tail -n 40 "$work/daemon.log"
expect_match "says it did not wait" 'still going at stop' \
    "$(cat "$work/daemon.log")"
rm -f "$FAKE_EEADM_DIR/hang"
# The hung fake outlives the daemon: end it (ours only, by its env).
for e in /proc/[0-9]*/environ; do
	if { tr '\0' '\n' < "$e"; } 2>/dev/null |
	    grep -qx "FAKE_EEADM_DIR=$FAKE_EEADM_DIR"; then
		p=${e#/proc/}
		kill "${p%/environ}" 2>/dev/null
	fi
done
wait "$cpid" 2>/dev/null

echo "# $checks checks, $failures failed"
[ "$failures" -eq 0 ]
