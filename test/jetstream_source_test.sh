#!/bin/sh
#
# jetstream_source_test.sh - the `jetstream` plugin as a source (`pipeproc
# source`) against one real nats-server (test/lib_nats.sh): a stream's
# messages land in a topic exactly once, in stream order, as producer
# jetstream/STREAM/CONSUMER, also across a kill -9 of the worker and of
# the node; headers=envelope keeps the subject and Nats-Msg-Id; bad
# setups are a clear error at creation with nothing created.
#
# Output is TAP; no fixed sleeps (every wait polls with a deadline).

# shellcheck source=test/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=test/lib_nats.sh
. "$(dirname "$0")/lib_nats.sh"

nats_test_env
deadline_s=30

make_tmp ppjsrc
addr=ipc://$tmp/sock

nats_start_one
na stream-add SRC 'src.>' 120000 1
verdict "stream SRC is created"

# start_node: node B on its data directory, one worker.
start_node() {
	start_bg node "$PIPEPROC_CLI" node --data "$tmp/b" --listen "$addr" \
		--workers 1
	node_pid=$bg_pid
	wait_ready node "ready $addr"
}
start_node
verdict "node B starts with one worker"

cfg="servers=$nats_url;stream=SRC;consumer=hostB;batch=500;ack_wait_ms=2000"

# ---- refusals --------------------------------------------------------------

fails_with "a stream that does not exist is refused" 1 PP_EPLUGIN \
	pp source bad --to imported --plugin "$js" \
	--config "servers=$nats_url;stream=NOPE;consumer=c"
grep -q "stream NOPE does not exist" "$tmp/err"
verdict "... saying the stream NOPE does not exist"
fails_with "a config without consumer is refused" 1 PP_EPLUGIN \
	pp source bad --to imported --plugin "$js" \
	--config "servers=$nats_url;stream=SRC"
grep -q "consumer: required" "$tmp/err"
verdict "... saying consumer is required"
fails_with "a plugin without source() is refused" 1 PP_EPLUGIN \
	pp source bad --to imported --plugin "$plugins/upper.so"
grep -q "not a source plugin" "$tmp/err"
verdict "... saying it is not a source plugin"
fails_with "source without --to is a usage error" 2 "" \
	pp source bad --plugin "$js" --config "$cfg"
fails_with "nothing named 'bad' was created" 1 PP_ENOSYSPROC \
	pp source-destroy bad
fails_with "an invalid source name is PP_EINVALID_NAME" 1 PP_EINVALID_NAME \
	pp source 'bad name' --to imported --plugin "$js" --config "$cfg"
fails_with "an invalid --to topic is PP_EINVALID_TOPIC" 1 \
	PP_EINVALID_TOPIC pp source bad --to 'no/slash' --plugin "$js" \
	--config "$cfg"
fails_with "more than 16 --to topics are PP_EINVALID_OPTION" 1 \
	PP_EINVALID_OPTION pp source bad --to t1 --to t2 --to t3 --to t4 \
	--to t5 --to t6 --to t7 --to t8 --to t9 --to t10 --to t11 --to t12 \
	--to t13 --to t14 --to t15 --to t16 --to t17 --plugin "$js" \
	--config "$cfg"

# ---- the flow ----------------------------------------------------------------

# length_is TOPIC N: TOPIC holds N logs.
length_is() {
	[ "$(pp length "$1" 2>/dev/null)" = "$2" ]
}

# longer_than TOPIC N: TOPIC holds more than N logs.
longer_than() {
	l=$(pp length "$1" 2>/dev/null)
	[ "${l:-0}" -gt "$2" ]
}

# bodies_are TOPIC N: TOPIC's bodies are "m 1" .. "m N", in order.
bodies_are() {
	seq 1 "$2" | sed 's/^/m /' >"$tmp/want"
	pp range "$1" | cut -f2 >"$tmp/got"
	cmp -s "$tmp/want" "$tmp/got"
}

na publish src.x 3000 m
verdict "3000 messages published to the stream"
run pp source in --to imported --plugin "$js" --config "$cfg"
verdict "pipeproc source creates the jetstream source"
if wait_for length_is imported 3000; then
	pass "the 3000 messages arrive in topic imported"
else
	fail "the 3000 messages arrive in topic imported" \
		"length $(pp length imported)" "$(cat "$tmp/node.err" | tail -n 5)"
fi
bodies_are imported 3000
verdict "each once, in stream order"
run pp producer jetstream/SRC/hostB
grep -q '"last_seq":3000' "$tmp/out"
verdict "the node's producer jetstream/SRC/hostB is at stream sequence 3000"
run pp source in --to imported --plugin "$js" --config "$cfg"
verdict "creating the same source again succeeds"
fails_with "the same name with another --to is PP_EPROC_EXISTS" 1 \
	PP_EPROC_EXISTS pp source in --to other --plugin "$js" --config "$cfg"
fails_with "a systemProc of the source's name is PP_EPROC_EXISTS" 1 \
	PP_EPROC_EXISTS pp system-proc in --from imported \
	--plugin "$plugins/upper.so"

# ---- kill -9 of the worker, then of the node ---------------------------------

worker_pid() {
	ps -o pid=,comm= --ppid "$node_pid" | awk '$2 ~ /worker/ { print $1 }'
}

start_bg pub "$PIPEPROC_NATS_ADMIN" -s "$nats_url" publish src.x 30000 n
pub_pid=$bg_pid
wait_for longer_than imported 6000
w=$(worker_pid)
[ -n "$w" ] && kill -KILL "$w"
verdict "kill -9 of the worker while messages flow (at $(pp length imported))"
wait_for longer_than imported 15000
kill -KILL "$node_pid" && wait_exit "$node_pid"
verdict "kill -9 of node B while messages flow"
start_node
verdict "node B restarts on its data"
wait_exit "$pub_pid"
is "the publisher published 30000 more" "$exit_rc" 0
if wait_for length_is imported 33000; then
	pass "all 33000 messages arrive"
else
	fail "all 33000 messages arrive" "length $(pp length imported)"
fi
{ seq 1 3000 | sed 's/^/m /'; seq 1 30000 | sed 's/^/n /'; } >"$tmp/want"
pp range imported | cut -f2 >"$tmp/got"
cmp -s "$tmp/want" "$tmp/got"
verdict "each exactly once, in stream order, across both kills"
if [ $failures -ne 0 ]; then
	diag "$(diff "$tmp/want" "$tmp/got" | head -n 10)"
fi

# ---- envelope, destroy ---------------------------------------------------------

run pp source env --to enveloped --plugin jetstream \
	--config "servers=$nats_url;stream=SRC;consumer=env;headers=envelope"
verdict "a second source, with headers=envelope, its plugin given by name"
wait_for length_is enveloped 33000
first=$(pp range enveloped --limit 1 --json)
printf '%s' "$first" | grep -q 'src.x\\tm/1\\nm 1'
verdict "its logs carry subject and Nats-Msg-Id before the body"
run pp source-destroy env
verdict "source-destroy removes it"
fails_with "destroying it again is PP_ENOSYSPROC" 1 PP_ENOSYSPROC \
	pp source-destroy env

done_testing
