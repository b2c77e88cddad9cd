# tools/demo-lib.sh: a Globus transfer played against ltfsee-globusd and
# the tape library simulator, shared by tools/demo.sh (make demo) and
# bench/tape.sh.  Sourced, not run.
#
# Everything lives in one temporary directory ($dl_work) that is removed
# on exit, with the daemon and the progress monitor it started.  The
# daemon listens on 127.0.0.1 on a port the kernel picks.  Its eeadm is
# tools/demo-eeadm in front of bin/eeadm-sim, so the start of every
# recall is noted in $dl_work/events and its end in the simulator's log.
#
# A transfer (dl_play) is what Globus does: run the stage app once for
# every file, DL_PAR at a time, then every DL_POLL seconds again for each
# file that was "archived", until all are "resident".

set -u
dl_top=${LTFSEE_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
dl_bin=${LTFSEE_BIN:-$dl_top/bin}
dl_work=$(mktemp -d "${TMPDIR:-/tmp}/ltfsee-demo.XXXXXX")
dl_key="demo-key-$$"
dl_dpid=""
dl_mpid=""
dl_port=""
DL_PAR=${DL_PAR:-32}
DL_POLL=${DL_POLL:-2}
DL_DEADLINE=${DL_DEADLINE:-300}
DL_QUIET=${DL_QUIET:-0}
DL_EVERY=${DL_EVERY:-1}

# The stage app reads these too; a user's own settings must not leak in.
unset LTFSEE_URL AUTH_KEY AUTH_KEY_FILE TIMEOUT AUTOFS DEPTH DEBUG REMAP \
    CA_FILE TLS_VERIFY EXIT_RESIDENT EXIT_ARCHIVED EXIT_NOT_FOUND \
    EXIT_ERROR LTFSEE_GLOBUS_CONFIG EEADM_SIM_LOG EEADM_SIM_SPEED

dl_cleanup() {
	dl_monitor_stop
	dl_daemon_stop
	rm -rf "$dl_work"
}
trap dl_cleanup EXIT
trap 'exit 130' INT TERM

dl_now() {
	date +%s.%N
}

# dl_elapsed T0: seconds since T0, one decimal.
dl_elapsed() {
	awk -v a="$1" -v b="$(dl_now)" 'BEGIN { printf "%.1f", b - a }'
}

dl_sim() {
	"$dl_bin/eeadm-sim" "$@"
}

# dl_populate FILES TAPES LIBRARIES DRIVES SIZE_MIN SIZE_MAX SEED: a new
# catalogue with every file migrated, stubs under $dl_work/files.
dl_populate() {
	export EEADM_SIM_CATALOGUE="$dl_work/catalogue"
	export EEADM_SIM_LOG="$dl_work/sim.log"
	rm -rf "$dl_work/files" "$EEADM_SIM_CATALOGUE"
	: > "$EEADM_SIM_LOG"
	dl_sim populate --files "$1" --tapes "$2" --libraries "$3" \
	    --drives "$4" --size-min "$5" --size-max "$6" --seed "$7" \
	    --dir "$dl_work/files" --force > /dev/null
}

# dl_kv KEY: one value of "eeadm-sim report --format=kv".
dl_kv() {
	dl_sim report --format=kv | sed -n "s/^$1=//p"
}

# dl_config NAME SPEED [LINE...]: writes $dl_work/NAME.ini for a daemon
# whose eeadm is the simulator running at SPEED; LINEs are extra
# "key = value" settings of [server].  The eeadm command line goes to
# $dl_work/NAME.eeadm, for the EEADM variable.
dl_config() {
	dl_name=$1 dl_speed=$2
	shift 2
	mkdir -p "$dl_work/state-$dl_name"
	{
		echo "[server]"
		echo "auth_key = $dl_key"
		echo "bind = 127.0.0.1:0"
		echo "loglevel = info"
		echo "state_dir = $dl_work/state-$dl_name"
		echo "allowed_paths = $dl_work/files"
		echo "eeadm_timeout = 60"
		echo "recall_timeout = 600"
		for line in "$@"; do echo "$line"; done
	} > "$dl_work/$dl_name.ini"
	chmod 600 "$dl_work/$dl_name.ini"

	# Longer than an INI line may be, so it goes in the environment.
	echo "/usr/bin/env EEADM_SIM=$dl_bin/eeadm-sim" \
	    "EEADM_SIM_CATALOGUE=$EEADM_SIM_CATALOGUE" \
	    "EEADM_SIM_LOG=$EEADM_SIM_LOG EEADM_SIM_SPEED=$dl_speed" \
	    "DEMO_EVENTS=$dl_work/events" \
	    "/bin/sh $dl_top/tools/demo-eeadm" > "$dl_work/$dl_name.eeadm"
}

# dl_daemon_start NAME: starts the daemon on $dl_work/NAME.ini with a
# clean environment and waits until it listens; sets $dl_port.
dl_daemon_start() {
	: > "$dl_work/daemon-$1.log"
	env -i PATH="$PATH" EEADM="$(cat "$dl_work/$1.eeadm")" \
	    "$dl_bin/ltfsee-globusd" -d \
	    -f "$dl_work/$1.ini" 2> "$dl_work/daemon-$1.log" &
	dl_dpid=$!
	i=0
	while [ $i -lt 100 ]; do
		dl_port=$(sed -n 's/.*listening on .*(port \([0-9]*\)).*/\1/p' \
		    "$dl_work/daemon-$1.log" | head -n 1)
		[ -n "$dl_port" ] && return 0
		kill -0 "$dl_dpid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	echo "demo: the daemon did not start:" >&2
	cat "$dl_work/daemon-$1.log" >&2
	return 1
}

dl_daemon_stop() {
	[ -n "$dl_dpid" ] || return 0
	kill -TERM "$dl_dpid" 2>/dev/null
	i=0
	while kill -0 "$dl_dpid" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$dl_dpid" 2>/dev/null
	wait "$dl_dpid" 2>/dev/null
	dl_dpid=""
}

# dl_reset: every file migrated again, counters, clock and logs zeroed.
dl_reset() {
	dl_sim reset
	: > "$EEADM_SIM_LOG"
	: > "$dl_work/events"
}

# The monitor prints each recall when it starts (from the events file)
# and when it ends (from the simulator's log), as it happens.
dl_monitor() {
	t0=$1 seen_s=0 seen_e=0
	while :; do
		n=$(wc -l < "$dl_work/events")
		if [ "$n" -gt "$seen_s" ]; then
			sed -n "$((seen_s + 1)),${n}p" "$dl_work/events" |
			while read -r _ when files lib; do
				awk -v a="$t0" -v b="$when" -v f="$files" \
				    -v l="$lib" 'BEGIN { printf "  %6.1fs  " \
				    "recall started: %d files%s\n", b - a, f,
				    l == "-" ? "" : " in " l }'
			done
			seen_s=$n
		fi
		n=$(wc -l < "$EEADM_SIM_LOG")
		if [ "$n" -gt "$seen_e" ]; then
			sed -n "$((seen_e + 1)),${n}p" "$EEADM_SIM_LOG" |
			    awk -v t="$(dl_elapsed "$t0")" '
			    / cmd=recall / {
				for (i = 1; i <= NF; i++) {
					split($i, kv, "=")
					v[kv[1]] = kv[2]
				}
				printf "  %6.1fs  recall ended:   %d files, " \
				    "%d mounts, %.0f s of tape time, exit %s\n",
				    t, v["paths"], v["mounts"], v["model_s"],
				    v["exit"]
			    }'
			seen_e=$n
		fi
		sleep 0.2
	done
}

dl_monitor_start() {
	: >> "$dl_work/events"
	dl_monitor "$1" &
	dl_mpid=$!
}

dl_monitor_stop() {
	[ -n "$dl_mpid" ] || return 0
	kill "$dl_mpid" 2>/dev/null
	wait "$dl_mpid" 2>/dev/null
	dl_mpid=""
}

# dl_order LIST sorted|random|reverse: the request order of a transfer.
dl_order() {
	case $2 in
	sorted) sort "$1" ;;
	reverse) sort -r "$1" ;;
	random) awk 'BEGIN { srand(7) } { print rand() "\t" $0 }' "$1" |
	    sort -n | cut -f 2- ;;
	*) echo "demo: unknown order $2" >&2; return 1 ;;
	esac
}

# dl_play LIST TASKID: plays the transfer of the files in LIST (one path
# a line, in request order) against the daemon on $dl_port.  Prints a
# progress line per round unless DL_QUIET=1.  Sets dl_rounds, dl_stages
# (stage app runs), dl_busy (503 answers, asked again next round like
# Globus retries), dl_errors (other failures) and dl_wall.  DL_EVERY=N
# prints every Nth round only.  Returns 1 when DL_DEADLINE seconds pass
# first.
dl_play() {
	total=$(wc -l < "$1")
	cp "$1" "$dl_work/pending"
	: > "$dl_work/stage.err"
	printf '[client]\n' > "$dl_work/client.ini"
	dl_rounds=0 dl_stages=0 dl_errors=0 dl_busy=0 resident=0 seen_err=0
	dl_done_before=$(awk '/ cmd=recall / { sub(/.*paths=/, ""); s += $1 }
	    END { print s + 0 }' "$EEADM_SIM_LOG")
	t0=$(dl_now)
	while [ -s "$dl_work/pending" ]; do
		if [ "$(awk -v a="$t0" -v b="$(dl_now)" -v d="$DL_DEADLINE" \
		    'BEGIN { print (b - a > d) }')" = 1 ]; then
			echo "demo: not done after ${DL_DEADLINE}s;" \
			    "$resident of $total resident" >&2
			dl_wall=$(dl_elapsed "$t0")
			return 1
		fi
		[ $dl_rounds -gt 0 ] && sleep "$DL_POLL"
		dl_rounds=$((dl_rounds + 1))
		: > "$dl_work/round"

		# One stage app run per pending file, as Globus does.
		LTFSEE_GLOBUS_CONFIG="$dl_work/client.ini" \
		LTFSEE_URL="http://127.0.0.1:$dl_port" AUTH_KEY="$dl_key" \
		GLOBUS_STAGE_TASKID="$2" STAGE="$dl_bin/ltfsee-globus-stage" \
		ERRS="$dl_work/stage.err" \
		    xargs -d '\n' -P "$DL_PAR" -n 16 sh -c '
			for p; do
				out=$(GLOBUS_STAGE_PATH=$p "$STAGE" \
				    2>> "$ERRS")
				echo "$? ${out:-error} $p"
			done' sh < "$dl_work/pending" >> "$dl_work/round"

		n=$(wc -l < "$dl_work/pending")
		dl_stages=$((dl_stages + n))
		awk '$1 != 0 || $2 != "resident" { sub(/^[^ ]* [^ ]* /, "");
		    print }' "$dl_work/round" > "$dl_work/pending"
		archived=$(awk '$1 == 0 && $2 == "archived"' "$dl_work/round" |
		    wc -l)
		errs=$(awk '$1 != 0 || ($2 != "archived" &&
		    $2 != "resident")' "$dl_work/round" | wc -l)
		e=$(wc -l < "$dl_work/stage.err")
		busy=$(sed -n "$((seen_err + 1)),${e}p" "$dl_work/stage.err" |
		    grep -c 'HTTP 503')
		seen_err=$e
		errs=$((errs - busy))
		dl_busy=$((dl_busy + busy))
		dl_errors=$((dl_errors + errs))
		resident=$((total - $(wc -l < "$dl_work/pending")))
		[ "$DL_QUIET" = 1 ] ||
		    [ $(((dl_rounds - 1) % DL_EVERY)) -ne 0 ] ||
		    [ ! -s "$dl_work/pending" ] || dl_progress "$t0" "$resident" \
		    "$archived" "$busy" "$errs"
	done
	dl_wall=$(dl_elapsed "$t0")
	return 0
}

# dl_progress T0 RESIDENT ARCHIVED BUSY ERRORS: one line on the transfer.
# XXX: "queued" is estimated from the stage answers and the simulator's
# log, since the daemon has no route that tells its queue length yet.
dl_progress() {
	starts=$(wc -l < "$dl_work/events")
	ends=$(grep -c ' cmd=recall ' "$EEADM_SIM_LOG")
	infl=$(awk '{ s += $3 } END { print s + 0 }' "$dl_work/events")
	done_f=$(awk '/ cmd=recall / { sub(/.*paths=/, ""); s += $1 }
	    END { print s + 0 }' "$EEADM_SIM_LOG")
	running=$((starts - ends))
	inrun=$((infl - done_f))
	# Archived answers less the files in a recall now and those whose
	# recall ended during the round, after they were answered.
	queued=$(($3 - inrun - (done_f - dl_done_before)))
	[ $queued -lt 0 ] && queued=0
	dl_done_before=$done_f
	printf '  %6ss  round %d: %d resident, %d archived (%d in %d' \
	    "$(dl_elapsed "$1")" "$dl_rounds" "$2" "$3" "$inrun" "$running"
	printf ' running recalls, %d queued)' "$queued"
	[ "$4" -gt 0 ] && printf ', %d answered 503 (retried)' "$4"
	[ "$5" -gt 0 ] && printf ', %d errors' "$5"
	printf '\n'
}
