#!/bin/sh
#
# dedupe_window_test.sh - the node forgets the remembered replies of
# clients that went away (pipeproc-node --dedupe-window): every write
# request's reply is kept under (client id, request id) so that a resend
# gets the same answer, and a client that exits leaves its last one
# behind. The test looks into the store with mdb_dump (lmdb-utils): LMDB
# readers never disturb the node.
#
# Run by test/run.sh with $PIPEPROC_CLI and $PIPEPROC_NODE set. Output is
# TAP. Waits poll a condition with a deadline; nothing sleeps blindly.

# shellcheck source=test/lib.sh
. "$(dirname "$0")/lib.sh"

need_env PIPEPROC_CLI PIPEPROC_NODE
unset PIPEPROC_ADDRESS

if ! command -v mdb_dump >/dev/null 2>&1; then
	echo "1..0 # SKIP no mdb_dump (lmdb-utils)"
	exit 0
fi

make_tmp ppdedupe
addr=ipc://$tmp/sock

# remembered: how many replies the store remembers (keys 0x01 cid rid:
# 17 bytes, printed as " 01" and 32 more hex digits).
remembered() {
	mdb_dump -s state "$tmp/data" | awk '
	    done && (n++ % 2 == 0) && /^ 01/ && length($0) == 35 { c++ }
	    /^HEADER=END/ { done = 1 }
	    END { print c + 0 }'
}
remembered_is() {
	[ "$(remembered)" = "$1" ]
}

run "$PIPEPROC_NODE" --data "$tmp/bad" --listen "$addr" --dedupe-window 5
is "a window under a second is refused" \
    "$rc $(grep -c 'at least 1000 ms' "$tmp/err")" "2 1"

start_bg node "$PIPEPROC_NODE" --data "$tmp/data" --listen "$addr" \
    --workers 0 --dedupe-window 1000 --print-ready
node_pid=$bg_pid
ready_or_bail "the node starts with --dedupe-window 1000" node "ready $addr"

# Three CLI runs are three clients, each leaving its reply behind.
for word in one two three; do
	pp commit t "$word" >/dev/null
done
run remembered
is "three clients left three replies" "$(cat "$tmp/out")" 3

wait_for remembered_is 0
verdict "the node forgets them once the window has passed"

run pp commit t four
verdict "a commit after that succeeds"
run pp range t
is "every log is there once" "$(wc -l <"$tmp/out" | tr -d ' ')" 4

run pp shutdown
wait_exit "$node_pid"
is "the node stops" "$rc $exit_rc" "0 0"

done_testing
