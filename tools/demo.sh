#!/bin/sh
# tools/demo.sh (make demo): a simulated tape library, ltfsee-globusd in
# front of it, and a Globus transfer of every file, played twice: with
# the daemon's coalescing on, then off.  Ends with what each cost in
# eeadm runs, tape mounts and tape time, next to the physical limit.
#
# Knobs (environment): DEMO_FILES (2000), DEMO_TAPES (20), DEMO_LIBS (2),
# DEMO_DRIVES (2 per library), DEMO_SPEED (0.01: a tape second lasts
# 10 ms), DEMO_OFF_FILES (files of the coalescing-off run, 200),
# DEMO_OFF_SPEED (0.0002), DL_PAR (32 stage apps at once), DL_POLL (2 s
# between polls; 0.5 s in the coalescing-off run), DL_DEADLINE (120 s
# per run at most).
set -u
. "$(cd "$(dirname "$0")" && pwd)/demo-lib.sh"

files=${DEMO_FILES:-2000}
tapes=${DEMO_TAPES:-20}
libs=${DEMO_LIBS:-2}
drives=${DEMO_DRIVES:-2}
speed=${DEMO_SPEED:-0.01}
off_files=${DEMO_OFF_FILES:-200}
[ "$off_files" -gt "$files" ] && off_files=$files
off_speed=${DEMO_OFF_SPEED:-0.0002}
task="demo-task-$$"
DL_DEADLINE=${DL_DEADLINE:-120}

for p in ltfsee-globusd ltfsee-globus-stage eeadm-sim; do
	[ -x "$dl_bin/$p" ] || { echo "demo: no $dl_bin/$p (make)" >&2; exit 1; }
done

echo "== A tape library: $files files on $tapes tapes in $libs" \
    "libraries, $drives drives each"
dl_populate "$files" "$tapes" "$libs" "$drives" 50M 1G 42 || exit 1
dl_sim set speed "$speed"
find "$dl_work/files" -type f | dl_order /dev/stdin random \
    > "$dl_work/list" || exit 1
echo "   stubs in $dl_work/files; the simulator's clock runs" \
    "$(awk -v s="$speed" 'BEGIN { printf "%g", 1 / s }')x faster" \
    "than a real library"
liblist=$(i=0; while [ $i -lt "$libs" ]; do printf 'lib%d ' $i;
    i=$((i + 1)); done | sed 's/ $//')
echo "   The daemon knows the libraries ($liblist): one eeadm recall" \
    "per batch and library, each file from the library holding its copy."

# 1. Coalescing on: the defaults, with a short recall_delay.
dl_config on "$speed" "recall_delay = 1" "recall_max_wait = 30" \
    "ltfsee_lib = $liblist"
dl_daemon_start on || exit 1
echo
echo "== Globus transfer, coalescing on (recall_delay 1 s)," \
    "daemon on 127.0.0.1:$dl_port"
echo "   $DL_PAR stage apps at once; archived files polled again" \
    "every ${DL_POLL}s"
: > "$dl_work/events"
t0=$(dl_now)
dl_monitor_start "$t0"
dl_play "$dl_work/list" "$task"
rc=$?
dl_monitor_stop
dl_daemon_stop
[ $rc -eq 0 ] || exit 1
sleep 0.3
dl_sim report --format=kv > "$dl_work/on.kv"
on_wall=$dl_wall on_rounds=$dl_rounds on_stages=$dl_stages
echo "   done in ${on_wall}s: $files files resident after" \
    "$on_rounds rounds, $on_stages stage app runs," \
    "$dl_busy answered 503, $dl_errors errors"

# 2. Coalescing off: one file per recall, one path per file state.
dl_reset
dl_sim set speed "$off_speed"
head -n "$off_files" "$dl_work/list" > "$dl_work/off-list"
dl_config off "$off_speed" "recall_delay = 0" "recall_max_files = 1" \
    "state_batch_max = 1" "state_batch_delay = 0" "ltfsee_lib = $liblist"
dl_daemon_start off || exit 1
echo
echo "== The same transfer, coalescing off (recall_max_files 1," \
    "recall_delay 0, state_batch_max 1)"
if [ "$off_files" -lt "$files" ]; then
	echo "   only the first $off_files files of the transfer," \
	    "to keep the demo short"
fi
echo "   replayed at speed $off_speed: tape seconds are charged" \
    "in full whatever the speed"
DL_EVERY=5 DL_POLL=0.5 dl_play "$dl_work/off-list" "$task"
rc=$?
echo "   done in ${dl_wall}s: $off_files files resident after" \
    "$dl_rounds rounds, $dl_stages stage app runs," \
    "$dl_busy answered 503, $dl_errors errors"
dl_daemon_stop
[ $rc -eq 0 ] || exit 1
sleep 0.3
dl_sim report --format=kv > "$dl_work/off.kv"
off_resident=$(awk -F= '$1 == "premigrated" || $1 == "resident" \
    { s += $2 } END { print s + 0 }' "$dl_work/off.kv")
[ "$off_resident" -eq "$off_files" ] || {
	echo "demo: coalescing-off run left files on tape" >&2
	exit 1
}

# 3. The summary.
echo
echo "== Summary"
awk -F= -v files="$files" -v off_files="$off_files" '
FILENAME ~ /on.kv$/ { on[$1] = $2 }
FILENAME ~ /off.kv$/ { off[$1] = $2 }
function row(name, a, b) { printf "  %-28s %14s %14s\n", name, a, b }
function hms(s) { return sprintf("%dh%02dm", s / 3600, (s % 3600) / 60) }
END {
	row("", "coalescing on", "coalescing off")
	row("files", files, off_files)
	row("eeadm recall runs", on["runs_recall"], off["runs_recall"])
	row("files per recall run", sprintf("%.1f", files / on["runs_recall"]),
	    sprintf("%.1f", off_files / off["runs_recall"]))
	row("eeadm file state runs", on["runs_file_state"],
	    off["runs_file_state"])
	row("tape mounts", on["mounts"], off["mounts"])
	row("tape mounts, physical limit", on["limit_mounts"],
	    off["limit_mounts"])
	row("tape time (s)", sprintf("%.0f", on["tape_s"]),
	    sprintf("%.0f", off["tape_s"]))
	row("tape time", hms(on["tape_s"]), hms(off["tape_s"]))
	row("physical limit (s)", sprintf("%.0f", on["limit_s"]),
	    sprintf("%.0f", off["limit_s"]))
	row("tape time / limit", sprintf("%.3f", on["ratio"]),
	    sprintf("%.3f", off["ratio"]))
	if (off_files < files)
		printf "  Coalescing off for all %d files: about %.0f s of " \
		    "tape time (%.0fx the limit),\n  scaled from %d files.\n",
		    files, off["tape_s"] * files / off_files,
		    off["tape_s"] * files / off_files / on["limit_s"],
		    off_files
}' "$dl_work/on.kv" "$dl_work/off.kv"
echo "  Tape time: each library's busy time (its drives in parallel)," \
    "summed over libraries."
echo "  The physical limit mounts each tape needed once and reads it in" \
    "order, spread over the drives."
exit 0
