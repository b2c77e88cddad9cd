# Malformed and hostile HTTP against a live daemon: every answer is the
# right status with a JSON message, and the daemon stays up.
. "$(dirname "$0")/lib.sh"

daemon_config "max_body = 4096" "max_request_line = 8192" \
    "keepalive_timeout = 1"
daemon_start

R='POST /api/v0.5/file_state/file_state HTTP/1.1\r\nHost: t\r\n'

# check_raw NAME WANT-STATUS BYTES
check_raw() {
	raw "$3"
	expect "$1" "$2" "$(printf '%s' "$status_line" | cut -d' ' -f2)"
}

check_raw "chunked body: 411" 411 \
    "${R}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
check_raw "Transfer-Encoding with Content-Length: 400" 400 \
    "${R}Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n{}"
check_raw "two different lengths: 400" 400 \
    "${R}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{} "
check_raw "empty length: 400" 400 "${R}Content-Length: \r\n\r\n"
for v in -1 +26 0x1a 26abc 99999999999999999999999; do
	check_raw "Content-Length $v: 400" 400 \
	    "${R}Content-Length: $v\r\n\r\n"
done
check_raw "length over the body limit: 413" 413 \
    "${R}Content-Length: 4097\r\n\r\n"
check_raw "header without colon: 400" 400 "${R}Bogus\r\n\r\n"
check_raw "space before colon: 400" 400 "${R}X-A : b\r\n\r\n"
check_raw "obs-fold: 400" 400 "${R}X-A: b\r\n c\r\n\r\n"
check_raw "bare CR: 400" 400 "${R}X-A: b\rc\r\n\r\n"
check_raw "bare LF: 400" 400 "${R}X-A: b\n\r\n"
check_raw "NUL byte: 400" 400 "${R}X-A: b\000c\r\n\r\n"
check_raw "HTTP/1.1 without Host: 400" 400 \
    'GET /api/v0.5/ HTTP/1.1\r\n\r\n'
check_raw "HTTP/2.0: 505" 505 'GET /api/v0.5/ HTTP/2.0\r\nHost: t\r\n\r\n'
check_raw "two X-API-KEY: 400" 400 \
    "${R}X-API-KEY: a\r\nx-api-key: b\r\nContent-Length: 2\r\n\r\n{}"

# A 20,000-byte request line, then 16 MiB with no newline at all.
long=$(head -c 20000 /dev/zero | tr '\0' a)
check_raw "20,000-byte request line: 414" 414 \
    "GET /$long HTTP/1.1\r\nHost: t\r\n\r\n"
rss0=$(awk '/VmRSS/ { print $2 }' /proc/$daemon_pid/status)
st=$(head -c 16777216 /dev/zero | tr '\0' a | timeout 20 curl -s -m 15 \
    telnet://127.0.0.1:$port 2>/dev/null | head -n 1 | cut -d' ' -f2)
expect "16 MiB without a newline: 414" 414 "$st"
rss1=$(awk '/VmRSS/ { print $2 }' /proc/$daemon_pid/status)
if [ $((rss1 - rss0)) -lt 4096 ]; then ok "bounded memory ($rss0 -> $rss1 kB)"
else not_ok "bounded memory" "RSS $rss0 -> $rss1 kB"; fi

hdr=$(head -c 9000 /dev/zero | tr '\0' b)
check_raw "header line over the limit: 431" 431 \
    "GET /api/v0.5/ HTTP/1.1\r\nHost: t\r\nX-Long: $hdr\r\n\r\n"

# Every error body is JSON with a message.
raw "${R}Content-Length: 0x1a\r\n\r\n"
expect_match "error body is JSON with a message" \
    '^\{"message": ".+"\}$' "$(printf '%s\n' "$reply" | tail -n 1)"

# Pipelining: three requests in one write, answered in order.
raw 'GET /api/v0.5/ HTTP/1.1\r\nHost: t\r\n\r\nGET /nope HTTP/1.1\r\nHost: t\r\n\r\nGET /api/v0.5/ HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'
expect "pipelined answers in order" "200 404 200" "$(printf '%s\n' "$reply" |
    grep -o 'HTTP/1.1 [0-9]*' | cut -d' ' -f2 | tr '\n' ' ' | sed 's/ $//')"

# HTTP/1.0 closes unless it asks for keep-alive.
raw 'GET /api/v0.5/ HTTP/1.0\r\n\r\n'
expect_match "HTTP/1.0 gets Connection: close" '^Connection: close' \
    "$(printf '%s\n' "$reply" | grep -i '^connection')"
raw 'GET /api/v0.5/ HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'
expect_match "HTTP/1.0 keep-alive is kept" '^Connection: keep-alive' \
    "$(printf '%s\n' "$reply" | grep -i '^connection')"

# Expect: 100-continue gets its interim answer before the body is sent.
out=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -H 'Expect: 100-continue' \
    -H "X-API-KEY: $key" --data-binary '{"path": 1}' \
    "$(url /api/v0.5/file_state/file_state)" -v 2>&1 | grep -c '100 Continue')
expect "100 Continue sent" 1 "$out"

# Routes, methods.
api GET /nope ""
expect "unknown route: 404" 404 "$status"
api GET /api/v0.5/file_state/file_state ""
expect "wrong method: 405" 405 "$status"
allow=$(curl -s -D - -o /dev/null "$(url /api/v0.5/file_state/file_state)" |
    tr -d '\r' | sed -n 's/^Allow: //p')
expect "405 names Allow" POST "$allow"
api GET /api/v0.5/ ""
expect "API description: 200" 200 "$status"

finish
