#!/bin/sh
# bench/tape.sh: the make demo transfer over several tape layouts and
# request orders, with the daemon's coalescing on and off, and what each
# cost in eeadm runs, tape mounts and tape time next to the physical
# limit (each tape needed mounted once and read in order).  Goal: tape
# time within 1.05x the limit with coalescing on.
#
#   bench/tape.sh [quick]     (quick: one layout, two orders)
#
# Each layout is FILES:TAPES:LIBRARIES:DRIVES[:MAXFILES], MAXFILES being
# the daemon's recall_max_files (default 10000).  Override with
# LAYOUTS="..." and ORDERS="sorted random reverse".  Coalescing off
# (recall_max_files 1, recall_delay 0, state_batch_max 1) plays the first
# OFF_FILES (100) files of the same order; its tape seconds do not depend
# on the replay speed.  Everything runs on 127.0.0.1, in a temporary
# directory removed at the end; each transfer is cut at DL_DEADLINE
# (180) seconds.
set -u
LTFSEE_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$LTFSEE_TOP/tools/demo-lib.sh"

layouts=${LAYOUTS:-"2000:20:2:2 2000:4:1:2 1000:50:2:4 3000:10:1:1 \
2000:20:2:2:500"}
orders=${ORDERS:-"sorted random reverse"}
if [ "${1:-}" = quick ]; then
	layouts="2000:20:2:2"
	orders="sorted random"
fi
speed=${SPEED:-0.002}
off_files=${OFF_FILES:-100}
DL_DEADLINE=${DL_DEADLINE:-180}
DL_POLL=${DL_POLL:-1}
DL_QUIET=1
out="$dl_work/table"

for p in ltfsee-globusd ltfsee-globus-stage eeadm-sim; do
	[ -x "$dl_bin/$p" ] || { echo "bench: no $dl_bin/$p (make)" >&2; exit 1; }
done

# row LAYOUT ORDER MODE FILES KVFILE WALL: one line of the table.
row() {
	awk -F= -v l="$1" -v o="$2" -v m="$3" -v n="$4" -v w="$6" '
	{ v[$1] = $2 }
	END {
		printf "%-18s %-7s %-4s %5d %6d %8.1f %6d %9.0f %9.0f %6.3f" \
		    " %5.0f\n", l, o, m, n, v["runs_recall"],
		    n / (v["runs_recall"] ? v["runs_recall"] : 1), v["mounts"],
		    v["tape_s"], v["limit_s"], v["ratio"], w
	}' "$5"
}

printf '%-18s %-7s %-4s %5s %6s %8s %6s %9s %9s %6s %5s\n' \
    "files:tapes:libs:drv" order mode files recall files/run mounts \
    "tape s" "limit s" ratio "wall" | tee "$out"
status=0
for layout in $layouts; do
	IFS=: read -r nf nt nl nd maxf <<EOF
$layout
EOF
	dl_populate "$nf" "$nt" "$nl" "$nd" 50M 1G 42 || exit 1
	find "$dl_work/files" -type f > "$dl_work/all"
	for order in $orders; do
		dl_order "$dl_work/all" "$order" > "$dl_work/list" || exit 1

		dl_reset
		dl_config on "$speed" "recall_delay = 1" \
		    "recall_max_wait = 60" \
		    "recall_max_files = ${maxf:-10000}"
		dl_daemon_start on || exit 1
		dl_play "$dl_work/list" "bench-$order" || status=1
		dl_daemon_stop
		dl_sim report --format=kv > "$dl_work/kv"
		row "$layout" "$order" on "$nf" "$dl_work/kv" "$dl_wall" |
		    tee -a "$out"

		dl_reset
		head -n "$off_files" "$dl_work/list" > "$dl_work/off"
		dl_config off 0.0002 "recall_delay = 0" \
		    "recall_max_files = 1" "state_batch_max = 1" \
		    "state_batch_delay = 0"
		dl_daemon_start off || exit 1
		DL_POLL=0.5 dl_play "$dl_work/off" "bench-$order" || status=1
		dl_daemon_stop
		dl_sim report --format=kv > "$dl_work/kv"
		row "$layout" "$order" off "$(wc -l < "$dl_work/off")" \
		    "$dl_work/kv" "$dl_wall" | tee -a "$out"
	done
done
echo "on: recall_delay 1 s, recall_max_wait 60 s, simulator speed $speed;" \
    "off: the first $off_files files, one per recall."
echo "tape s: the sum over libraries of each library's busy time;" \
    "limit s: the same for one mount per tape; wall: seconds of the run."
awk '$3 == "on" { capped = split($1, f, ":") > 4 }
$3 == "on" && $10 > 1.05 { if (capped) bad_capped++; else bad++ }
END {
	if (bad) printf "%d coalescing-on rows above 1.05x the limit\n", bad
	else print "every coalescing-on row at the default recall_max_files" \
	    " within 1.05x the limit"
	if (bad_capped) printf "%d rows with recall_max_files capped (the " \
	    "5th layout field) above it:\neach batch mounts every tape " \
	    "it touches again\n", bad_capped
}' "$out"
exit $status
