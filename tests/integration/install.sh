# make install into a DESTDIR, file by file with modes; the sample INI
# never replaces an edited one; make uninstall; systemd-analyze verify.
. "$(dirname "$0")/lib.sh"

d="$work/dest"
mk() {
	make -s -C "$top" --no-print-directory BIN="${bin#"$top"/}" \
	    DESTDIR="$d" PREFIX=/usr SYSCONFDIR=/etc LOCALSTATEDIR=/var \
	    UNITDIR=/usr/lib/systemd/system "$@" > "$work/make.out" 2>&1
}

# want MODE PATH: the file exists with that mode.
want() {
	got=$(stat -c %a "$d$2" 2>/dev/null || echo missing)
	expect "installed $2 mode $1" "$1" "$got"
}

mk install || { cat "$work/make.out"; not_ok "make install"; }
want 755 /usr/sbin/ltfsee-globusd
want 755 /usr/bin/ltfsee-globus-stage
want 644 /usr/share/man/man1/ltfsee-globus-stage.1
want 644 /usr/share/man/man5/ltfsee-globus.ini.5
want 644 /usr/share/man/man8/ltfsee-globusd.8
# Both programs read the INI (as ltfsee-globus, as each transferring
# user): 0644, and no key in the sample.
want 644 /etc/ltfsee-globus.ini
want 755 /etc/ltfsee-globus
expect "the sample sets no auth_key" "" \
    "$(grep -E '^auth_key(_file)? *=' "$d/etc/ltfsee-globus.ini")"
want 644 /usr/lib/systemd/system/ltfsee-globusd.service
want 700 /var/lib/ltfsee-globus
expect "the INI is the sample" "" \
    "$(cmp "$top/ltfsee-globus.ini" "$d/etc/ltfsee-globus.ini" 2>&1)"
expect "no .sample on a first install" missing \
    "$(stat -c %a "$d/etc/ltfsee-globus.ini.sample" 2>/dev/null || echo missing)"
expect "nothing else installed" \
    "9" "$(find "$d" -type f -o -type d -name ltfsee-globus | wc -l | tr -d ' ')"
expect_match "unit runs the installed daemon" \
    '^ExecStart=/usr/sbin/ltfsee-globusd -f /etc/ltfsee-globus.ini$' \
    "$(grep '^ExecStart=' "$d/usr/lib/systemd/system/ltfsee-globusd.service")"
"$d/usr/sbin/ltfsee-globusd" -V > "$work/v.out" 2>&1
expect_match "installed daemon runs" '^ltfsee-globusd [0-9.]+$' \
    "$(cat "$work/v.out")"

# A second install keeps the edited INI and puts the sample beside it.
echo "; edited" >> "$d/etc/ltfsee-globus.ini"
mk install || not_ok "make install again"
expect "edited INI kept" "; edited" "$(tail -n 1 "$d/etc/ltfsee-globus.ini")"
want 644 /etc/ltfsee-globus.ini.sample

# A plain "make", then "make install" with other paths, as a user would
# do it, in a build tree of its own (the shared one keeps its paths): the
# programs are rebuilt, and they, the man pages and the unit name the
# configured paths.
pb() {
	make -s -C "$top" --no-print-directory OBJ="$work/obj" \
	    BIN="$work/bin" OPT=-O0 -j2 "$@" > "$work/make.out" 2>&1
}
pb all || { cat "$work/make.out"; not_ok "make (own tree)"; }
pb install DESTDIR="$work/d2" PREFIX=/opt/lg SYSCONFDIR=/opt/lg/etc \
    LOCALSTATEDIR=/opt/lg/var UNITDIR=/opt/lg/units ||
	{ cat "$work/make.out"; not_ok "make install PREFIX=/opt/lg"; }
expect_match "unit follows SBINDIR and SYSCONFDIR" \
    '^ExecStart=/opt/lg/sbin/ltfsee-globusd -f /opt/lg/etc/ltfsee-globus.ini$' \
    "$(grep '^ExecStart=' "$work/d2/opt/lg/units/ltfsee-globusd.service")"
for p in /opt/lg/sbin/ltfsee-globusd /opt/lg/bin/ltfsee-globus-stage; do
	expect "$p rebuilt with SYSCONFDIR" /opt/lg/etc/ltfsee-globus.ini \
	    "$(strings "$work/d2$p" | grep -x '/opt/lg/etc/ltfsee-globus.ini')"
	expect "$p: no /etc default left" "" \
	    "$(strings "$work/d2$p" | grep -x '/etc/ltfsee-globus.ini')"
done
expect "daemon rebuilt with LOCALSTATEDIR" /opt/lg/var/lib/ltfsee-globus \
    "$(strings "$work/d2/opt/lg/sbin/ltfsee-globusd" |
    grep -x '/opt/lg/var/lib/ltfsee-globus')"
m="$work/d2/opt/lg/share/man"
expect_match "man page names the configured INI" \
    '/opt/lg/etc/ltfsee-globus\.ini' \
    "$(cat "$m/man8/ltfsee-globusd.8")"
expect_match "man page names the configured state dir" \
    '/opt/lg/var/lib/ltfsee-globus' "$(cat "$m/man5/ltfsee-globus.ini.5")"
expect "man pages name no /etc or /var path of ours" "" \
    "$(grep -h '/etc/ltfsee-globus\|/var/lib/ltfsee-globus' "$m"/man*/* |
    grep -v '/opt/lg/')"

# systemd-analyze verify, against the installed binary.
if command -v systemd-analyze > /dev/null 2>&1; then
	u="$work/ltfsee-globusd.service"
	sed "s|^ExecStart=/usr/sbin/|ExecStart=$d/usr/sbin/|" \
	    "$d/usr/lib/systemd/system/ltfsee-globusd.service" > "$u"
	if systemd-analyze verify --man=no "$u" > "$work/verify.out" 2>&1
	then ok "systemd-analyze verify"; else
		not_ok "systemd-analyze verify" "$(cat "$work/verify.out")"; fi
else
	echo "# systemd-analyze not installed: skipped the unit check"
fi

# Uninstall: everything goes but the edited INI; the empty state dir goes.
mk uninstall || not_ok "make uninstall"
left=$(cd "$d" && find . -type f | sort | tr '\n' ' ')
expect "uninstall leaves only the edited INI" "./etc/ltfsee-globus.ini " "$left"
expect_match "uninstall says it kept the INI" 'kept .*ltfsee-globus.ini' \
    "$(cat "$work/make.out")"
expect "state dir removed when empty" missing \
    "$(stat -c %a "$d/var/lib/ltfsee-globus" 2>/dev/null || echo missing)"

# A state directory that holds a journal stays.
mk install && : > "$d/var/lib/ltfsee-globus/journal" && mk uninstall
expect "state dir with a journal kept" 700 \
    "$(stat -c %a "$d/var/lib/ltfsee-globus" 2>/dev/null || echo missing)"

# So does a key directory that holds a key.
mk install && : > "$d/etc/ltfsee-globus/server.key" && mk uninstall
expect "key directory with a key kept" 755 \
    "$(stat -c %a "$d/etc/ltfsee-globus" 2>/dev/null || echo missing)"

echo "# $checks checks, $failures failed"
[ "$failures" -eq 0 ]
