# The API against a live daemon and the fake eeadm: status codes, JSON
# shapes, authentication, path rules, and the argv eeadm receives.
. "$(dirname "$0")/lib.sh"

g="$work/gpfs"
mkdir -p "$g/dir"
weird1="$g/dir/a b \"q\" \$(id);*"
weird2="$g/dir/-rf"
for f in res pre mig "$weird1" "$weird2" garb empt hang crsh unk onlib1 \
    onlib2; do
	case $f in /*) p=$f ;; *) p=$g/$f ;; esac
	echo data > "$p"
done
tab=$(printf '\t')
{
	printf '%s\tR\n' "$g/res"
	printf '%s\tP\n' "$g/pre"
	printf '%s\tM\n' "$g/mig"
	printf '%s\tP\n' "$weird1"
	printf '%s\tM\n' "$weird2"
	printf '%s\tX\n' "$g/unk"
	for f in garb empt hang crsh; do printf '%s\tP\n' "$g/$f"; done
	printf '%s\tM\tVOL001@POOL_A@lib1\n' "$g/onlib1"
	printf '%s\tM\tVOL002@POOL_B@lib2\n' "$g/onlib2"
} > "$FAKE_EEADM_DIR/states"

daemon_config "ltfsee_lib = lib1 lib2" "allowed_paths = $g" \
    "eeadm_timeout = 2" "state_batch_delay = 0.01" "recall_delay = 0.2"
daemon_start

FS=/api/v0.5/file_state/file_state
GR=/api/v0.5/globus_recall/globus_recall
calls() { cat "$FAKE_EEADM_DIR/count" 2>/dev/null || echo 0; }
json_path() { printf '{"path": "%s"}' "$1"; }

# Authentication comes before anything else.
n0=$(calls)
for k in "" "wrong" "$key-"; do
	st=$(curl -s -o /dev/null -w '%{http_code}' -H "X-API-KEY: $k" \
	    --data-binary "$(json_path "$g/res")" "$(url $FS)")
	expect "key [$k]: 401" 401 "$st"
done
st=$(curl -s -o /dev/null -w '%{http_code}' \
    --data-binary "$(json_path "$g/res")" "$(url $FS)")
expect "no key: 401" 401 "$st"
expect "no eeadm run without the key" "$n0" "$(calls)"
st=$(curl -s -o /dev/null -w '%{http_code}' -H "x-api-key: $key" \
    --data-binary "$(json_path "$g/res")" "$(url $FS)")
expect "header name is case-insensitive" 201 "$st"

# file_state: the list of one state, with its tapes.
api POST $FS "$(json_path "$g/pre")"
expect "file_state P: 201" 201 "$status"
expect "file_state body" \
    "[{\"state\": \"P\", \"replicas\": 1, \"tapes\": [\"JD0001JD@POOL_A@lib1\"], \"path\": \"$g/pre\"}]" \
    "$body"

# globus_recall: resident and archived.
api POST $GR "{\"path\": \"$g/res\", \"globus_taskid\": \"t1\"}"
expect "recall R: 201" 201 "$status"
expect "recall R: resident" '{"state": "resident"}' "$body"
api POST $GR "{\"path\": \"$g/pre\", \"globus_taskid\": \"t1\"}"
expect "recall P: resident" '{"state": "resident"}' "$body"
api POST $GR "{\"path\": \"$g/mig\", \"globus_taskid\": \"t1\"}"
expect "recall M: 201" 201 "$status"
expect "recall M: archived" '{"state": "archived"}' "$body"
api POST $GR "{\"path\": \"$g/mig\", \"globus_taskid\": \"t1\", \"library\": \"nolib\"}"
expect "unknown library: 400" 400 "$status"

# The recall runs in the background: one list holding the path, and the
# library as its own argument.
i=0
while ! grep -qx recall "$FAKE_EEADM_DIR"/call.[0-9]* 2>/dev/null &&
    [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
n=$(grep -lx recall "$FAKE_EEADM_DIR"/call.[0-9]* | head -n 1)
expect "recall list holds the path" "$g/mig" "$(cat "$n.list")"
expect_match "recall argv: recall LIST -l LIB" \
    '^recall /[^ ]+ -l lib[12]$' "$(tr '\n' ' ' < "$n" | sed 's/ $//')"
i=0
while [ -n "$(ls "$work/state" | grep -v journal)" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
expect "recall list removed after the run" "" \
    "$(ls "$work/state" | grep -v journal)"

# With no library asked, the task's library is used when it holds a
# copy; a file whose only copy is elsewhere goes to that library.
for f in onlib1 onlib2; do
	api POST $GR "{\"path\": \"$g/$f\", \"globus_taskid\": \"t1\"}"
	expect "recall $f: archived" '{"state": "archived"}' "$body"
done
for f in onlib1 onlib2; do
	i=0
	while ! grep -lx "$g/$f" "$FAKE_EEADM_DIR"/call.*.list >/dev/null \
	    2>&1 && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	l=$(grep -lx "$g/$f" "$FAKE_EEADM_DIR"/call.*.list | head -n 1)
	expect "recall of $f asks its own library" "lib${f#onlib}" \
	    "$(sed -n '4p' "${l%.list}")"
done

# Missing files, bad bodies, bad paths: 4xx with a message, no eeadm.
api POST $FS "$(json_path "$g/nothere")"
expect "missing file: 404" 404 "$status"
expect_match "404 has a message" '^\{"message": ".+"\}$' "$body"
n0=$(calls)
for b in '[1]' '{"path": 1}' '{"path": null}' '{}' '{"path": "/a", "path": "/b"}' \
    '{"path": "/a"' 'nonsense' '{"path": "/a"} {}' '{"pa\u0074h": "/a", "path": "/b"}'; do
	api POST $FS "$b"
	expect "body $b: 400" 400 "$status"
done
api POST $GR "$(json_path "$g/mig")"
expect "recall without task id: 400" 400 "$status"
for p in 'relative/path' "$g/../etc/passwd" "$g/a\\nb" "$g/a\\u0001b"; do
	api POST $FS "$(json_path "$p")"
	expect "path $p: 400" 400 "$status"
done
api POST $FS "$(json_path /etc/passwd)"
expect "outside allowed_paths: 403" 403 "$status"
expect "no eeadm run for refused requests" "$n0" "$(calls)"

# Odd bytes in a name reach eeadm as one argument, byte for byte.
esc=$(printf '%s' "$weird1" | sed 's/\\/\\\\/g; s/"/\\"/g')
api POST $FS "{\"path\": \"$esc\"}"
expect "weird name: 201" 201 "$status"
n=$(calls)
last=$(tr '\0' '\n' < "$FAKE_EEADM_DIR/call.$n.nul" | tail -n 1)
expect "weird name is one argv element" "$weird1" "$last"
api POST $FS "$(json_path "$weird2")"
expect "leading dash name: 201" 201 "$status"
n=$(calls)
expect "argv of file state" "file state -s $weird2" \
    "$(tr '\0' ' ' < "$FAKE_EEADM_DIR/call.$n.nul" | sed 's/ $//')"

# eeadm faults: a clear 5xx, and the daemon stays up.
api POST $FS "$(json_path "$g/unk")"
expect "unknown state letter in file_state: 502" 502 "$status"
api POST $GR "{\"path\": \"$g/unk\", \"globus_taskid\": \"t\"}"
expect "unknown state letter: 502" 502 "$status"
touch "$FAKE_EEADM_DIR/garbage"
api POST $FS "$(json_path "$g/garb")"
expect "garbage output: 502" 502 "$status"
rm "$FAKE_EEADM_DIR/garbage"
touch "$FAKE_EEADM_DIR/empty"
api POST $FS "$(json_path "$g/empt")"
expect "empty output: 502" 502 "$status"
rm "$FAKE_EEADM_DIR/empty"
touch "$FAKE_EEADM_DIR/crash"
api POST $FS "$(json_path "$g/crsh")"
expect "crashing eeadm: 502" 502 "$status"
rm "$FAKE_EEADM_DIR/crash"
touch "$FAKE_EEADM_DIR/hang"
t0=$(date +%s)
api POST $FS "$(json_path "$g/hang")"
t1=$(date +%s)
rm "$FAKE_EEADM_DIR/hang"
expect_match "hanging eeadm: 5xx" '^50[24]$' "$status"
if [ $((t1 - t0)) -le 8 ]; then ok "hang answered within the timeout"
else not_ok "hang answered within the timeout" "$((t1 - t0)) s"; fi
api GET /api/v0.5/ ""
expect "served after the faults" 200 "$status"

finish
