# A SIGHUP that adds tape libraries to ltfsee_lib: the recall queues are
# made at start only, so every recall must still be accepted afterwards
# (none may be refused as "library ... is not configured").
. "$(dirname "$0")/lib.sh"

g="$work/g"
mkdir -p "$g"
: > "$FAKE_EEADM_DIR/states"
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	: > "$g/f$i"
	printf '%s\tM\n' "$g/f$i" >> "$FAKE_EEADM_DIR/states"
done

daemon_config "ltfsee_lib = lib1" "recall_delay = 60" "recall_max_wait = 60"
daemon_start
api POST /api/v0.5/globus_recall/globus_recall \
    "{\"path\": \"$g/f1\", \"globus_taskid\": \"before\"}"
expect "recall before the reload" "201 {\"state\": \"archived\"}" \
    "$status $body"

daemon_config "ltfsee_lib = lib1 lib2 lib3" "recall_delay = 60" \
    "recall_max_wait = 60"
kill -HUP "$daemon_pid"
i=0
while ! grep -q "configuration reloaded" "$work/daemon.log" &&
    [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
expect "reload accepted" 1 "$(grep -c "configuration reloaded" \
    "$work/daemon.log")"

# Twelve task ids: with three libraries, most land on lib2 or lib3.
refused=""
for i in 2 3 4 5 6 7 8 9 10 11 12; do
	api POST /api/v0.5/globus_recall/globus_recall \
	    "{\"path\": \"$g/f$i\", \"globus_taskid\": \"task-$i\"}"
	[ "$status $body" = "201 {\"state\": \"archived\"}" ] ||
		refused="$refused task-$i: $status $body;"
done
expect "every recall after the reload is accepted" "" "$refused"

finish
