# The man pages against the code, both ways: every configuration key,
# variable and option in the code is in the pages, and every one the
# pages name is in the code.  Then mandoc -Tlint over man/*.[158].
. "$(dirname "$0")/lib.sh"

m="$top/man"
pages="$m/ltfsee-globusd.8 $m/ltfsee-globus.ini.5 $m/ltfsee-globus-stage.1"

# same NAME CODE_LIST PAGE_LIST: both sorted lists, one word a line.
same() {
	printf '%s\n' "$3" > "$work/b"
	only_code=$(printf '%s\n' "$2" | comm -23 - "$work/b")
	only_page=$(printf '%s\n' "$2" | comm -13 - "$work/b")
	expect "$1: in the code, not in the pages" "" "$only_code"
	expect "$1: in the pages, not in the code" "" "$only_page"
}

# Keys: the table of src/config.c against ".It Ic key" of ini(5).
code=$(sed -n 's/^[[:space:]]*{ "\([a-z_]*\)", "[A-Z_]*",.*/\1/p' \
    "$top/src/config.c" | sort -u)
page=$(sed -n 's/^\.It Ic \([a-z_]*\) .*/\1/p' "$m/ltfsee-globus.ini.5" |
    sort -u)
[ -n "$code" ] || not_ok "keys found in src/config.c"
same "configuration keys" "$code" "$page"

# Variables: the table's and every getenv() of the programs against any
# "Ev NAME" in the three pages.
code=$( {
	sed -n 's/^[[:space:]]*{ "[a-z_]*", "\([A-Z_]*\)",.*/\1/p' \
	    "$top/src/config.c"
	grep -ho 'getenv("[A-Z_]*")' "$top"/src/*.c "$top"/client/*.c |
	    sed 's/getenv("\(.*\)")/\1/'
} | sort -u)
page=$(cat $pages | grep -oE '(^\.|[[:space:]])Ev [A-Z_]+' |
    sed 's/.*Ev //' | sort -u)
same "environment variables" "$code" "$page"

# Options: getopt() strings against the ".It Fl X" of each page, and
# usage() against the SYNOPSIS.
opts() {
	sed -n 's/.*getopt(argc, argv, "\([^"]*\)").*/\1/p' "$1" |
	    tr -d ':' | fold -w 1 | sort
}
fl() {
	sed -n 's/^\.It Fl \([A-Za-z]\).*/\1/p' "$1" | sort -u
}
synopsis() {
	sed -n '/^\.Sh SYNOPSIS/,/^\.Sh/p' "$1" |
	    sed -n 's/^\.Op Fl \([A-Za-z]*\).*/\1/p' | fold -w 1 | sort
}
usage() {
	sed -n '/"usage: /,/;/p' "$1" | grep -oE '\[-[A-Za-z]+' | tr -d '[-' |
	    fold -w 1 | sort
}
same "ltfsee-globusd options" "$(opts "$top/src/main.c")" \
    "$(fl "$m/ltfsee-globusd.8")"
same "ltfsee-globusd synopsis" "$(usage "$top/src/main.c")" \
    "$(synopsis "$m/ltfsee-globusd.8")"
same "ltfsee-globus-stage options" "$(opts "$top/client/stage.c")" \
    "$(fl "$m/ltfsee-globus-stage.1")"
same "ltfsee-globus-stage synopsis" "$(usage "$top/client/stage.c")" \
    "$(synopsis "$m/ltfsee-globus-stage.1")"

# The signals main.c waits for are in the daemon's page.
code=$(sed -n 's/.*sigaddset(&set, \(SIG[A-Z0-9]*\)).*/\1/p' \
    "$top/src/main.c" | sort -u)
page=$(sed -n '/^\.Sh SIGNALS/,/^\.Sh/p' "$m/ltfsee-globusd.8" |
    grep -v '^\.Sh' | grep -oE 'SIG[A-Z0-9]+' | sort -u)
same "signals" "$code" "$page"

if command -v mandoc > /dev/null 2>&1; then
	out=$(mandoc -Tlint -Wwarning "$m"/*.[158] 2>&1)
	expect "mandoc -Tlint -Wwarning man/*.[158]" "" "$out"
else
	echo "# mandoc not installed (third_party/install-deps installs it):" \
	    "skipped mandoc -Tlint"
fi

echo "# $checks checks, $failures failed"
[ "$failures" -eq 0 ]
