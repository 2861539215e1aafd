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

# shellcheck source=test/lib.sh
. "$(dirname "$0")/lib.sh"

need_env PIPEPROC_CLI PIPEPROC_NODE
export PIPEPROC_NODE
unset PIPEPROC_ADDRESS

make_tmp ppstats
addr=ipc://$tmp/sock

# has DESC TEXT: $tmp/out contains TEXT (a fixed string).
has() {
	if grep -qF -- "$2" "$tmp/out"; then
		pass "$1"
	else
		fail "$1" "missing: $2" "output: $(head -c 400 "$tmp/out")"
	fi
}

# ---- a node with --metrics on a port of its choice -----------------------

start_bg node "$PIPEPROC_CLI" -a "$addr" node --data "$tmp/data" \
    --metrics http://127.0.0.1:0
node_pid=$bg_pid
wait_for grep -q '^metrics http://' "$tmp/node.out"
verdict "pipeproc node --metrics prints the URL it serves after ready"
url=$(sed -n 's/^metrics //p' "$tmp/node.out")
case "$url" in
http://127.0.0.1:[1-9]*/metrics) pass "the URL names the bound port: $url" ;;
*) fail "the URL names the bound port" "got '$url'" ;;
esac

run pp commit orders first second third
verdict "three logs committed"
run pp proc orders --name billing --count 2
verdict "billing claims two logs"
token=$(sed -n 's/^token //p' "$tmp/err")
run pp reclaim billing --token "$token" --error "try again"
verdict "the claim is reclaimed"

run pp stats
verdict "pipeproc stats succeeds"
lines=$(wc -l <"$tmp/out")
if [ "$lines" -eq 1 ] && [ "$(head -c 1 "$tmp/out")" = "{" ] &&
    [ "$(tail -c 2 "$tmp/out" | head -c 1)" = "}" ]; then
	pass "stats prints one JSON object on one line"
else
	fail "stats prints one JSON object on one line" "$(cat "$tmp/out")"
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
	curl -s -o "$tmp/out" -w '%{http_code}' "$url" >"$tmp/code" 2>"$tmp/err"
	[ "$(cat "$tmp/code")" = 200 ]
	verdict "curl fetches the metrics URL"
	has "the text has the logs counter" 'pipeproc_logs_total 3'
	has "the text has the topic's logs" 'pipeproc_topic_logs{topic="orders"} 3'
	has "the text has the proc's lag" \
	    'pipeproc_proc_lag_logs{proc="billing",topic="orders"} 3'
	has "the text declares the counter's type" \
	    '# TYPE pipeproc_logs_total counter'
	curl -s -o /dev/null -w '%{http_code}' "${url%/metrics}/other" \
	    >"$tmp/code" 2>"$tmp/err"
	[ "$(cat "$tmp/code")" = 404 ]
	verdict "another path gets 404"
else
	pass "# SKIP curl is not installed"
fi

# ---- errors ---------------------------------------------------------------

run pp stats extra
if [ "$rc" -eq 2 ] && grep -q "^pipeproc: stats: unexpected argument 'extra' (see 'pipeproc stats --help')$" "$tmp/err"; then
	pass "stats with an argument is a usage error"
else
	fail "stats with an argument is a usage error" "$(cat "$tmp/err")"
fi

run "$PIPEPROC_CLI" -a "ipc://$tmp/nobody" stats
if [ "$rc" -eq 1 ] && grep -q '^pipeproc: stats: PP_ECONNREFUSED: ' "$tmp/err" &&
    [ ! -s "$tmp/out" ]; then
	pass "stats without a node fails with PP_ECONNREFUSED"
else
	fail "stats without a node fails with PP_ECONNREFUSED" "$(cat "$tmp/err")"
fi

run "$PIPEPROC_CLI" -a "ipc://$tmp/other" node --data "$tmp/data2" \
    --metrics 127.0.0.1:9
if [ "$rc" -ne 0 ] && grep -q 'PP_EADDR: bad --metrics' "$tmp/err"; then
	pass "node with a malformed --metrics address does not start"
else
	fail "node with a malformed --metrics address does not start" \
	    "$(cat "$tmp/err")"
fi

run pp shutdown
verdict "the node shuts down"
wait_exit "$node_pid"
[ "$exit_rc" = 0 ]
verdict "the node exits 0"

done_testing
