#!/bin/sh
#
# cli_deadletter_test.sh - dead letters through the `pipeproc` tool
# (issue 13 item 7) and claim tokens that survive JSON (item 3).
#
#   - range/tail of TOPIC.dead decode the envelope: the text form (seven
#     tab-separated fields) and --json {"dead_id","proc","topic","id",
#     "attempts","error","body"}, --base64 for the body;
#   - replay commits the original bodies back (or --to another topic),
#     with the ack of its own proc in the same transaction: a second
#     replay replays nothing, a claim left by a killed replay is given
#     back and replayed once, and after kill -9 of the node nothing a
#     replay printed is lost nor replayed again;
#   - a log that is not an envelope is PP_EINVALID_BODY and nothing of
#     its batch is committed; a missing topic is PP_ENOTOPIC;
#   - inspect prints claim_token as a string, and ack --token takes it
#     with or without its quotes (what `jq .claim_token` gives).
#
# --max-reclaims 1 dead-letters a claim at its first reclaim. Run from the
# repository root by test/run.sh with $PIPEPROC_CLI and $PIPEPROC_NODE
# set. Output is TAP; the exit status is non-zero when any case fails. No
# fixed sleeps; the trap stops every process and removes the directory.

# shellcheck source=test/lib.sh
. "$(dirname "$0")/lib.sh"

need_env PIPEPROC_CLI PIPEPROC_NODE
export PIPEPROC_NODE
unset PIPEPROC_ADDRESS

make_tmp ppdead
addr=ipc://$tmp/sock

start_node() {
	start_bg "$1" "$PIPEPROC_CLI" node --data "$tmp/d" --listen "$addr"
	node_pid=$bg_pid
	ready_or_bail "$2" "$1" "ready $addr"
}

# dead_letter TOPIC PROC N ERROR: claim N logs of TOPIC as PROC (which
# dead-letters at the first reclaim) and reclaim them with ERROR.
dead_letter() {
	pp proc "$1" --name "$2" --count "$3" --max-reclaims 1 \
		--on-max-reclaims deadletter >/dev/null 2>&1 &&
		pp reclaim "$2" --error "$4"
}

start_node main "node starts"

# ---- reading dead letters ------------------------------------------------

pp commit orders first 'two	words' >"$tmp/orig.ids"
printf 'bin\0ary\n' | pp commit -f orders - >>"$tmp/orig.ids"
id0=$(sed -n 1p "$tmp/orig.ids")
id1=$(sed -n 2p "$tmp/orig.ids")
dead_letter orders billing 3 'card
declined'
verdict "a proc with --on-max-reclaims deadletter gives up on 3 logs"
[ "$(pp length orders.dead)" = 3 ]
verdict "orders.dead holds 3 dead letters"

run pp range orders.dead
[ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 3 ]
verdict "range of a .dead topic prints one line per dead letter"
dead0=$(sed -n 1p "$tmp/out" | cut -f1)
[ "$(sed -n 1p "$tmp/out" | cut -f2-)" = \
	"billing	orders	$id0	1	card\\ndeclined	first" ]
verdict "the text form is ID PROC TOPIC ORIGINAL_ID ATTEMPTS ERROR BODY"
[ "$(sed -n 2p "$tmp/out" | cut -f7)" = 'two\twords' ] &&
	[ "$(sed -n 3p "$tmp/out" | cut -f7)" = 'bin\x00ary\n' ]
verdict "bodies are escaped in the text form"

run pp range orders.dead --json
python3 -c '
import json, sys
r = json.loads(open(sys.argv[1]).readline())
assert r == {"dead_id": sys.argv[2], "proc": "billing", "topic": "orders",
             "id": sys.argv[3], "attempts": 1, "error": "card\ndeclined",
             "body": "first"}, r
' "$tmp/out" "$dead0" "$id0"
verdict "range --json gives dead_id, proc, topic, id, attempts, error, body"
run pp range orders.dead --json --base64
python3 -c '
import base64, json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert base64.b64decode(rows[2]["body"]) == b"bin\0ary\n", rows[2]
assert rows[2]["error"] == "card\ndeclined"
' "$tmp/out"
verdict "range --json --base64 gives the original body in base64"
run pp tail orders.dead --json
[ "$rc" -eq 0 ] && grep -q '"proc":"billing"' "$tmp/out"
verdict "tail decodes dead letters too"
run pp range orders
[ "$(cut -f2 "$tmp/out" | head -n 1)" = first ]
verdict "a topic whose name does not end in .dead is not decoded"

# ---- replay ------------------------------------------------------------------

run pp replay orders.dead
[ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 3 ]
verdict "replay prints one id per dead letter replayed"
cp "$tmp/out" "$tmp/replay.ids"
pp range orders --start "$(head -n 1 "$tmp/replay.ids")" --json --base64 \
	>"$tmp/replayed"
python3 -c '
import base64, json, sys
bodies = [base64.b64decode(json.loads(l)["body"]) for l in open(sys.argv[1])]
assert bodies == [b"first", b"two\twords", b"bin\0ary\n"], bodies
' "$tmp/replayed"
verdict "the original bodies are committed back to their topic, in order"
[ "$(cut -d- -f1 "$tmp/replay.ids" | sort -u | wc -l)" -eq 1 ]
verdict "one batch is one commit"
run pp replay orders.dead
[ "$rc" -eq 0 ] && [ ! -s "$tmp/out" ] && [ "$(pp length orders)" = 6 ]
verdict "a second replay replays nothing"
procs_line=$(pp procs | grep '^replay.orders.dead	')
[ -n "$procs_line" ] && [ "$(echo "$procs_line" | cut -f4)" = 0 ]
verdict "replay's proc replay.orders.dead stays, with nothing left"

pp commit orders2 x >/dev/null
dead_letter orders2 p2 1 boom
run pp replay orders2.dead --to elsewhere --name rp2
[ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 1 ] &&
	[ "$(pp range elsewhere | cut -f2)" = x ]
verdict "replay --to commits to another topic, --name names its proc"

# A replay killed after its claim: the claim is outstanding (as a dead
# replay leaves it, the proc has no reclaim timeout); the next replay
# gives it back and replays every letter once.
pp commit orders3 a b c >/dev/null
dead_letter orders3 p3 3 e3
pp proc orders3.dead --name replay.orders3.dead --count 100 \
	--max-reclaims -1 --reclaim-timeout -1 --on-max-reclaims continue \
	>/dev/null 2>"$tmp/tok"
grep -q '^token ' "$tmp/tok"
verdict "a claim is left outstanding as by a killed replay"
run pp replay orders3.dead
[ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 3 ] &&
	[ "$(pp length orders3)" = 6 ]
verdict "the next replay gives it back and replays each letter once"

# kill -9 of the node after a replay: what it printed is there, and the
# proc's cursor too (nothing replays twice after the restart).
pp commit orders4 p q >/dev/null
dead_letter orders4 p4 2 e4
pp replay orders4.dead >"$tmp/r4.ids"
kill -9 "$node_pid"
wait_exit "$node_pid"
start_node again "the node restarts after kill -9"
[ "$(pp range orders4 --start "$(head -n 1 "$tmp/r4.ids")" | cut -f2 |
	tr '\n' ,)" = "p,q," ]
verdict "the replayed logs survive kill -9 of the node"
run pp replay orders4.dead
[ "$rc" -eq 0 ] && [ ! -s "$tmp/out" ] && [ "$(pp length orders4)" = 4 ]
verdict "after the restart a replay replays nothing again"

# ---- replay errors ---------------------------------------------------------

fails_with "replay of a missing topic is PP_ENOTOPIC" 1 PP_ENOTOPIC \
	pp replay nothing.dead
pp procs | grep -q '^replay.nothing.dead	'
[ $? -ne 0 ]
verdict "... and leaves no proc behind"
pp commit bad.dead 'not an envelope' >/dev/null
fails_with "a log that is not a dead letter is PP_EINVALID_BODY" 1 \
	PP_EINVALID_BODY pp replay bad.dead
pp range bad.dead | grep -q 'not an envelope'
verdict "range prints such a log as any other"
run pp inspect replay.bad.dead
[ "$rc" -eq 0 ] && grep -q '"has_claim":false' "$tmp/out" &&
	grep -q '"next_seq":0' "$tmp/out"
verdict "the failed batch was given back, the cursor did not move"
fails_with "replay without a topic is a usage error" 2 "" pp replay
fails_with "replay with an unknown option is a usage error" 2 "" \
	pp replay orders.dead --bogus

# ---- tokens as JSON strings (item 3) ---------------------------------------

pp commit tok a b >/dev/null
pp proc tok --name tp --count 1 >/dev/null 2>"$tmp/tok"
tok=$(sed -n 's/^token //p' "$tmp/tok")
run pp inspect tp
python3 -c '
import json, sys
r = json.loads(open(sys.argv[1]).read())
assert r["claim_token"] == sys.argv[2], r
' "$tmp/out" "$tok"
verdict "inspect prints claim_token as a JSON string"
quoted=$(python3 -c '
import json, sys
print(json.dumps(json.loads(open(sys.argv[1]).read())["claim_token"]))
' "$tmp/out")
run pp ack tp --token "$quoted"
[ "$rc" -eq 0 ]
verdict "ack --token takes the token with its JSON quotes"
pp proc tok --name tp --count 1 >/dev/null 2>"$tmp/tok"
tok=$(sed -n 's/^token //p' "$tmp/tok")
unquoted=$(pp inspect tp | python3 -c '
import json, sys
print(json.load(sys.stdin)["claim_token"])')
[ "$unquoted" = "$tok" ] && pp ack tp --token "$unquoted" >/dev/null
verdict "ack --token takes the bare token too"
fails_with "a quoted token that is not a number is PP_EINVAL" 1 PP_EINVAL \
	pp ack tp --token '"12x"'
fails_with "a token missing its closing quote is PP_EINVAL" 1 PP_EINVAL \
	pp ack tp --token '"12'

done_testing
