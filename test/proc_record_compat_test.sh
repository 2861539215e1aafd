#!/bin/sh
#
# proc_record_compat_test.sh - a proc record written before the last acked
# and previous claim ranges existed (version 1, 128 fixed bytes; issue 13
# item 6) still loads: its options, cursor and outstanding claim are
# kept, the ranges read as absent, and the next ack and claim fill them
# in (their ids read from the logs, since a version-1 record keeps no ms).
#
# The old record is made from a new one with the LMDB tools (mdb_dump and
# mdb_load, from lmdb-utils): the fixed part cut back to 128 bytes with
# version byte 1, the strings kept. Output is TAP; there are no fixed
# sleeps, and the trap stops the node and removes the directory.

# shellcheck source=test/lib.sh
. "$(dirname "$0")/lib.sh"

need_env PIPEPROC_CLI PIPEPROC_NODE
export PIPEPROC_NODE
unset PIPEPROC_ADDRESS

make_tmp ppcompat
addr=ipc://$tmp/sock

if ! command -v mdb_dump >/dev/null 2>&1 ||
	! command -v mdb_load >/dev/null 2>&1; then
	pass "version-1 proc records # SKIP no mdb_dump/mdb_load (lmdb-utils)"
	done_testing
fi

start_node() {
	start_bg node "$PIPEPROC_CLI" node --data "$tmp/d" --listen "$addr"
	node_pid=$bg_pid
	ready_or_bail "$1" node "ready $addr"
}

stop_node() {
	run pp shutdown
	wait_exit "$node_pid"
	[ "$rc" -eq 0 ] && [ "$exit_rc" = 0 ]
	verdict "$1"
}

# has DESC TEXT...: `inspect p` prints every TEXT.
has() {
	desc=$1
	shift
	run pp inspect p
	good=$rc
	for want in "$@"; do
		grep -qF -- "$want" "$tmp/out" || good=1
	done
	[ "$good" -eq 0 ]
	verdict "$desc"
	[ "$good" -eq 0 ] || diag "stdout: $(cat "$tmp/out")"
}

start_node "a node on a fresh directory starts"
run pp commit t a b c d
ids=$(cat "$tmp/out")
id0=$(echo "$ids" | sed -n 1p)
id1=$(echo "$ids" | sed -n 2p)
id2=$(echo "$ids" | sed -n 3p)
id3=$(echo "$ids" | sed -n 4p)
pp proc t --name p --count 2 >/dev/null 2>&1
pp ack p >/dev/null
pp proc t --name p >/dev/null 2>&1
has "a version-2 record has the last acked range" \
	"\"last_acked_first\":\"$id0\"" "\"last_acked_last\":\"$id1\"" \
	"\"prev_claim_first\":\"$id0\""
stop_node "the node stops"

# The proc record: key 0x02 "p" (hex 0270). Keep bytes 0..127 with the
# version byte (110) set to 1, then the strings (from byte 216 on).
mdb_dump -s state "$tmp/d" >"$tmp/dump"
awk '
	is_value { v = substr($0, 2)
		print " " substr(v, 1, 220) "01" substr(v, 223, 34) \
		    substr(v, 433)
		is_value = 0; next }
	$0 == " 0270" { is_value = 1 }
	{ print }' "$tmp/dump" >"$tmp/dump1"
grep -A1 -x ' 0270' "$tmp/dump1" | tail -n 1 >"$tmp/value"
[ "$(tr -d ' \n' <"$tmp/value" | wc -c)" -eq $(((128 + 2) * 2)) ]
verdict "the rewritten record has 128 fixed bytes and its strings"
mdb_load -s state -f "$tmp/dump1" "$tmp/d"
verdict "mdb_load writes the version-1 record back"

start_node "the node starts on the version-1 record"
has "its options, cursor and claim are kept; the ranges are absent" \
	'"count":2' '"next_seq":2' '"has_claim":true' \
	"\"claim_first\":\"$id2\"" "\"claim_last\":\"$id3\"" \
	'"has_last_acked":false' '"last_acked_first":null' \
	'"has_prev_claim":false'
run pp ack p
is "its claim is acked" "$(cat "$tmp/out")" "$id3"
has "the ack fills in the last acked range, ids read from the logs" \
	'"has_last_acked":true' "\"last_acked_first\":\"$id2\"" \
	"\"last_acked_last\":\"$id3\""
run pp commit t e
id4=$(cat "$tmp/out")
pp proc t --name p >/dev/null 2>&1
has "the next claim makes the old one the previous claim" \
	"\"claim_first\":\"$id4\"" "\"prev_claim_first\":\"$id2\"" \
	"\"prev_claim_last\":\"$id3\""
stop_node "the node stops again"

done_testing
