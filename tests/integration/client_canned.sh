# The stage app against canned answers from tests/tools/canned-server on
# 127.0.0.1: every outcome Globus can see (stdout word, stderr, exit
# status), failover between servers, refusals before any request, and a
# server that never answers (the client must give up within TIMEOUT).
set -u
top=${LTFSEE_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${LTFSEE_TEST_BIN:-$top/bin}
stage="$bin/ltfsee-globus-stage"
canned="$bin/tests/tools/canned-server"
work=$(mktemp -d "${TMPDIR:-/tmp}/ltfsee-client.XXXXXX")
key="canned-key-$$"
pids=""
checks=0
failures=0

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT HUP INT PIPE TERM

# start NAME MODE: starts a canned server; sets $port.
start() {
	"$canned" "$2" 60 "$work/$1.req" > "$work/$1.port" &
	pids="$pids $!"
	i=0
	while [ $i -lt 100 ]; do
		port=$(head -n 1 "$work/$1.port" 2>/dev/null)
		[ -n "$port" ] && return 0
		sleep 0.05
		i=$((i + 1))
	done
	echo "canned server $2 did not start" >&2
	exit 1
}

# stage URL PATH [VAR=value...]: runs the stage app with a clean
# environment; sets $out, $err and $rc.
stage() {
	u=$1 p=$2
	shift 2
	rc=0
	env -i PATH="$PATH" LTFSEE_GLOBUS_CONFIG="$work/empty.ini" \
	    AUTH_KEY="$key" LTFSEE_URL="$u" GLOBUS_STAGE_PATH="$p" \
	    GLOBUS_STAGE_TASKID="task-42" TIMEOUT=5 "$@" \
	    timeout 20 "$stage" > "$work/out" 2> "$work/err" || rc=$?
	out=$(cat "$work/out")
	err=$(cat "$work/err")
}

ok() {
	checks=$((checks + 1))
	echo "ok - $1"
}

not_ok() {
	checks=$((checks + 1))
	failures=$((failures + 1))
	echo "not ok - $1"
	[ $# -gt 1 ] && echo "#   $2"
	return 0
}

expect() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1" "want [$2] got [$3]"; fi
}

expect_match() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then ok "$1"; else
		not_ok "$1" "[$3] does not match /$2/"; fi
}

# outcome NAME WANT_OUT WANT_RC ERR_REGEX: checks the last run.
outcome() {
	expect "$1: stdout" "$2" "$out"
	expect "$1: exit status" "$3" "$rc"
	if [ -n "$4" ]; then
		expect_match "$1: stderr" "$4" "$err"
	else
		expect "$1: stderr empty" "" "$err"
	fi
}

: > "$work/empty.ini"
printf '+auto.other\nprojA  -rw  srv:/gpfs/mapA\n' > "$work/auto.map"

for mode in resident archived 401 404 500 502 503 unknown broken silent; do
	start "$mode" "$mode"
	eval "port_$mode=$port"
done
# A port with nothing listening: a server started and stopped.
"$canned" resident 0 > "$work/dead.port"
port_dead=$(head -n 1 "$work/dead.port")

u() { echo "http://127.0.0.1:$1"; }

stage "$(u "$port_resident")" "/gpfs/fs1/a \"b\"\\c"
outcome resident resident 0 ""
req=$(cat "$work/resident.req")
expect_match "request line" \
    '^POST /api/v0.5/globus_recall/globus_recall HTTP/1.1' "$req"
expect_match "key header" "X-API-KEY: $key" "$req"
expect_match "JSON body" \
    '\{"path": "/gpfs/fs1/a \\"b\\"\\\\c", "globus_taskid": "task-42"\}' \
    "$req"

stage "$(u "$port_archived")" /gpfs/f
outcome archived archived 0 ""
stage "$(u "$port_archived")" /gpfs/f EXIT_ARCHIVED=5
outcome "archived, EXIT_ARCHIVED=5" archived 5 ""

stage "$(u "$port_404")" /gpfs/f
outcome 404 "" 2 "no such file"
stage "$(u "$port_401")" /gpfs/f
outcome 401 "" 1 "401.*wrong API key"
stage "$(u "$port_500")" /gpfs/f
outcome 500 "" 1 "500.*eeadm failed"
stage "$(u "$port_502")" /gpfs/f
outcome 502 "" 1 "502"
stage "$(u "$port_unknown")" /gpfs/f
outcome "unknown state" "" 1 "unknown state.*on the moon"
stage "$(u "$port_broken")" /gpfs/f
outcome "broken JSON" "" 1 "bad JSON"
stage "$(u "$port_503")" /gpfs/f
outcome "503, only server" "" 1 "503.*busy"
stage "$(u "$port_dead")" /gpfs/f
outcome "connection refused" "" 1 "refused"

stage "$(u "$port_silent")" /gpfs/f TIMEOUT=1
if [ "$rc" -eq 124 ]; then
	not_ok "silent server: gave up on its own" "killed by timeout(1)"
else
	outcome "silent server" "" 1 "timed out"
fi

# Failover: whichever server the task id picks first, the others follow.
list="$(u "$port_dead"), $(u "$port_503") $(u "$port_resident")"
for t in task-1 task-2 task-3 task-4 task-5 task-6; do
	stage "$list" /gpfs/f GLOBUS_STAGE_TASKID=$t
	outcome "failover ($t)" resident 0 ""
done

# Refusals before any request.
rm -f "$work/resident.req"
stage "$(u "$port_resident")" ""
outcome "no path" "" 1 "GLOBUS_STAGE_PATH"
stage "$(u "$port_resident")" /gpfs/f GLOBUS_STAGE_TASKID=
outcome "no task id" "" 1 "GLOBUS_STAGE_TASKID"
stage "$(u "$port_resident")" "$(printf '/gpfs/bad\377')"
outcome "invalid UTF-8 path" "" 1 "UTF-8"
stage "$(u "$port_resident")" /nonexistent-ltfsee-test/f DEPTH=2
outcome "remap finds no mount" "" 1 "/nonexistent-ltfsee-test"
stage "$(u "$port_resident")" /nonexistent-ltfsee-test/f \
    AUTOFS="$work/auto.map"
outcome "AUTOFS without DEPTH" "" 1 "AUTOFS is used only with DEPTH"
stage "$(u "$port_resident")" /gpfs/f TIMEOUT=10s
outcome "malformed TIMEOUT" "" 1 "TIMEOUT"
stage "ftp://127.0.0.1:$port_resident" /gpfs/f
outcome "bad URL" "" 1 "ftp://"
if [ -e "$work/resident.req" ]; then
	not_ok "no request sent when refusing"
else
	ok "no request sent when refusing"
fi

# An autofs map with an +include line: mapped, and quiet unless DEBUG.
stage "$(u "$port_resident")" /mnt/projA/f DEPTH=3 AUTOFS="$work/auto.map"
outcome "autofs map with +include" resident 0 ""
expect_match "autofs map: mapped path sent" '"path": "/gpfs/mapA/f"' \
    "$(cat "$work/resident.req")"
stage "$(u "$port_resident")" /mnt/projA/f DEPTH=3 AUTOFS="$work/auto.map" \
    DEBUG=1
expect_match "autofs map: +include named with DEBUG" "included map" "$err"

# DEBUG shows the steps but never the key.
stage "$(u "$port_resident")" /gpfs/f DEBUG=1
expect "debug: stdout" resident "$out"
expect_match "debug: steps on stderr" "asking http://127.0.0.1" "$err"
if printf '%s' "$err" | grep -q -- "$key"; then
	not_ok "debug: key not logged"
else
	ok "debug: key not logged"
fi

h=$("$stage" -h)
expect_match "-h names the environment" \
    "GLOBUS_STAGE_PATH.*GLOBUS_STAGE_TASKID" "$h"
expect_match "-h names the settings" "LTFSEE_URL, AUTH_KEY" "$h"

v=$("$stage" -V)
expect_match "-V" "^ltfsee-globus-stage [0-9]" "$v"

echo "# $checks checks, $failures failed"
[ "$failures" -eq 0 ]
