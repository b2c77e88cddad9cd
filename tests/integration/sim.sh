#!/bin/sh
# The eeadm simulator as a program: populate, file state, recall with
# faults, task show, concurrent recalls, the log and the report.
set -eu
bin=${LTFSEE_TEST_BIN:-bin}
sim=$bin/eeadm-sim
[ -x "$sim" ] || { echo "no $sim (make bin/eeadm-sim)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export EEADM_SIM_CATALOGUE="$tmp/cat" EEADM_SIM_SPEED=0.0001
unset EEADM_SIM_LOG || true
fail() { echo "FAIL: $*"; exit 1; }

"$sim" populate --files 200 --tapes 6 --libraries 2 --drives 2 \
	--size-min 1M --size-max 50M --seed 3 --dir "$tmp/d" >/dev/null
[ "$(find "$tmp/d" -type f | wc -l)" -eq 200 ] || fail "200 stubs"
[ "$(stat -c %b "$tmp/d/f000007")" -eq 0 ] || fail "stub has blocks"
[ "$(stat -c %s "$tmp/d/f000007")" -gt 0 ] || fail "stub has no size"
"$sim" populate --files 1 --tapes 1 --libraries 1 --drives 1 \
	--size-min 1 --size-max 1 --seed 1 --dir "$tmp/d" 2>/dev/null &&
	fail "populate over an existing catalogue"
"$sim" populate --files 1x --tapes 1 2>/dev/null && fail "bad number"

# file state: one line per known path, an error and status for the rest.
out=$("$sim" file state -s "$tmp/d/f000001" "$tmp/d/f000002" 2>&1)
[ "$(echo "$out" | grep -c '^M  1  JD[0-9]*L8@pool[01]@lib[01]  -  -  -- ')" \
	-eq 2 ] || fail "state lines: $out"
if "$sim" file state -s /nope "$tmp/d/f000001" >"$tmp/o" 2>"$tmp/e"; then
	fail "missing path exits 0"
fi
grep -q 'GLESL[0-9]*E.*/nope does not exist' "$tmp/e" || fail "no error"
grep -q "f000001\$" "$tmp/o" || fail "known path not printed"

# A recall with a failing and a busy file: non-zero, task ID, rows.
"$sim" fault "$tmp/d/f000003" fail GLESL777E
"$sim" fault "$tmp/d/f000004" busy --count 1
for i in 0 1 2 3 4 5; do echo "$tmp/d/f00000$i"; done >"$tmp/list"
if "$sim" recall "$tmp/list" >"$tmp/o"; then fail "recall exits 0"; fi
task=$(sed -n 's/.*task ID is \([0-9]*\).*/\1/p' "$tmp/o")
[ -n "$task" ] || fail "no task ID: $(cat "$tmp/o")"
"$sim" task show -r "$task" >"$tmp/o"
grep -q "^Fail  *GLESL777E  .*  -- $tmp/d/f000003\$" "$tmp/o" ||
	fail "fail row"
grep -q "^Fail  *GLESM431E  .*  -- $tmp/d/f000004\$" "$tmp/o" ||
	fail "busy row"
[ "$(grep -c '^Success ' "$tmp/o")" -eq 4 ] || fail "success rows"
"$sim" file state -s "$tmp/d/f000000" | grep -q '^P  1  ' ||
	fail "recalled file not premigrated"
"$sim" file state -s "$tmp/d/f000004" | grep -q '^M  1  ' ||
	fail "busy file changed"
"$sim" fault clear

# The busy fault was spent: the file recalls now, resident on request.
echo "$tmp/d/f000004" >"$tmp/list"
"$sim" recall "$tmp/list" --resident >/dev/null || fail "second recall"
"$sim" file state -s "$tmp/d/f000004" | grep -q '^R  0  -  -  -  -- ' ||
	fail "resident line"

# Run faults: crash, garbage, hang (killed by timeout).
"$sim" fault - crash --cmd file --count 1
"$sim" file state -s "$tmp/d/f000000" 2>/dev/null && fail "no crash"
"$sim" fault - garbage --count 1
"$sim" file state -s "$tmp/d/f000000" | grep -q '^P  1' && fail "no garbage"
"$sim" fault - hang --cmd recall --count 1
timeout 1 "$sim" recall "$tmp/list" >/dev/null && fail "no hang"
"$sim" file state -s "$tmp/d/f000000" | grep -q '^P  1' || fail "faults left"

# node list, the daemon's health probe: a node table per library, exit 0;
# run faults for "node" (or any) apply, those of other commands do not.
out=$("$sim" node list) || fail "node list exits non-zero"
echo "$out" | grep -q '^Node ID  *State ' || fail "node list header: $out"
[ "$(echo "$out" | grep -c '^[0-9]  *available .* lib[01]  ')" -eq 2 ] ||
	fail "one available node per library: $out"
"$sim" node list --bogus 2>/dev/null && fail "node list takes no argument"
"$sim" fault - crash --cmd node --count 1
"$sim" node list >/dev/null 2>&1 && fail "node crash fault not applied"
"$sim" fault - garbage --cmd node --count 1
"$sim" node list | grep -q '^Node ID' && fail "node garbage fault"
"$sim" fault - hang --cmd node --count 1
timeout 1 "$sim" node list >/dev/null && fail "node hang fault"
"$sim" fault - crash --cmd recall --count 1
"$sim" node list | grep -q '^Node ID' || fail "a recall fault hit node list"
"$sim" fault clear

# Concurrent recalls of other files all finish and all count.
"$sim" reset
for j in 1 2 3 4; do
	ls "$tmp"/d/f0001"$j"* >"$tmp/list$j"
	"$sim" recall "$tmp/list$j" >/dev/null &
done
wait
[ "$("$sim" file state -s "$tmp"/d/f0001[1-4]* | grep -c '^P ')" -eq 40 ] ||
	fail "concurrent recalls"
"$sim" report --format=kv >"$tmp/kv"
grep -qx 'runs_recall=4' "$tmp/kv" || fail "runs_recall: $(cat "$tmp/kv")"
grep -qx 'files_recalled=40' "$tmp/kv" || fail "files_recalled"
awk -F= '$1 == "ratio" && $2 > 1 { ok = 1 } END { exit !ok }' "$tmp/kv" ||
	fail "four recalls not above the limit: $(cat "$tmp/kv")"

# One recall of everything costs exactly the physical limit.
"$sim" reset
find "$tmp/d" -type f | sort -r >"$tmp/list"
"$sim" recall "$tmp/list" >/dev/null || fail "full recall"
"$sim" report --format=kv >"$tmp/kv"
grep -qx 'ratio=1.0000' "$tmp/kv" || fail "full recall ratio"
grep -qx 'mounts=6' "$tmp/kv" || fail "one mount per tape"

# The log: one line per run, with the counts.
grep -q 'cmd=recall exit=0 paths=200 mounts=6 ' "$tmp/cat.log" ||
	fail "log line"
grep -q 'cmd=file_state exit=hang\|cmd=recall exit=hang' "$tmp/cat.log" ||
	fail "hang not logged"
echo "sim ok"
