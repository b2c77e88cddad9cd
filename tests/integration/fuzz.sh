# Replays every fuzz seed and every regression input (inputs that once
# crashed a fuzz target) through the targets built without libFuzzer:
# a broken property or, in a sanitizer build, a sanitizer report fails.
. "$(dirname "$0")/lib.sh"

for d in "$top"/tests/fuzz/corpus/*/; do
	name=$(basename "$d")
	prog="$bin/tests/fuzz/$name"
	if [ ! -x "$prog" ]; then
		expect "$name: replay program built" yes no
		continue
	fi
	set -- "$d"
	if [ -d "$top/tests/fuzz/regress/$name" ] &&
	    [ -n "$(ls "$top/tests/fuzz/regress/$name")" ]; then
		set -- "$@" "$top/tests/fuzz/regress/$name"
	fi
	if "$prog" "$@" > "$work/$name.out" 2>&1; then
		r=ok
	else
		r=failed
		cat "$work/$name.out" >&2
	fi
	expect "$name: seeds and regressions replay" ok "$r"
done

# No daemon here, so not lib.sh's finish().
echo "# $checks checks, $failures failed"
[ "$failures" -eq 0 ]
