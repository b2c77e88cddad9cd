# Shared helpers of the integration tests (sourced, not run).
#
# Each test gets a private directory, a daemon on 127.0.0.1 with a port
# the kernel picks, and the fake eeadm of tests/fake-eeadm recording into
# $FAKE_EEADM_DIR.  Everything started here is stopped on exit.

set -u
top=${LTFSEE_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${LTFSEE_TEST_BIN:-$top/bin}
work=$(mktemp -d "${TMPDIR:-/tmp}/ltfsee-it.XXXXXX")
export FAKE_EEADM_DIR="$work/eeadm"
mkdir -p "$FAKE_EEADM_DIR" "$work/state"
key="test-key-$$"
daemon_pid=""
port=""
checks=0
failures=0

sanitizer_failed=0

cleanup() {
	daemon_stop
	rm -rf "$work"
	[ "$sanitizer_failed" -eq 0 ] || exit 1
}
trap cleanup EXIT INT TERM

# Writes a configuration for the daemon to $work/ltfsee-globus.ini; extra
# "key = value" lines for [server] may be given as arguments.
daemon_config() {
	{
		echo "[server]"
		echo "auth_key = $key"
		echo "bind = 127.0.0.1:0"
		echo "eeadm = $top/tests/fake-eeadm"
		echo "state_dir = $work/state"
		echo "loglevel = debug"
		for line in "$@"; do echo "$line"; done
	} > "$work/ltfsee-globus.ini"
}

# A sanitizer build reports into the daemon's log, and valgrind (with
# LTFSEE_VALGRIND=1 in the environment) into its own: either report
# fails the test, printed.  Called whenever a daemon has ended.
sanitizer_check() {
	if [ -f "$work/daemon.log" ] && grep -Eq \
	    'ERROR: (Address|Leak)Sanitizer|runtime error:|WARNING: ThreadSanitizer' \
	    "$work/daemon.log"; then
		echo "not ok - sanitizer report from the daemon:"
		grep -E -A 40 \
		    'ERROR: (Address|Leak)Sanitizer|runtime error:|WARNING: ThreadSanitizer' \
		    "$work/daemon.log" | head -n 120
		sanitizer_failed=1
	fi
	for v in "$work"/valgrind.*; do
		[ -f "$v" ] || continue
		# A child's log (before it runs eeadm) has no summary.
		grep -q 'ERROR SUMMARY' "$v" &&
		    echo "# valgrind: $(grep -h 'ERROR SUMMARY' "$v")"
		if grep -Eq 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]' "$v"
		then
			echo "not ok - valgrind report from the daemon:"
			head -n 150 "$v"
			sanitizer_failed=1
		fi
		mv "$v" "$v.seen"
	done
}

# Starts the daemon in the foreground (in the background of this shell)
# and waits until it listens; sets $port and $daemon_pid.  With
# LTFSEE_VALGRIND=1 the daemon runs under valgrind memcheck.
daemon_start() {
	sanitizer_check
	: > "$work/daemon.log"
	if [ "${LTFSEE_VALGRIND:-0}" = 1 ]; then
		valgrind --error-exitcode=99 --leak-check=full \
		    --errors-for-leak-kinds=definite --track-fds=no \
		    --log-file="$work/valgrind.%p" \
		    "$bin/ltfsee-globusd" -d -f "$work/ltfsee-globus.ini" \
		    2> "$work/daemon.log" &
	else
		"$bin/ltfsee-globusd" -d -f "$work/ltfsee-globus.ini" \
		    2> "$work/daemon.log" &
	fi
	daemon_pid=$!
	i=0
	while [ $i -lt 600 ]; do
		port=$(sed -n 's/.*listening on .*(port \([0-9]*\)).*/\1/p' \
		    "$work/daemon.log" | head -n 1)
		[ -n "$port" ] && return 0
		kill -0 "$daemon_pid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	echo "daemon did not start:" >&2
	cat "$work/daemon.log" >&2
	exit 1
}

daemon_stop() {
	[ -n "$daemon_pid" ] || return 0
	stop_wait=150
	[ "${LTFSEE_VALGRIND:-0}" = 1 ] && stop_wait=600
	kill -TERM "$daemon_pid" 2>/dev/null
	i=0
	while kill -0 "$daemon_pid" 2>/dev/null && [ $i -lt "$stop_wait" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$daemon_pid" 2>/dev/null
	wait "$daemon_pid" 2>/dev/null
	daemon_pid=""
	sanitizer_check
}

daemon_alive() {
	kill -0 "$daemon_pid" 2>/dev/null
}

url() {
	echo "http://127.0.0.1:$port$1"
}

# api METHOD ROUTE BODY [curl args...]: sets $status and $body.
api() {
	m=$1 r=$2 d=$3
	shift 3
	body=$(curl -s -m 10 -o - -w '\n%{http_code}' -X "$m" \
	    -H "X-API-KEY: $key" -H 'Content-Type: application/json' \
	    ${d:+--data-binary "$d"} "$@" "$(url "$r")")
	status=$(printf '%s' "$body" | tail -n 1)
	body=$(printf '%s' "$body" | sed '$d')
}

# raw BYTES: sends BYTES (printf format) on a new connection; sets $reply
# to what came back (first line in $status_line).
raw() {
	reply=$(printf "$1" | timeout 10 curl -s -m 5 \
	    "telnet://127.0.0.1:$port" 2>/dev/null | tr -d '\r')
	status_line=$(printf '%s\n' "$reply" | head -n 1)
}

ok() {
	checks=$((checks + 1))
	printf "ok - %s\n" "$1"
}

not_ok() {
	checks=$((checks + 1))
	failures=$((failures + 1))
	printf "not ok - %s\n" "$1"
	[ $# -gt 1 ] && printf "#   %s\n" "$2"
	return 0
}

# expect NAME WANT GOT
expect() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1" "want [$2] got [$3]"; fi
}

# expect_match NAME REGEX TEXT
expect_match() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then ok "$1"; else
		not_ok "$1" "[$3] does not match /$2/"; fi
}

finish() {
	if ! daemon_alive; then
		not_ok "daemon still up at the end"
		tail -n 20 "$work/daemon.log"
	fi
	echo "# $checks checks, $failures failed"
	[ "$failures" -eq 0 ]
}
