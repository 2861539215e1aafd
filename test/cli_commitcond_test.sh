#!/bin/sh
#
# cli_commitcond_test.sh - the CLI of idempotent producers and conditional
# appends (issue 12 item 1, issue 13 item 10) end to end: `commit
# --producer KEY --seq N` commits once and answers a resend with
# PP_EDUPLICATE; `pipeproc producer KEY` shows the key's last sequence;
# `commit --expect-seq N` commits only at that position, and of writer
# processes racing for one position exactly one wins each round; `stats`
# shows the node id, the same after a restart. Bad command lines are
# usage errors.
#
# Run by test/run.sh with $PIPEPROC_CLI and $PIPEPROC_NODE set. Output is
# TAP. Waits poll a condition with a deadline; nothing sleeps blindly.

# shellcheck source=test/lib.sh
. "$(dirname "$0")/lib.sh"

need_env PIPEPROC_CLI PIPEPROC_NODE
unset PIPEPROC_ADDRESS

make_tmp ppcond
addr=ipc://$tmp/sock

start_node() {
	start_bg node "$PIPEPROC_NODE" --data "$tmp/data" --listen "$addr" \
	    --workers 0 --print-ready
	node_pid=$bg_pid
	ready_or_bail "the node starts" node "ready $addr"
}

stop_node() {
	run pp shutdown
	wait_exit "$node_pid"
	[ "$exit_rc" = 0 ]
	verdict "the node stops"
}

start_node

# ---- idempotent producers ---------------------------------------------------

run pp commit --producer jetstream/S/C --seq 7 orders a b
verdict "a commit with a producer key succeeds"
is "it prints two ids" "$(wc -l <"$tmp/out" | tr -d ' ')" 2

fails_with "the same sequence again is PP_EDUPLICATE" 1 PP_EDUPLICATE \
    pp commit --producer jetstream/S/C --seq 7 orders a b
grep -q "sequence 7 is not above the last applied, 7" "$tmp/err"
verdict "the message names both sequences"
fails_with "a lower sequence is PP_EDUPLICATE" 1 PP_EDUPLICATE \
    pp commit --producer jetstream/S/C --seq 3 orders c
run pp length orders
is "the duplicates committed nothing" "$(cat "$tmp/out")" 2

run pp producer jetstream/S/C
verdict "pipeproc producer succeeds"
grep -q '^{"key":"jetstream/S/C","last_seq":7,"updated_ms":[1-9][0-9]*}$' \
    "$tmp/out"
verdict "it prints the key's last sequence as JSON"
run pp producer nobody
is "an unknown key has sequence 0" "$(cat "$tmp/out")" \
    '{"key":"nobody","last_seq":0,"updated_ms":0}'

fails_with "a bad key is PP_EINVAL" 1 PP_EINVAL pp producer "two words"
fails_with "--producer without --seq is a usage error" 2 "" \
    pp commit --producer k orders x
fails_with "--seq without --producer is a usage error" 2 "" \
    pp commit --seq 1 orders x
fails_with "a non-numeric --seq is a usage error" 2 "" \
    pp commit --producer k --seq x orders x
fails_with "--producer without bodies is a usage error" 2 "" \
    pp commit --producer k --seq 1 orders
fails_with "sequence 0 is PP_EINVAL" 1 PP_EINVAL \
    pp commit --producer k --seq 0 orders x

# ---- conditional append -------------------------------------------------------

run pp commit --expect-seq 0 fresh first
verdict "--expect-seq 0 creates a topic"
fails_with "--expect-seq 0 again is PP_ECONFLICT" 1 PP_ECONFLICT \
    pp commit --expect-seq 0 fresh again
grep -q "topic 'fresh': expected next sequence 0, it is 1" "$tmp/err"
verdict "the message names topic, expected and actual sequence"
run pp commit --expect-seq 1 fresh second
verdict "--expect-seq 1 appends"
fails_with "a non-numeric --expect-seq is a usage error" 2 "" \
    pp commit --expect-seq -1 fresh x

# Writer processes race for each position; exactly one wins each round.
round=0
good=1
while [ $round -lt 10 ]; do
	w=0
	wpids=
	while [ $w -lt 4 ]; do
		pp commit --expect-seq "$round" race "r$round-w$w" \
		    >"$tmp/w$w.out" 2>"$tmp/w$w.err" &
		wpids="$wpids $!"
		w=$((w + 1))
	done
	wins=0
	conflicts=0
	for p in $wpids; do
		if wait "$p"; then
			wins=$((wins + 1))
		fi
	done
	conflicts=$(cat "$tmp"/w?.err | grep -c 'PP_ECONFLICT')
	if [ "$wins" -ne 1 ] || [ "$conflicts" -ne 3 ]; then
		good=0
		diag "round $round: $wins wins, $conflicts conflicts"
	fi
	round=$((round + 1))
done
[ $good -eq 1 ]
verdict "of four racing writers exactly one wins each of ten rounds"
run pp range race
awk -F '\t' '{ split($1, id, "-"); split($2, b, "-");
    if (id[2] != NR - 1 || b[1] != "r" (NR - 1)) exit 1 }
    END { if (NR != 10) exit 1 }' "$tmp/out"
verdict "the topic holds one log per round, in order, no gaps"

# ---- the node id -----------------------------------------------------------------

run pp stats
grep -o '"node_id":"[0-9a-f]*"' "$tmp/out" >"$tmp/id1"
grep -q '^"node_id":"[0-9a-f]\{32\}"$' "$tmp/id1"
verdict "stats shows a node id of 32 hex digits"
stop_node
start_node
run pp stats
grep -o '"node_id":"[0-9a-f]*"' "$tmp/out" >"$tmp/id2"
cmp -s "$tmp/id1" "$tmp/id2"
verdict "the node id is the same after a restart"
run pp producer jetstream/S/C
grep -q '"last_seq":7,' "$tmp/out"
verdict "the producer's last sequence survives the restart"
stop_node

done_testing
