# The recall queue against a live daemon and the fake eeadm: a burst of
# polls for migrated files costs one recall and a few state runs, each
# file listed once; after the recall the files answer resident; and a
# kill -9 with files queued loses none of them.
. "$(dirname "$0")/lib.sh"

g="$work/gpfs"
mkdir -p "$g"
n=40
i=0
: > "$FAKE_EEADM_DIR/states"
while [ $i -lt $n ]; do
	echo data > "$g/m$i"
	printf '%s\tM\n' "$g/m$i" >> "$FAKE_EEADM_DIR/states"
	i=$((i + 1))
done

GR=/api/v0.5/globus_recall/globus_recall

# poll_all TAG: asks for every file at once; answers land in $work/TAG.*
poll_all() {
	i=0
	pids=""
	while [ $i -lt $n ]; do
		body="{\"path\": \"$g/m$i\", \"globus_taskid\": \"t\"}"
		curl -s -m 10 -H "X-API-KEY: $key" --data-binary "$body" \
		    "$(url $GR)" > "$work/$1.$i" &
		pids="$pids $!"
		i=$((i + 1))
	done
	for p in $pids; do wait "$p"; done
}

# call_files: the argument files of every eeadm run, in call order.
call_files() {
	ls "$FAKE_EEADM_DIR" | grep -E '^call\.[0-9]+$' | sort -t. -k2 -n |
	    sed "s|^|$FAKE_EEADM_DIR/|"
}

# count_calls WORD: how many eeadm runs began with WORD.
count_calls() {
	for f in $(call_files); do head -n 1 "$f"; done | grep -cx "$1"
}

# last_list: the list of the last recall.
last_list() {
	for f in $(call_files); do
		[ "$(head -n 1 "$f")" = recall ] && echo "$f.list"
	done | tail -n 1
}

# wait_calls WORD N: waits (5 s at most) for N runs beginning with WORD.
wait_calls() {
	j=0
	while [ "$(count_calls "$1")" -lt "$2" ] && [ $j -lt 50 ]; do
		sleep 0.1
		j=$((j + 1))
	done
}

daemon_config "state_batch_delay = 0.05" "recall_delay = 0.5"
daemon_start

poll_all a
poll_all b
poll_all c
expect "every poll answered archived" $((3 * n)) \
    "$(cat "$work"/[abc].* | grep -o archived | wc -l)"
wait_calls recall 1
sleep 0.7
expect "one recall for the burst" 1 "$(count_calls recall)"
list=$(last_list)
expect "each file listed once" "$n" "$(sort -u "$list" | wc -l)"
expect "no file listed twice" "$n" "$(wc -l < "$list")"
states=$(count_calls file)
if [ "$states" -le 12 ]; then ok "state runs batched ($states)"
else not_ok "state runs batched" "$states runs for $((3 * n)) polls"; fi

# The recall dropped the cached states: the next poll sees them on disk.
poll_all d
expect "resident after the recall" "$n" \
    "$(cat "$work"/d.* | grep -o resident | wc -l)"
expect "no recall started by a re-poll" 1 "$(count_calls recall)"

# kill -9 with files queued, then a restart: each recalled once.
i=0
while [ $i -lt $n ]; do
	sed -i "s|^$g/m$i	P|$g/m$i	M|" "$FAKE_EEADM_DIR/states"
	i=$((i + 1))
done
daemon_stop
daemon_config "state_batch_delay = 0.05" "recall_delay = 60" \
    "recall_max_wait = 60" "cache_default_timeout = 0"
daemon_start
poll_all e
expect "queued before the kill" "$n" \
    "$(cat "$work"/e.* | grep -o archived | wc -l)"
sleep 0.5
kill -KILL "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
daemon_pid=""
before=$(count_calls recall)
daemon_config "state_batch_delay = 0.05" "recall_delay = 0.2"
daemon_start
wait_calls recall $((before + 1))
sleep 0.5
expect "one recall after the restart" $((before + 1)) \
    "$(count_calls recall)"
list=$(last_list)
expect "every queued file recalled once after kill -9" "$n" \
    "$(sort -u "$list" | wc -l)"
expect "none twice after kill -9" "$n" "$(wc -l < "$list")"

finish
