# An eeadm whose "file state" exits 0 but prints junk: a burst of
# distinct paths that share one batch must not cost one eeadm run per
# path (asking each path alone cannot make a broken eeadm readable, and
# with a real eeadm taking seconds a run each means minutes of waiting
# and a fork per poll).  Every answer is still 502.
. "$(dirname "$0")/lib.sh"

g="$work/g"
mkdir -p "$g"
: > "$FAKE_EEADM_DIR/states"
for i in $(seq 1 30); do
	: > "$g/f$i"
	printf '%s\tM\n' "$g/f$i" >> "$FAKE_EEADM_DIR/states"
done

daemon_config "state_batch_delay = 1"
daemon_start
touch "$FAKE_EEADM_DIR/garbage"
echo 0 > "$FAKE_EEADM_DIR/count"

# Twenty-eight paths in one batch (they all arrive within state_batch_delay).
before=$(cat "$FAKE_EEADM_DIR/count")
pids=""
for i in $(seq 1 28); do
	curl -s -m 60 -o /dev/null -w '%{http_code}\n' -H "X-API-KEY: $key" \
	    --data-binary "{\"path\": \"$g/f$i\"}" \
	    "$(url /api/v0.5/file_state/file_state)" >> "$work/codes" &
	pids="$pids $!"
done
for p in $pids; do wait "$p"; done
expect "garbage burst: every answer 502" 28 "$(grep -c '^502$' "$work/codes")"
runs=$(( $(cat "$FAKE_EEADM_DIR/count") - before ))
if [ "$runs" -le 14 ]; then
	ok "garbage burst: $runs eeadm runs for 28 paths"
else
	not_ok "garbage burst: at most 14 eeadm runs for 28 paths" \
	    "$runs runs: one per path"
fi

finish
