#!/bin/sh
# bench/cache.sh: memory per cached file state and the time of a cache
# hit, for N entries (default 1,000,000), through the daemon's own state
# module with a scripted eeadm (tests/tools/cachebench.c).  Needs about
# N hard links' worth of space in TMPDIR (removed at the end).
#
#   bench/cache.sh [N]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${BIN:-$top/bin}
[ -x "$bin/tests/tools/cachebench" ] ||
    make -C "$top" "$bin/tests/tools/cachebench" >/dev/null
"$bin/tests/tools/cachebench" "${1:-1000000}"
