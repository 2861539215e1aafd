#!/bin/sh
#
# jetstream_lag_test.sh - a jetstream source shows its lag (issue 12 item
# 3) against one real nats-server (test/lib_nats.sh): `pipeproc procs`
# and `pipeproc stats` say "unknown" for a source that has not reported
# (a node without workers), the number of stream messages not stored yet
# while the source cannot commit them (a node whose --max-body refuses
# them), 0 once they are stored, 0 again after a flow with a kill -9 of
# the worker, and the right figure after a kill -9 of the node (from the
# idle report, the consumer info).
#
# Output is TAP; no fixed sleeps (every wait polls with a deadline).

# shellcheck source=test/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=test/lib_nats.sh
. "$(dirname "$0")/lib_nats.sh"

nats_test_env
deadline_s=30

make_tmp ppjslag
addr=ipc://$tmp/sock

nats_start_one
na stream-add LAG 'lag.>' 120000 1
verdict "stream LAG is created"

# start_node ARGS...: the node on its data directory, with ARGS.
start_node() {
	start_bg node "$PIPEPROC_CLI" node --data "$tmp/d" --listen "$addr" "$@"
	node_pid=$bg_pid
	wait_ready node "ready $addr"
}

# stop_node: a graceful stop.
stop_node() {
	pp shutdown >/dev/null 2>&1
	wait_exit "$node_pid"
}

# source_line: the `procs` line of source "in".
source_line() {
	pp procs | awk -F'\t' '$1 == "in" && $3 == "source"'
}

# lag_is LAG UPSTREAM STORED: `procs` shows source "in" at that lag,
# upstream and stored sequence.
lag_is() {
	source_line | awk -F'\t' -v l="$1" -v u="$2" -v s="$3" \
		'$4 == l && $5 == u && $6 == s { ok = 1 } END { exit !ok }'
}

# length_is TOPIC N: TOPIC holds N logs.
length_is() {
	[ "$(pp length "$1" 2>/dev/null)" = "$2" ]
}

worker_pid() {
	ps -o pid=,comm= --ppid "$node_pid" | awk '$2 ~ /worker/ { print $1 }'
}

na publish lag.x 200 "lagging message"
verdict "200 messages published to the stream"

# ---- no report yet: unknown --------------------------------------------------

start_node --workers 0
verdict "the node starts without workers (no source runs)"
cfg="servers=$nats_url;stream=LAG;consumer=hostB;batch=500;ack_wait_ms=2000"
run pp source in --to imported --plugin "$js" --config "$cfg"
verdict "pipeproc source creates the jetstream source"
printf 'in\timported\tsource\tunknown\t-\t-\t-\t-\t%s\n' "$js" >"$tmp/want"
out_is "procs lists it with its lag unknown (no report yet)" pp procs
run pp procs --json
grep -q '^{"name":"in","kind":"source","topic":"imported","plugin":"[^"]*jetstream.so","producer":"","has_report":false,"lag":null,"upstream_seq":null,"stored_seq":null,"reported_ms":null,"report_age_ms":null}$' "$tmp/out"
verdict "procs --json: the source's object with a null lag"
run pp stats
grep -q '"sources":\[{"name":"in","kind":"source","topic":"imported",.*"has_report":false,"lag":null' "$tmp/out"
verdict "stats: the source in \"sources\", its lag null"
stop_node
verdict "the node stops"

# ---- the source cannot commit: the lag is what the stream holds --------------

start_node --workers 1 --max-body 8
verdict "the node restarts with one worker and --max-body 8 (refuses the messages)"
if wait_for lag_is 200 200 0; then
	pass "procs shows lag 200: upstream 200, stored 0"
else
	fail "procs shows lag 200: upstream 200, stored 0" "$(source_line)" \
		"$(tail -n 3 "$tmp/node.err")"
fi
source_line | awk -F'\t' '$7 ~ /^[0-9]+ms$/ && $8 == "jetstream/LAG/hostB" && $9 ~ /jetstream.so$/ { ok = 1 } END { exit !ok }'
verdict "... with the report's age, the producer key and the plugin"
run pp stats
grep -q '"name":"in",.*"producer":"jetstream/LAG/hostB","has_report":true,"lag":200,"upstream_seq":200,"stored_seq":0,' "$tmp/out"
verdict "stats says the same"
length_is imported 0 || ! pp length imported >/dev/null 2>&1
verdict "nothing was stored"
stop_node
verdict "the node stops"

# ---- caught up -----------------------------------------------------------------

start_node --workers 1
verdict "the node restarts with the default --max-body"
if wait_for lag_is 0 200 200; then
	pass "once stored, the lag is 0 (upstream 200, stored 200)"
else
	fail "once stored, the lag is 0 (upstream 200, stored 200)" \
		"$(source_line)"
fi
length_is imported 200
verdict "topic imported holds the 200 messages"

# ---- a flow with a kill -9 of the worker ---------------------------------------

start_bg pub "$PIPEPROC_NATS_ADMIN" -s "$nats_url" publish lag.x 20000 n
pub_pid=$bg_pid
wait_for pp length imported >/dev/null
longer_than() {
	l=$(pp length imported 2>/dev/null)
	[ "${l:-0}" -gt "$1" ]
}
wait_for longer_than 3000
w=$(worker_pid)
[ -n "$w" ] && kill -KILL "$w"
verdict "kill -9 of the worker while messages flow (at $(pp length imported))"
wait_exit "$pub_pid"
is "the publisher published 20000 more" "$exit_rc" 0
if wait_for lag_is 0 20200 20200; then
	pass "after the flow the lag is 0 again (upstream 20200)"
else
	fail "after the flow the lag is 0 again (upstream 20200)" \
		"$(source_line)" "length $(pp length imported)"
fi
length_is imported 20200
verdict "every message stored once"

# ---- a kill -9 of the node -------------------------------------------------------

kill -KILL "$node_pid" && wait_exit "$node_pid"
verdict "kill -9 of the node"
start_node --workers 1
verdict "the node restarts"
if wait_for lag_is 0 20200 20200; then
	pass "the idle source reports again: lag 0, upstream 20200"
else
	fail "the idle source reports again: lag 0, upstream 20200" \
		"$(source_line)"
fi
run pp source-destroy in
verdict "source-destroy removes it"
pp procs >"$tmp/out"
! grep -q "source" "$tmp/out"
verdict "procs no longer lists it"
stop_node
verdict "the node stops"

done_testing
