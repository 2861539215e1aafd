#!/bin/sh
#
# jetstream_sink_test.sh - the `jetstream` sink plugin against one real
# nats-server (test/lib_nats.sh): logs of a topic land in a JetStream
# stream exactly once, in order, with Nats-Msg-Id "<id>/<topic>/<log id>",
# also across a kill -9 of the worker; and every bad setup is a clear
# PP_EPLUGIN at creation with nothing created: a missing stream, a
# duplicate window shorter than reclaim_timeout x max_reclaims, unbounded
# reclaims, wrong credentials, a TLS server whose CA we do not trust, an
# unreachable server, a bad config. The credential and TLS cases are
# checked for a source (`pipeproc source`) too, since both halves of the
# plugin connect alike.
#
# Output is TAP; no fixed sleeps (every wait polls with a deadline).

# shellcheck source=test/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=test/lib_nats.sh
. "$(dirname "$0")/lib_nats.sh"

nats_test_env PIPEPROC_GEN_CERTS
deadline_s=30

make_tmp ppjs
addr=ipc://$tmp/sock

nats_start_one
na stream-add PPS 'pps.>' 120000 1 && na stream-add SHORT 'short.>' 1000 1
verdict "streams PPS (window 120 s) and SHORT (window 1 s) are created"

start_bg node "$PIPEPROC_CLI" node --data "$tmp/a" --listen "$addr" \
	--workers 1
node_pid=$bg_pid
ready_or_bail "node A starts with one worker" node "ready $addr"

base="servers=$nats_url;stream=PPS;subject=pps.{topic};id_prefix=hostA"

# refused DESC NEEDLE ARGS...: system-proc ARGS is PP_EPLUGIN whose
# message holds NEEDLE, and no proc named "bad" exists afterwards.
refused() {
	rf_desc=$1
	rf_needle=$2
	shift 2
	fails_with "$rf_desc" 1 PP_EPLUGIN pp system-proc bad --from orders \
		--plugin "$js" "$@"
	if grep -qF -- "$rf_needle" "$tmp/err" &&
		! pp procs | grep -q '^bad	'; then
		pass "... says '$rf_needle', and nothing is created"
	else
		fail "... says '$rf_needle', and nothing is created" \
			"stderr: $(cat "$tmp/err")" "procs: $(pp procs)"
	fi
}

# ---- refusals at creation ---------------------------------------------

refused "a stream that does not exist is refused" \
	"stream NOPE does not exist" \
	--config "servers=$nats_url;stream=NOPE;subject=pps.x;id_prefix=a"
refused "a duplicate window shorter than the reclaims is refused" \
	"duplicate window of 1000 ms, shorter than reclaim_timeout_ms x max_reclaims = 100000 ms" \
	--config "servers=$nats_url;stream=SHORT;subject=short.x;id_prefix=a" \
	--reclaim-timeout 10000 --max-reclaims 10
refused "unbounded reclaims are refused" "redelivers without bound" \
	--config "$base" --max-reclaims -1
refused "a config without subject is refused" "subject: required" \
	--config "servers=$nats_url;stream=PPS;id_prefix=a"
refused "an unknown config key is refused" "unknown key 'colour'" \
	--config "$base;colour=red"
refused "a missing credentials file is refused" "credentials $tmp/none" \
	--config "$base;credentials=$tmp/none"
port=$(free_port)
refused "an unreachable server is refused" "connect to nats://127.0.0.1:$port" \
	--config "servers=nats://127.0.0.1:$port;stream=PPS;subject=a;id_prefix=a"

# A server with a user and password.
nats_start_server auth 'authorization { user: u, password: "right" }'
auth_url=nats://127.0.0.1:$nats_port_auth
wait_for "$PIPEPROC_NATS_ADMIN" -s "$auth_url" --user u --password right \
	stream-add AUTH 'auth.>' 120000 1
verdict "a server with a password and a stream on it"
printf 'user=u\npassword=wrong\n' >"$tmp/wrong.creds"
printf '# test\nuser = u\npassword = right\n' >"$tmp/right.creds"
refused "wrong credentials are refused" "Authorization Violation" \
	--config "servers=$auth_url;stream=AUTH;subject=auth.x;id_prefix=a;credentials=$tmp/wrong.creds"
fails_with "a source with wrong credentials is refused" 1 PP_EPLUGIN \
	pp source badsrc --to in --plugin "$js" \
	--config "servers=$auth_url;stream=AUTH;consumer=c;credentials=$tmp/wrong.creds"
grep -q "Authorization Violation" "$tmp/err"
verdict "... saying Authorization Violation"
run pp system-proc authok --from orders --plugin "$js" \
	--config "servers=$auth_url;stream=AUTH;subject=auth.x;id_prefix=a;credentials=$tmp/right.creds"
verdict "the right credentials are accepted"
run pp system-proc-destroy authok
verdict "... and that systemProc is removed again"

# A TLS server with a certificate of CA 1; we trust CA 2 (or CA 1).
"$PIPEPROC_GEN_CERTS" "$tmp/ca1" --host 127.0.0.1 >/dev/null &&
	"$PIPEPROC_GEN_CERTS" "$tmp/ca2" --host 127.0.0.1 >/dev/null
verdict "two CAs with server certificates"
nats_start_server tls "tls { cert_file: \"$tmp/ca1/node.pem\", key_file: \"$tmp/ca1/node.key\" }"
tls_url=tls://127.0.0.1:$nats_port_tls
wait_for "$PIPEPROC_NATS_ADMIN" -s "$tls_url" --tls-ca "$tmp/ca1/ca.pem" \
	stream-add TLS 'tls.>' 120000 1
verdict "a TLS server and a stream on it"
refused "a TLS server whose CA is not the configured one is refused" \
	"connect to $tls_url" \
	--config "servers=$tls_url;stream=TLS;subject=tls.x;id_prefix=a;tls_ca=$tmp/ca2/ca.pem"
fails_with "a source on a TLS server with the wrong CA is refused" 1 \
	PP_EPLUGIN pp source badsrc --to in --plugin "$js" \
	--config "servers=$tls_url;stream=TLS;consumer=c;tls_ca=$tmp/ca2/ca.pem"
run pp source tlssrc --to in --plugin "$js" \
	--config "servers=$tls_url;stream=TLS;consumer=c;tls_ca=$tmp/ca1/ca.pem"
verdict "a source with the right CA is accepted"
run pp source-destroy tlssrc
verdict "... and removed again"
run pp system-proc tlsok --from orders --plugin "$js" \
	--config "servers=$tls_url;stream=TLS;subject=tls.x;id_prefix=a;tls_ca=$tmp/ca1/ca.pem"
verdict "the right CA is accepted"
run pp system-proc-destroy tlsok
verdict "... and that systemProc is removed again"
nats_stop auth
nats_stop tls

# ---- the flow ------------------------------------------------------------

# ids_of TOPIC: "hostA/TOPIC/ID<TAB>BODY" for every log of TOPIC, in order.
ids_of() {
	pp range "$1" | awk -F '\t' -v t="$1" '{ print "hostA/" t "/" $1 "\t" $2 }'
}

# stream_has N: the stream PPS holds N messages.
stream_has() {
	[ "$(na stream-count PPS | cut -d' ' -f1)" = "$1" ]
}

# same_as_topic TOPIC: the stream's messages are the topic's logs, each
# once, in order, with the right ids and subjects.
same_as_topic() {
	ids_of "$1" >"$tmp/want"
	na dump PPS | awk -F '\t' '{ print $2 "\t" $4 }' >"$tmp/got"
	cmp -s "$tmp/want" "$tmp/got" &&
		! na dump PPS | cut -f3 | grep -qv "^pps\.$1\$"
}

seq 1 2000 | sed 's/^/order /' | pp commit orders >/dev/null
verdict "2000 logs committed to orders"
run pp system-proc sink --from orders --plugin "$js" --count 100 \
	--config "$base"
verdict "system-proc sink with the jetstream plugin is created"
if wait_for stream_has 2000; then
	pass "the stream receives the 2000 logs"
else
	fail "the stream receives the 2000 logs" "$(na stream-count PPS)" \
		"procs: $(pp procs)"
fi
same_as_topic orders
verdict "each log once, in order, Nats-Msg-Id hostA/orders/ID, subject pps.orders"

# ---- kill -9 of the worker mid-flow ---------------------------------------

# worker_pid: the pid of node A's worker.
worker_pid() {
	ps -o pid=,comm= --ppid "$node_pid" | awk '$2 ~ /worker/ { print $1 }'
}

seq 2001 30000 | sed 's/^/order /' | pp commit orders >/dev/null
verdict "28000 more logs committed"
stream_between() {
	c=$(na stream-count PPS | cut -d' ' -f1)
	[ "${c:-0}" -gt 4000 ]
}
wait_for stream_between
w=$(worker_pid)
c=$(na stream-count PPS | cut -d' ' -f1)
if [ -n "$w" ] && [ "$c" -lt 30000 ]; then
	kill -KILL "$w"
	pass "the worker ($w) is killed with -9 mid-flow, at $c of 30000"
else
	fail "the worker is killed with -9 mid-flow" "worker '$w', count $c"
fi
if wait_for stream_has 30000; then
	pass "a new worker publishes the rest: the stream holds 30000"
else
	fail "a new worker publishes the rest: the stream holds 30000" \
		"$(na stream-count PPS)" "procs: $(pp procs)"
fi
same_as_topic orders
verdict "still each log exactly once, in order"
nw=$(worker_pid)
[ -n "$nw" ] && [ "$nw" != "$w" ]
verdict "the node started a new worker"

done_testing
