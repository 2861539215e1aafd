#!/bin/sh
#
# cli_stats_test.sh - `pipeproc stats` and `pipeproc node --metrics`
# end to end (issue 5 item 4): the JSON line follows what was committed,
# claimed and reclaimed; the node prints the metrics URL it serves and,
# when curl is installed, that URL answers in the Prometheus text format;
# bad command lines and bad addresses fail clearly.
#
# Run by test/run.sh with $PIPEPROC_CLI and $PIPEPROC_NODE set. Output is
# TAP. Waits poll a condition with a deadline; nothing sleeps blindly.

if [ -z "${PIPEPROC_CLI:-}" ] || [ -z "${PIPEPROC_NODE:-}" ]; then
	echo "cli_stats_test.sh: set PIPEPROC_CLI and PIPEPROC_NODE" >&2
	exit 2
fi
export PIPEPROC_NODE
unset PIPEPROC_ADDRESS

dir=$(mktemp -d "/tmp/ppstats.XXXXXX") || exit 2
addr=ipc://$dir/sock
node_pid=""
count=0
failed=0

finish() {
	if [ -n "$node_pid" ]; then
		kill -TERM "$node_pid" 2>/dev/null
		wait "$node_pid" 2>/dev/null
	fi
	rm -rf "$dir"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ok() {
	count=$((count + 1))
	echo "ok $count - $1"
}

not_ok() {
	count=$((count + 1))
	failed=$((failed + 1))
	echo "not ok $count - $1"
	shift
	for line in "$@"; do
		echo "#   $line"
	done
}

# check DESC: passes when the last command succeeded.
check() {
	if [ $? -eq 0 ]; then ok "$1"; else not_ok "$1" "$(cat "$dir/err" 2>/dev/null)"; fi
}

# has DESC TEXT: $dir/out contains TEXT (a fixed string).
has() {
	if grep -qF -- "$2" "$dir/out"; then
		ok "$1"
	else
		not_ok "$1" "missing: $2" "output: $(head -c 400 "$dir/out")"
	fi
}

cli() {
	"$PIPEPROC_CLI" -a "$addr" "$@" >"$dir/out" 2>"$dir/err"
}

# wait_for_line PATTERN FILE: until a line of FILE matches, at most 10 s.
wait_for_line() {
	tries=0
	until grep -q "$1" "$2" 2>/dev/null; do
		tries=$((tries + 1))
		[ $tries -gt 400 ] && return 1
		sleep 0.025
	done
}

# ---- a node with --metrics on a port of its choice -----------------------

"$PIPEPROC_CLI" -a "$addr" node --data "$dir/data" \
    --metrics http://127.0.0.1:0 >"$dir/node.out" 2>"$dir/node.err" &
node_pid=$!
wait_for_line '^metrics http://' "$dir/node.out"
check "pipeproc node --metrics prints the URL it serves after ready"
url=$(sed -n 's/^metrics //p' "$dir/node.out")
case "$url" in
http://127.0.0.1:[1-9]*/metrics) ok "the URL names the bound port: $url" ;;
*) not_ok "the URL names the bound port" "got '$url'" ;;
esac

cli commit orders first second third
check "three logs committed"
cli proc orders --name billing --count 2
check "billing claims two logs"
token=$(sed -n 's/^token //p' "$dir/err")
cli reclaim billing --token "$token" --error "try again"
check "the claim is reclaimed"

cli stats
check "pipeproc stats succeeds"
lines=$(wc -l <"$dir/out")
if [ "$lines" -eq 1 ] && [ "$(head -c 1 "$dir/out")" = "{" ] &&
    [ "$(tail -c 2 "$dir/out" | head -c 1)" = "}" ]; then
	ok "stats prints one JSON object on one line"
else
	not_ok "stats prints one JSON object on one line" "$(cat "$dir/out")"
fi
has "stats counts the one commit" '"commits":1,'
has "stats counts three logs" '"logs":3,'
has "stats counts their bytes" '"bytes":16,'
has "stats counts the reclaim" '"reclaims":1,'
has "stats has the write latency histogram" '"write_latency_us":{"le":[50,'
has "stats lists the topic" '"topics":[{"name":"orders","count":3,"bytes":16,'
has "stats lists the proc with its lag and reclaims" \
    '"procs":[{"name":"billing","topic":"orders","status":"active","has_claim":false,"lag":3,'
has "the proc's reclaims in a row" '"reclaims":1,"lost":0'

if command -v curl >/dev/null 2>&1; then
	curl -s -o "$dir/out" -w '%{http_code}' "$url" >"$dir/code" 2>"$dir/err"
	[ "$(cat "$dir/code")" = 200 ]
	check "curl fetches the metrics URL"
	has "the text has the logs counter" 'pipeproc_logs_total 3'
	has "the text has the topic's logs" 'pipeproc_topic_logs{topic="orders"} 3'
	has "the text has the proc's lag" \
	    'pipeproc_proc_lag_logs{proc="billing",topic="orders"} 3'
	has "the text declares the counter's type" \
	    '# TYPE pipeproc_logs_total counter'
	curl -s -o /dev/null -w '%{http_code}' "${url%/metrics}/other" \
	    >"$dir/code" 2>"$dir/err"
	[ "$(cat "$dir/code")" = 404 ]
	check "another path gets 404"
else
	ok "# SKIP curl is not installed"
fi

# ---- errors ---------------------------------------------------------------

cli stats extra
if [ $? -eq 2 ] && grep -q '^usage: pipeproc' "$dir/err"; then
	ok "stats with an argument is a usage error"
else
	not_ok "stats with an argument is a usage error" "$(cat "$dir/err")"
fi

"$PIPEPROC_CLI" -a "ipc://$dir/nobody" stats >"$dir/out" 2>"$dir/err"
if [ $? -eq 1 ] && grep -q '^pipeproc: stats: PP_ECONNREFUSED: ' "$dir/err" &&
    [ ! -s "$dir/out" ]; then
	ok "stats without a node fails with PP_ECONNREFUSED"
else
	not_ok "stats without a node fails with PP_ECONNREFUSED" "$(cat "$dir/err")"
fi

"$PIPEPROC_CLI" -a "ipc://$dir/other" node --data "$dir/data2" \
    --metrics 127.0.0.1:9 >"$dir/out" 2>"$dir/err"
if [ $? -ne 0 ] && grep -q 'PP_EADDR: bad --metrics' "$dir/err"; then
	ok "node with a malformed --metrics address does not start"
else
	not_ok "node with a malformed --metrics address does not start" \
	    "$(cat "$dir/err")"
fi

cli shutdown
check "the node shuts down"
wait "$node_pid"
check "the node exits 0"
node_pid=""

echo "1..$count"
[ "$failed" -eq 0 ]
