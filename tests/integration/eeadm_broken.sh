# An eeadm that crashes or prints junk to "file state": the client gets a
# 502 that says what happened, and the daemon log says it at warning
# level (a server fault, not the client's).
. "$(dirname "$0")/lib.sh"

g="$work/g"
mkdir -p "$g"
: > "$FAKE_EEADM_DIR/states"
for i in 1 2; do
	: > "$g/f$i"
	printf '%s\tM\n' "$g/f$i" >> "$FAKE_EEADM_DIR/states"
done

daemon_config "state_batch_delay = 1"
daemon_start

state() {
	api POST /api/v0.5/file_state/file_state "{\"path\": \"$1\"}"
}

touch "$FAKE_EEADM_DIR/crash"
state "$g/f1"
expect "crash: 502" 502 "$status"
expect_match "crash: the message names the signal" "signal 11" "$body"
expect_match "crash: logged at warning level" "warning: .*$g/f1" \
    "$(cat "$work/daemon.log")"
rm -f "$FAKE_EEADM_DIR/crash"

touch "$FAKE_EEADM_DIR/garbage"
state "$g/f2"
expect "garbage: 502" 502 "$status"
expect_match "garbage: logged at warning level" "warning: .*$g/f2" \
    "$(cat "$work/daemon.log")"

rm -f "$FAKE_EEADM_DIR/garbage"

finish
