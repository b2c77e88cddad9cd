# The stage app against the real daemon and the fake eeadm, as Globus
# runs it: a resident file, a migrated one (answered "archived", then
# recalled and answered "resident"), a missing one, a wrong key; over
# plain HTTP and over TLS with a CA and a leaf made here by openssl; and
# two daemons in LTFSEE_URL, the one asked first being down.
. "$(dirname "$0")/lib.sh"

stage_bin="$bin/ltfsee-globus-stage"
g="$work/gpfs"
mkdir -p "$g"
for f in res mig mig2 mig3; do echo data > "$g/$f"; done
{
	printf '%s\tR\n' "$g/res"
	printf '%s\tM\n' "$g/mig" "$g/mig2" "$g/mig3"
} > "$FAKE_EEADM_DIR/states"
printf '[client]\n' > "$work/client.ini"

# stage URL PATH [VAR=value...]: runs the stage app with only these
# settings in its environment; sets $out, $err and $rc.
stage() {
	u=$1 p=$2
	shift 2
	rc=0
	env -i PATH="$PATH" LTFSEE_GLOBUS_CONFIG="$work/client.ini" \
	    AUTH_KEY="$key" LTFSEE_URL="$u" GLOBUS_STAGE_PATH="$p" \
	    GLOBUS_STAGE_TASKID="task-7" TIMEOUT=5 "$@" \
	    timeout 20 "$stage_bin" > "$work/out" 2> "$work/err" || rc=$?
	out=$(cat "$work/out")
	err=$(cat "$work/err")
}

# recalled PATH: waits up to 5 s for an "eeadm recall" whose list holds
# PATH; 0 when one came.
recalled() {
	i=0
	while [ $i -lt 50 ]; do
		for c in "$FAKE_EEADM_DIR"/call.*.list; do
			[ -f "$c" ] || continue
			[ "$(head -n 1 "${c%.list}")" = recall ] || continue
			grep -qxF "$1" "$c" && return 0
		done
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# resident_later URL PATH [VAR=value...]: polls as Globus does until the
# stage app says "resident" (5 s at most); sets $out like stage.
resident_later() {
	i=0
	while [ $i -lt 50 ]; do
		stage "$@"
		[ "$out" = resident ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# The four outcomes over URL (with the VAR=value settings that follow).
outcomes() {
	u=$1 how=$2 mig=$3
	shift 3
	stage "$u" "$g/res" "$@"
	expect "$how: resident file: stdout" resident "$out"
	expect "$how: resident file: exit 0" 0 "$rc"
	expect "$how: resident file: quiet stderr" "" "$err"

	stage "$u" "$mig" "$@"
	expect "$how: migrated file: stdout" archived "$out"
	expect "$how: migrated file: exit 0" 0 "$rc"
	if recalled "$mig"; then ok "$how: recall list holds the path"
	else not_ok "$how: recall list holds the path" \
	    "no recall of $mig in $(ls "$FAKE_EEADM_DIR")"; fi
	if resident_later "$u" "$mig" "$@"; then
		ok "$how: recalled file polls resident"
	else not_ok "$how: recalled file polls resident" "last: [$out] $err"
	fi

	stage "$u" "$g/nothere" "$@"
	expect "$how: missing file: exit 2" 2 "$rc"
	expect "$how: missing file: nothing on stdout" "" "$out"
	expect_match "$how: missing file: a message" . "$err"

	stage "$u" "$g/res" "$@" AUTH_KEY=wrong-key
	expect "$how: wrong key: nothing on stdout" "" "$out"
	if [ "$rc" -ne 0 ]; then ok "$how: wrong key: non-zero exit"
	else not_ok "$how: wrong key: non-zero exit" "exit 0"; fi
}

# Plain HTTP.
daemon_config "allowed_paths = $g" "recall_delay = 0.1" \
    "state_batch_delay = 0.01"
daemon_start
outcomes "http://127.0.0.1:$port" http "$g/mig"
dead_port=$port
daemon_stop

# TLS: a CA and a leaf for 127.0.0.1 (ECDSA P-256), made here.
t="$work/tls"
mkdir -p "$t"
if ! {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$t/ca.key" -out "$t/ca.pem" -days 2 \
	    -subj "/CN=ltfsee test CA" &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$t/leaf.key" -out "$t/leaf.csr" -subj "/CN=127.0.0.1" &&
	printf 'subjectAltName=IP:127.0.0.1,DNS:127.0.0.1,DNS:localhost\n' \
	    > "$t/ext" &&
	openssl x509 -req -in "$t/leaf.csr" -CA "$t/ca.pem" \
	    -CAkey "$t/ca.key" -CAcreateserial -days 2 -extfile "$t/ext" \
	    -out "$t/leaf.pem" &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$t/other.key" -out "$t/other.pem" -days 2 \
	    -subj "/CN=another CA"
} > "$t/openssl.log" 2>&1; then
	not_ok "openssl made the test certificates" "$(cat "$t/openssl.log")"
	finish
	exit 1
fi
daemon_config "allowed_paths = $g" "recall_delay = 0.1" \
    "state_batch_delay = 0.01" "certfile = $t/leaf.pem" \
    "keyfile = $t/leaf.key"
daemon_start
expect_match "the daemon speaks TLS" 'listening on .*TLS' \
    "$(cat "$work/daemon.log")"
outcomes "https://127.0.0.1:$port" https "$g/mig2" CA_FILE="$t/ca.pem"
stage "https://127.0.0.1:$port" "$g/res" CA_FILE="$t/other.pem"
expect "https: unknown CA: nothing on stdout" "" "$out"
if [ "$rc" -ne 0 ]; then ok "https: unknown CA: non-zero exit"
else not_ok "https: unknown CA: non-zero exit" "exit 0"; fi
expect_match "https: unknown CA: said so" "not trusted.*CA_FILE" "$err"
stage "https://localhost:$port" "$g/res" CA_FILE="$t/ca.pem"
expect "https: by the name localhost" resident "$out"
daemon_stop

# Failover: the first daemon is down; whichever the task id picks first,
# the answer comes from the live one.
daemon_config "allowed_paths = $g" "recall_delay = 0.1" \
    "state_batch_delay = 0.01"
daemon_start
live="http://127.0.0.1:$port"
dead="http://127.0.0.1:$dead_port"
stage "$dead,$live" "$g/res"
expect "failover, dead listed first: resident" resident "$out"
stage "$live,$dead" "$g/res"
expect "failover, dead listed second: resident" resident "$out"
for id in a b c d; do
	stage "$dead $live" "$g/mig3" GLOBUS_STAGE_TASKID="task-$id"
	expect "failover, task $id: answered" 0 "$rc"
done
stage "https://127.0.0.1:$port" "$g/res" CA_FILE="$t/ca.pem"
expect_match "https to a plain HTTP port: said so" \
    "did not answer in TLS" "$err"
stage "$dead,$dead" "$g/res"
expect "both daemons down: nothing on stdout" "" "$out"
expect "both daemons down: exit 1" 1 "$rc"

finish
