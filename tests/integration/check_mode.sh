# ltfsee-globusd -n: checks what start-up would trip on, not only syntax.
. "$(dirname "$0")/lib.sh"

# check NAME WANT-EXIT REGEX [server lines...]
check() {
	name=$1 want=$2 re=$3
	shift 3
	daemon_config
	for l in "$@"; do
		sed -i "/^${l%% =*} =/d" "$work/ltfsee-globus.ini"
		echo "$l" >> "$work/ltfsee-globus.ini"
	done
	out=$("$bin/ltfsee-globusd" -n -f "$work/ltfsee-globus.ini" 2>&1)
	rc=$?
	expect "$name: exit status" "$want" "$rc"
	expect_match "$name: says why" "$re" "$out"
}

check "good configuration" 0 'configuration OK'
check "missing state_dir" 1 'state_dir /nonexistent/x: No such file' \
    "state_dir = /nonexistent/x" "eeadm = $top/tests/fake-eeadm"
check "state_dir a file" 1 'state_dir .*: Not a directory' \
    "state_dir = $top/README.md" "eeadm = $top/tests/fake-eeadm"
check "eeadm missing" 1 'eeadm: /nonexistent/eeadm: No such file' \
    "state_dir = $work/state" "eeadm = /nonexistent/eeadm"
check "eeadm not executable" 1 'eeadm: .*README.md: Permission denied' \
    "state_dir = $work/state" "eeadm = $top/README.md"
printf 'not a certificate\n' > "$work/bad.pem"
check "broken certificate" 1 'bad.pem' "state_dir = $work/state" \
    "eeadm = $top/tests/fake-eeadm" "certfile = $work/bad.pem" \
    "keyfile = $work/bad.pem"

# finish wants a daemon; none runs here.
echo "# $checks checks, $failures failed"
[ "$failures" -eq 0 ]
