# make run (tests/run-daemon): the daemon over the simulated library
# answers the curl commands it prints, is healthy, keeps its key in a
# 0600 INI, and is gone with its directory once the script is stopped.
. "$(dirname "$0")/lib.sh"

[ -x "$bin/eeadm-sim" ] || { echo "# no $bin/eeadm-sim: skipped"; exit 0; }
: > "$work/run.out"
LTFSEE_RUN_PORT=0 "$top/tests/run-daemon" "$bin" > "$work/run.out" 2>&1 &
rpid=$!
i=0
until [ "$(grep -c '^curl ' "$work/run.out")" -ge 3 ] || [ $i -ge 100 ]; do
	kill -0 "$rpid" 2>/dev/null || break
	sleep 0.1
	i=$((i + 1))
done
expect "three curl commands printed" 3 "$(grep -c '^curl ' "$work/run.out")"
grep '^curl ' "$work/run.out" > "$work/cmds"
base=$(sed -n 's/^ltfsee-globusd on \(http:[^,]*\),.*/\1/p' "$work/run.out")
files=$(sed -n 's/^20 simulated files in \([^ ]*\) .*/\1/p' "$work/run.out")
rdir=${files%/files}

# cmd N: runs the Nth printed command as a user would paste it.
cmd() {
	sh -c "$(sed -n "${1}p" "$work/cmds")"
}
expect_match "resident file" '^\[\{"state": "R", .*f000000"\}\]$' "$(cmd 1)"
expect_match "migrated file, on a tape" \
    '^\[\{"state": "M", "replicas": 1, "tapes": \["[^"]+"\], .*f000012"\}\]$' \
    "$(cmd 2)"
expect "recall of a migrated file" '{"state": "archived"}' "$(cmd 3)"
expect "the simulator answers the health probe" 200 \
    "$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$base/healthz")"
expect "generated INI mode" 600 \
    "$(stat -c %a "$rdir/ltfsee-globus.ini" 2>/dev/null || echo missing)"
expect "no warning about the INI" "" \
    "$(grep 'readable by others' "$work/run.out")"

# Stopped (^C sends SIGINT to the group; a background job ignores it, so
# SIGTERM here, the same trap path): the daemon and the directory go.
kill -TERM "$rpid"
i=0
while kill -0 "$rpid" 2>/dev/null && [ $i -lt 150 ]; do
	sleep 0.1
	i=$((i + 1))
done
expect "script ended" gone "$(kill -0 "$rpid" 2>/dev/null || echo gone)"
expect "temporary directory removed" missing \
    "$(ls -d "$rdir" 2>/dev/null || echo missing)"
expect "daemon stopped" 000 \
    "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$base/healthz")"

echo "# $checks checks, $failures failed"
[ "$failures" -eq 0 ]
