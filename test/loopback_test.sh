#!/bin/sh
#
# loopback_test.sh - plain tcp:// on loopback without ceremony, not
# without protection (issue 11 item 5): a node on tcp://127.0.0.1:PORT or
# tcp://[::1]:PORT with no token and no --insecure-tcp makes a token,
# leaves it mode 0600 in its user's private runtime directory, and a
# client of the same user needs no options; another local user (created
# and removed here; skipped without root) is refused with PP_EAUTH. The
# token survives a restart; non-loopback tcp:// still needs
# --insecure-tcp and a token.
#
# Run by test/run.sh with $PIPEPROC_CLI and $PIPEPROC_NODE set. Output is
# TAP; waits poll with a deadline.

# shellcheck source=test/lib.sh
. "$(dirname "$0")/lib.sh"

need_env PIPEPROC_CLI PIPEPROC_NODE
unset PIPEPROC_ADDRESS PIPEPROC_TOKEN PIPEPROC_TOKEN_FILE XDG_RUNTIME_DIR

make_tmp pploop
chmod 711 "$tmp"
export TMPDIR="$tmp"
rundir="$tmp/pipeproc-$(id -u)"

# start_node NAME ADDRESS: a node on ADDRESS, output in $tmp/NAME.out
# (a fresh NAME each time), data in $tmp/data; returns 1 when it did not
# become ready (the port may be taken).
start_node() {
	start_bg "$1" "$PIPEPROC_NODE" --data "$tmp/data" --listen "$2" \
	    --print-ready --workers 0
	node_pid=$bg_pid
	wait_ready "$1" "ready $2"
}

# A free port: try a few from a range that depends on our pid.
port=$((20000 + $$ % 20000))
tries=0
until start_node n1 "tcp://127.0.0.1:$port"; do
	tries=$((tries + 1))
	if [ $tries -ge 5 ]; then
		fail "a node starts on tcp://127.0.0.1 without options" \
		    "$(cat "$tmp/n1.err")"
		done_testing
	fi
	kill "$node_pid" 2>/dev/null
	wait_exit "$node_pid"
	port=$((port + 7))
done
pass "a node starts on tcp://127.0.0.1 without a token or --insecure-tcp"
addr="tcp://127.0.0.1:$port"
tokfile="$rundir/tcp-127.0.0.1-$port.token"
is "it leaves its token in the private runtime directory, mode 0600" \
    "$(stat -c '%a %s' "$tokfile" 2>&1)" "600 64"
is "... which only we may enter" "$(stat -c '%a' "$rundir")" 700
run pp commit t one
verdict "a client of the same user needs no options"
run "$PIPEPROC_CLI" -a "tcp://localhost:$port" length t
is "... also as tcp://localhost" "$rc $(cat "$tmp/out")" "0 1"

# A client with no token file at hand is refused by the node.
run env TMPDIR="$tmp/elsewhere" "$PIPEPROC_CLI" -a "$addr" length t
[ "$rc" -eq 1 ] && grep -q "PP_EAUTH" "$tmp/err" &&
    grep -q "only for its own user" "$tmp/err"
verdict "without the token file, PP_EAUTH that says why"

tok1=$(cat "$tokfile")
run pp shutdown
wait_exit "$node_pid"
start_node n2 "$addr" || fail "the node restarts on the same address"
run pp commit t two
[ "$rc" -eq 0 ] && [ "$(cat "$tokfile")" = "$tok1" ]
verdict "a restarted node keeps the token it left"

if [ "$(id -u)" = 0 ] && command -v useradd >/dev/null 2>&1 &&
    command -v setpriv >/dev/null 2>&1; then
	other=ppl$$
	if useradd -M -N -s /bin/false -d /nonexistent "$other" 2>/dev/null; then
		at_exit 'userdel "$other" 2>/dev/null'
		mkdir "$tmp/o" && chown "$other" "$tmp/o"
		run setpriv --reuid="$(id -u "$other")" \
		    --regid="$(id -g "$other")" --init-groups \
		    env TMPDIR="$tmp/o" "$PIPEPROC_CLI" -a "$addr" commit t x
		[ "$rc" -eq 1 ] && grep -q "PP_EAUTH" "$tmp/err"
		verdict "another local user is refused with PP_EAUTH"
		run setpriv --reuid="$(id -u "$other")" \
		    --regid="$(id -g "$other")" --init-groups cat "$tokfile"
		[ "$rc" -ne 0 ]
		verdict "... and cannot read the token"
	else
		pass "# SKIP useradd failed"
	fi
else
	pass "# SKIP another user needs root"
fi
run pp length t
is "nothing but our own commits arrived" "$(cat "$tmp/out")" 2
run pp shutdown
wait_exit "$node_pid"

# IPv6 loopback, when the host has it.
if start_node n3 "tcp://[::1]:$port"; then
	run "$PIPEPROC_CLI" -a "tcp://[::1]:$port" commit t six
	verdict "tcp://[::1] works the same"
	[ -f "$rundir/tcp-::1-$port.token" ]
	verdict "... with a token of its own name"
	run "$PIPEPROC_CLI" -a "tcp://[::1]:$port" shutdown
	wait_exit "$node_pid"
else
	kill "$node_pid" 2>/dev/null
	pass "# SKIP no IPv6 loopback"
fi

run "$PIPEPROC_NODE" --data "$tmp/d4" --listen "tcp://0.0.0.0:$port"
[ "$rc" -ne 0 ] && grep -q "insecure-tcp" "$tmp/err"
verdict "a non-loopback tcp:// still needs --insecure-tcp and a token"
run "$PIPEPROC_CLI" -a "tcp://10.0.0.1:$port" length t
[ "$rc" -eq 1 ] && grep -q "PP_EINVAL" "$tmp/err"
verdict "... and so does a client of one"
done_testing
