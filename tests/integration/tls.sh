# TLS against a live daemon with real clients (curl, openssl s_client,
# Python's ssl): RSA and EC certificates, TLS 1.3-only clients, session
# resumption, the handshake deadline under silent and stalled sockets,
# clients that drop the connection, SIGHUP with a new or broken pair,
# and the rule that plain HTTP needs a loopback bind or "tls = off".
# Certificates are made here with openssl; every client has a timeout.
. "$(dirname "$0")/lib.sh"

command -v openssl >/dev/null || { echo "tls.sh: needs openssl" >&2; exit 1; }
command -v python3 >/dev/null || { echo "tls.sh: needs python3" >&2; exit 1; }

c="$work/certs"
mkdir -p "$c"
serial=1
{
	echo "basicConstraints=CA:FALSE"
	echo "subjectAltName=IP:127.0.0.1,DNS:localhost"
} > "$c/ext"

# mkkey NAME rsa|ec: an RSA 2048 or EC P-256 key in $c/NAME.key.
mkkey() {
	case $2 in
	rsa) set -- "$1" -algorithm RSA -pkeyopt rsa_keygen_bits:2048 ;;
	ec) set -- "$1" -algorithm EC -pkeyopt ec_paramgen_curve:P-256 ;;
	esac
	k=$1
	shift
	openssl genpkey "$@" -out "$c/$k.key" 2>/dev/null
}

# mkca NAME rsa|ec: a self-signed CA in $c/NAME.pem.
mkca() {
	mkkey "$1" "$2"
	openssl req -x509 -new -key "$c/$1.key" -subj "/CN=test CA $1" \
	    -days 2 -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign -out "$c/$1.pem" 2>/dev/null
}

# mkleaf NAME rsa|ec CA: a leaf for 127.0.0.1 and localhost signed by
# CA, in $c/NAME.key and $c/NAME.pem (the chain: leaf, then CA).
mkleaf() {
	mkkey "$1" "$2"
	openssl req -new -key "$c/$1.key" -subj /CN=localhost \
	    -out "$c/$1.csr" 2>/dev/null
	serial=$((serial + 1))
	openssl x509 -req -in "$c/$1.csr" -CA "$c/$3.pem" \
	    -CAkey "$c/$3.key" -set_serial "$serial" -days 2 \
	    -extfile "$c/ext" -out "$c/$1.leaf" 2>/dev/null
	cat "$c/$1.leaf" "$c/$3.pem" > "$c/$1.pem"
}

mkca ca_rsa rsa
mkca ca_ec ec
mkleaf rsa rsa ca_rsa
mkleaf ec ec ca_ec
mkleaf ec_by_rsa ec ca_rsa
mkleaf rsa2 rsa ca_rsa
for f in rsa ec ec_by_rsa rsa2; do
	[ -s "$c/$f.pem" ] && [ -s "$c/$f.key" ] ||
	    { echo "tls.sh: openssl could not make $f" >&2; exit 1; }
done

# use PAIR: the daemon's certfile and keyfile ($c/cur.*) become PAIR's.
use() {
	cp "$c/$1.pem" "$c/cur.pem"
	cp "$c/$1.key" "$c/cur.key"
}

# start_tls PAIR: (re)starts the daemon with PAIR.
start_tls() {
	daemon_stop
	use "$1"
	daemon_config "certfile = $c/cur.pem" "keyfile = $c/cur.key" \
	    "handshake_timeout = 2" "header_timeout = 60" \
	    "allowed_paths = $work/gpfs" "state_batch_delay = 0.01"
	daemon_start
}

# get CA [curl args...]: GET /api/v0.5/ over TLS 1.2; prints the status.
get() {
	ca=$1
	shift
	curl -s -m 5 -o /dev/null -w '%{http_code}' --cacert "$c/$ca.pem" \
	    --tlsv1.2 --tls-max 1.2 "$@" "https://127.0.0.1:$port/api/v0.5/"
}

# sclient ARGS...: one GET through openssl s_client; output in $out.
sclient() {
	out=$(printf 'GET /api/v0.5/ HTTP/1.1\r\nHost: t\r\n%s\r\n\r\n' \
	    'Connection: close' | timeout 10 openssl s_client \
	    -connect "127.0.0.1:$port" -ign_eof "$@" 2>&1)
}

# The SHA-256 of the leaf a new handshake gets, and of a PEM file's first.
served_fp() {
	timeout 10 openssl s_client -connect "127.0.0.1:$port" -tls1_2 \
	    </dev/null 2>/dev/null | openssl x509 -outform DER 2>/dev/null |
	    sha256sum | cut -c1-64
}
file_fp() {
	openssl x509 -in "$1" -outform DER | sha256sum | cut -c1-64
}

# wait_log PATTERN N: waits (5 s at most) until the log has N lines
# matching PATTERN.
wait_log() {
	i=0
	while [ "$(grep -c -- "$1" "$work/daemon.log")" -lt "$2" ] &&
	    [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# pyclient MODE ARGS...: a Python TLS client for what curl and s_client
# cannot do (see the modes below); prints KEY=VALUE words.
pyclient() {
	timeout 20 python3 - "$port" "$c/ca_rsa.pem" "$@" <<'PY'
import hashlib, os, signal, socket, ssl, sys, time

port, ca, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
if mode == "reload":
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
else:
    ctx.load_verify_locations(ca)

def connect():
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    return ctx.wrap_socket(raw, server_hostname="127.0.0.1")

def response(s):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            return "eof"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v)
    while len(body) < length:
        chunk = s.recv(4096)
        if not chunk:
            return "eof"
        body += chunk
    return head.split(b" ")[1].decode()

get = b"GET /api/v0.5/ HTTP/1.1\r\nHost: t\r\n\r\n"
out = []
if mode == "drop":
    # A full response, then a TCP close without close_notify (Python's
    # close() does not send one).
    s = connect()
    s.sendall(get)
    out.append("status=" + response(s))
    s.close()
elif mode == "cut":
    # A body shorter than its Content-Length, then the end of the stream.
    body = sys.argv[4].encode()
    s = connect()
    s.sendall(b"POST /api/v0.5/file_state/file_state HTTP/1.1\r\n"
              b"Host: t\r\nX-API-KEY: " + sys.argv[5].encode() +
              b"\r\nContent-Length: %d\r\n\r\n" % (len(body) + 20) + body)
    time.sleep(0.2)
    s.close()
    out.append("sent=1")
elif mode == "big":
    # A body far over max_body, all sent before the answer is read, as
    # curl does without "Expect: 100-continue".
    n = 32 << 20
    s = connect()
    sent = "all"
    try:
        s.sendall(b"POST /api/v0.5/file_state/file_state HTTP/1.1\r\n"
                  b"Host: t\r\nContent-Length: %d\r\n\r\n" % n)
        chunk = b"a" * 65536
        for _ in range(n // len(chunk)):
            s.sendall(chunk)
    except OSError as e:
        sent = "partial(%s)" % e.__class__.__name__
    try:
        out.append("status=" + response(s))
    except OSError as e:
        out.append("status=" + e.__class__.__name__)
    out.append("sent=" + sent)
elif mode == "idle":
    # The handshake, then a pause shorter than header_timeout.
    s = connect()
    time.sleep(float(sys.argv[4]))
    try:
        s.sendall(get)
        out.append("status=" + response(s))
    except OSError as e:
        out.append("status=" + e.__class__.__name__)
elif mode == "reload":
    # A keep-alive connection across SIGHUP: it keeps its certificate.
    pid, log, pattern = int(sys.argv[4]), sys.argv[5], sys.argv[6]
    def count():
        with open(log, errors="replace") as f:
            return sum(pattern in line for line in f)
    s = connect()
    s.sendall(get)
    out.append("before=" + response(s))
    fp = hashlib.sha256(s.getpeercert(True)).hexdigest()
    n = count()
    os.kill(pid, signal.SIGHUP)
    for _ in range(50):
        if count() > n:
            break
        time.sleep(0.1)
    s.sendall(get)
    out.append("after=" + response(s))
    out.append("fp=" + fp)
print(" ".join(out))
PY
}

mkdir -p "$work/gpfs"
echo data > "$work/gpfs/f"
printf '%s\tP\n' "$work/gpfs/f" > "$FAKE_EEADM_DIR/states"
calls() { cat "$FAKE_EEADM_DIR/count" 2>/dev/null || echo 0; }

# RSA: curl and s_client over TLS 1.2, with the chain verified.
start_tls rsa
expect "curl --cacert over TLS 1.2 (RSA)" 200 "$(get ca_rsa)"
expect "curl without the CA refuses our certificate" 000 \
    "$(curl -s -m 5 -o /dev/null -w '%{http_code}' \
    "https://127.0.0.1:$port/api/v0.5/")"
sclient -tls1_2 -CAfile "$c/ca_rsa.pem" -verify_return_error
expect_match "s_client RSA: 200" '^HTTP/1.1 200' "$out"
expect_match "s_client RSA: TLS 1.2, ECDHE-RSA AEAD" \
    'Cipher is ECDHE-RSA-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)' \
    "$out"
expect_match "s_client RSA: 2048-bit key, chain verified" \
    'Server public key is 2048 bit' "$out"
expect_match "s_client RSA: verify ok" 'Verify return code: 0 \(ok\)' "$out"
sclient -tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305
expect_match "ChaCha20-Poly1305 for a client that offers only it" \
    'Cipher is ECDHE-RSA-CHACHA20-POLY1305' "$out"
sclient -tls1_1
expect_match "TLS 1.1 refused by default" 'Cipher is \(NONE\)' "$out"
wait_log 'at most TLS 1.1' 1
expect_match "TLS 1.1 client: logged at debug" \
    'debug: .*client offers at most TLS 1.1' "$(cat "$work/daemon.log")"

# A TLS 1.3-only client: protocol_version, and the daemon goes on.
out=$(timeout 10 openssl s_client -connect "127.0.0.1:$port" -tls1_3 \
    </dev/null 2>&1)
expect_match "TLS 1.3-only client: protocol_version alert" \
    'alert protocol version|alert number 70' "$out"
wait_log 'offers only TLS 1.3' 1
expect_match "TLS 1.3-only client: logged at debug" \
    'debug: .*offers only TLS 1.3' "$(cat "$work/daemon.log")"
expect "served after a TLS 1.3-only client" 200 "$(get ca_rsa)"

# Resumption: the second handshake reuses the first's session.
timeout 10 openssl s_client -connect "127.0.0.1:$port" -tls1_2 \
    -sess_out "$work/sess" </dev/null > "$work/s1" 2>&1
timeout 10 openssl s_client -connect "127.0.0.1:$port" -tls1_2 \
    -sess_in "$work/sess" </dev/null > "$work/s2" 2>&1
expect_match "first handshake is new" '^New, TLSv1.2' "$(cat "$work/s1")"
expect_match "second handshake is resumed" '^Reused, TLSv1.2' \
    "$(cat "$work/s2")"

# Silent sockets, stalled record headers, trickled ClientHellos: 100 of
# each.  header_timeout is 60 s, so only the 2-s handshake deadline can
# close them within loadtool's 10 s; a real request is served meanwhile.
pyclient idle 2.5 > "$work/idle" &
holders="$!"
for m in silent record hello; do
	"$bin/tests/tools/loadtool" hold "$port" 100 "$m" 10 \
	    > "$work/hold.$m" &
	holders="$holders $!"
done
i=0
while [ "$(cat "$work"/hold.* | grep -c '^opened=')" -lt 3 ] &&
    [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
expect "300 slow sockets open" "opened=100 opened=100 opened=100" \
    "$(cat "$work/hold.silent" "$work/hold.record" "$work/hold.hello" |
    grep '^opened=' | tr '\n' ' ' | sed 's/ $//')"
t=$(curl -s -m 1 -o /dev/null -w '%{http_code} %{time_total}' \
    --cacert "$c/ca_rsa.pem" "https://127.0.0.1:$port/api/v0.5/")
expect "real request served within 1 s among 300 slow sockets" 200 \
    "${t%% *}"
echo "# real request: ${t#* } s"
for p in $holders; do wait "$p"; done
for m in silent record hello; do
	expect_match "$m sockets closed by the handshake deadline" \
	    '^closed=100 ' "$(grep '^closed=' "$work/hold.$m")"
	echo "# $m: $(grep '^closed=' "$work/hold.$m")"
done
expect "served after the slow sockets" 200 "$(get ca_rsa)"

# The handshake deadline ends with the handshake: a client that
# connects early and asks 2.5 s later is within header_timeout.
expect "request 2.5 s after a completed handshake" "status=200" \
    "$(cat "$work/idle")"

# A body over max_body sent whole before reading: the client gets the
# 413, as over plain HTTP, not a reset.
expect "oversized body over TLS: the 413 is read" "status=413 sent=all" \
    "$(pyclient big)"

# A client that drops the connection after a full response, without
# close_notify: a normal end, logged at debug.
expect "drop without close_notify: response read" "status=200" \
    "$(pyclient drop)"
wait_log 'closed without close_notify' 1
expect_match "drop without close_notify: logged at debug" \
    'debug: tls: .*closed without close_notify' "$(cat "$work/daemon.log")"
expect "served after the drop" 200 "$(get ca_rsa)"

# End of stream in the middle of a body: no eeadm run.  The same request
# whole runs eeadm (so the count can tell).
n0=$(calls)
st=$(curl -s -m 10 -o /dev/null -w '%{http_code}' --cacert "$c/ca_rsa.pem" \
    -H "X-API-KEY: $key" --data-binary "{\"path\": \"$work/gpfs/f\"}" \
    "https://127.0.0.1:$port/api/v0.5/file_state/file_state")
expect "whole body over TLS: 201" 201 "$st"
n1=$(calls)
if [ "$n1" -gt "$n0" ]; then ok "whole body ran eeadm"
else not_ok "whole body ran eeadm" "calls $n0 -> $n1"; fi
pyclient cut "{\"path\": \"$work/gpfs/f\"}" "$key" > /dev/null
wait_log 'closed in the middle of a body' 1
expect_match "cut body: logged" 'closed in the middle of a body' \
    "$(cat "$work/daemon.log")"
expect "cut body: no eeadm run" "$n1" "$(calls)"

# EC P-256 under an EC CA and under an RSA CA.
start_tls ec
expect "curl --cacert over TLS 1.2 (EC, EC CA)" 200 "$(get ca_ec)"
sclient -tls1_2 -CAfile "$c/ca_ec.pem" -verify_return_error
expect_match "s_client EC: 200" '^HTTP/1.1 200' "$out"
expect_match "s_client EC: ECDHE-ECDSA" 'Cipher is ECDHE-ECDSA-' "$out"
expect_match "s_client EC: 256-bit key" 'Server public key is 256 bit' \
    "$out"
start_tls ec_by_rsa
sclient -tls1_2 -CAfile "$c/ca_rsa.pem" -verify_return_error
expect_match "s_client EC key under an RSA CA: 200" '^HTTP/1.1 200' "$out"
expect_match "s_client EC key under an RSA CA: ECDHE-ECDSA" \
    'Cipher is ECDHE-ECDSA-' "$out"

# SIGHUP with a new pair (RSA -> EC): new handshakes get it; a
# connection opened before keeps going.  A broken pair keeps the old.
start_tls rsa
fp_rsa=$(file_fp "$c/rsa.pem")
expect "before reload: the first certificate" "$fp_rsa" "$(served_fp)"
use ec
r=$(pyclient reload "$daemon_pid" "$work/daemon.log" \
    'configuration reloaded')
expect "keep-alive connection across the reload" \
    "before=200 after=200 fp=$fp_rsa" "$r"
expect "after reload: the new certificate" "$(file_fp "$c/ec.pem")" \
    "$(served_fp)"
expect "after reload: curl with the new CA" 200 "$(get ca_ec)"

use rsa2
cp "$c/rsa.key" "$c/cur.key"	# rsa2's certificate, rsa's key
kill -HUP "$daemon_pid"
wait_log 'keeping the old certificate' 1
expect_match "mismatched pair: error logged" \
    'reload: .*cur.key: key does not match.*keeping the old certificate' \
    "$(cat "$work/daemon.log")"
expect "mismatched pair: old certificate kept" "$(file_fp "$c/ec.pem")" \
    "$(served_fp)"
head -c 400 "$c/rsa2.pem" > "$c/cur.pem"
cp "$c/rsa2.key" "$c/cur.key"
kill -HUP "$daemon_pid"
wait_log 'keeping the old certificate' 2
expect "truncated certificate: error logged" 2 \
    "$(grep -c 'keeping the old certificate' "$work/daemon.log")"
expect "truncated certificate: old certificate kept" \
    "$(file_fp "$c/ec.pem")" "$(served_fp)"
expect "served after the broken reloads" 200 "$(get ca_ec)"
use rsa2
kill -HUP "$daemon_pid"
wait_log 'configuration reloaded' 4
expect "a good pair after broken ones is taken" "$(file_fp "$c/rsa2.pem")" \
    "$(served_fp)"

# Plain HTTP off loopback: refused without a certificate; with "tls =
# off" it starts with a warning.  Nothing connects to it: it is stopped
# as soon as it listens, and it runs in a private network namespace
# (unshare -n as root, -rn as a user), so it never listens on a real
# interface; without one, that check is skipped.
pub="$work/public.ini"
{
	echo "[server]"
	echo "auth_key = $key"
	echo "bind = 0.0.0.0:0"
	echo "loglevel = info"
	echo "eeadm = $top/tests/fake-eeadm"
	echo "state_dir = $work/state"
} > "$pub"
chmod 600 "$pub"
msg=$(timeout 10 "$bin/ltfsee-globusd" -d -f "$pub" 2>&1)
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]; then
	ok "0.0.0.0 without a certificate: refused"
else
	not_ok "0.0.0.0 without a certificate: refused" "exit $rc"
fi
expect_match "0.0.0.0 without a certificate: says why" \
    'plain HTTP is allowed only on a loopback address' "$msg"
echo "tls = off" >> "$pub"
netns=""
if [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
	netns="unshare -n"
elif unshare -rn true 2>/dev/null; then
	netns="unshare -rn"
fi
if [ -z "$netns" ]; then
	echo "# no private network namespace (unshare -n, unshare -rn):" \
	    "skipped the tls = off on 0.0.0.0 start"
	finish
	exit $?
fi
: > "$work/public.log"
# unshare execs the daemon, so $pid is the daemon's.
$netns "$bin/ltfsee-globusd" -d -f "$pub" 2> "$work/public.log" &
pid=$!
i=0
while ! grep -q 'listening on' "$work/public.log" && [ $i -lt 50 ] &&
    kill -0 "$pid" 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
kill -TERM "$pid" 2>/dev/null
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
expect_match "tls = off on 0.0.0.0: starts" 'listening on 0.0.0.0:0' \
    "$(cat "$work/public.log")"
expect_match "tls = off on 0.0.0.0: warns" 'warning: tls = off' \
    "$(cat "$work/public.log")"

finish
