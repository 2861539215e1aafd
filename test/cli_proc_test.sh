#!/bin/sh
#
# cli_proc_test.sh - end-to-end tests of the proc subcommands of the
# `pipeproc` tool: proc, ack, reclaim, inspect, procs, disable, resume,
# destroy and tail (with -f).
#
# Starts a real node with `pipeproc node` in a fresh temporary directory
# and drives every subcommand through the CLI, checking exit statuses,
# stdout byte for byte, the "token N" line of proc on stderr and the
# one-line error format:
#
#     pipeproc: SUBCOMMAND: PP_EXXX: text[: detail]
#
# Run from the repository root by test/run.sh with $PIPEPROC_CLI and
# $PIPEPROC_NODE set. Output is TAP; the exit status is non-zero when any
# case fails. There are no fixed sleeps: every wait polls a condition with
# a deadline. The trap kills every process this script started and removes
# the temporary directory on any exit.

# shellcheck source=test/lib.sh
. "$(dirname "$0")/lib.sh"

need_env PIPEPROC_CLI PIPEPROC_NODE
export PIPEPROC_NODE
unset PIPEPROC_ADDRESS

make_tmp ppproc
addr=ipc://$tmp/sock

# token: the claim token proc printed on stderr ("token N"), or "".
token() {
	sed -n 's/^token \([0-9][0-9]*\)$/\1/p' "$tmp/err"
}

# claimed DESC CMD...: CMD (a proc call) exits 0, prints $tmp/want on
# stdout and exactly "token N" on stderr; N goes into $tok.
claimed() {
	desc=$1
	shift
	run "$@"
	tok=$(token)
	if [ "$rc" -eq 0 ] && cmp -s "$tmp/out" "$tmp/want" &&
		[ -n "$tok" ] && [ "$(wc -l <"$tmp/err")" -eq 1 ]; then
		pass "$desc"
	else
		fail "$desc"
		diag "exit status $rc; stderr: $(cat "$tmp/err")"
		diag "$(diff "$tmp/want" "$tmp/out" | head -n 20)"
	fi
}

# nothing DESC CMD...: CMD exits 0 with no output on stdout or stderr.
nothing() {
	desc=$1
	shift
	run "$@"
	if [ "$rc" -eq 0 ] && [ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ]; then
		pass "$desc"
	else
		fail "$desc"
		diag "exit status $rc; stdout: $(head -c 600 "$tmp/out")"
		diag "stderr: $(cat "$tmp/err")"
	fi
}

# field KEY: the value of KEY in the JSON object in $tmp/out, as JSON text
# (strings keep their quotes); needs python3.
field() {
	python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))[sys.argv[2]]
print(json.dumps(v))' "$tmp/out" "$1" 2>/dev/null
}

# inspect_is DESC NAME KEY=VALUE...: `inspect NAME` exits 0 with one JSON
# line whose KEY fields are VALUE (JSON text).
inspect_is() {
	desc=$1
	name=$2
	shift 2
	run pp inspect "$name"
	good=1
	[ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 1 ] || good=0
	bad=""
	for kv in "$@"; do
		got=$(field "${kv%%=*}")
		if [ "$got" != "${kv#*=}" ]; then
			good=0
			bad="$bad ${kv%%=*}=$got"
		fi
	done
	if [ $good -eq 1 ]; then
		pass "$desc"
	else
		fail "$desc"
		diag "exit status $rc; mismatches:$bad"
		diag "stdout: $(cat "$tmp/out")"
		diag "stderr: $(cat "$tmp/err")"
	fi
}

# lines_at_least FILE N: FILE has at least N lines.
lines_at_least() {
	[ "$(wc -l <"$1")" -ge "$2" ]
}

# has_claim NAME VALUE: inspect NAME shows "has_claim":VALUE.
has_claim() {
	pp inspect "$1" | grep -q "\"has_claim\":$2"
}

# procs_has PATTERN: some line of `procs` matches the grep PATTERN.
procs_has() {
	pp procs | grep -q "$1"
}

# no_tail_proc: `procs` succeeds and lists no tail.* proc.
no_tail_proc() {
	pp procs >"$tmp/procs.out" && ! grep -q '^tail\.' "$tmp/procs.out"
}

# other_token TOKEN: a token that is certainly not TOKEN.
other_token() {
	if [ "$1" = 1 ]; then
		echo 2
	else
		echo 1
	fi
}

# ---- command line without a node --------------------------------------

fails_with "proc without --name is a usage error" 2 "" "$PIPEPROC_CLI" \
	-a "$addr" proc t
fails_with "proc without TOPIC is a usage error" 2 "" "$PIPEPROC_CLI" \
	-a "$addr" proc --name p
fails_with "proc --count without a value is a usage error" 2 "" \
	"$PIPEPROC_CLI" -a "$addr" proc t --name p --count
fails_with "proc with an unknown option is a usage error" 2 "" \
	"$PIPEPROC_CLI" -a "$addr" proc t --name p --bogus
fails_with "a --count that is not a number is PP_EINVALID_OPTION" 1 \
	PP_EINVALID_OPTION "$PIPEPROC_CLI" -a "$addr" proc t --name p \
	--count x
fails_with "an unknown --on-max-reclaims is PP_EINVALID_OPTION" 1 \
	PP_EINVALID_OPTION "$PIPEPROC_CLI" -a "$addr" proc t --name p \
	--on-max-reclaims explode
fails_with "a --wait below -1 is PP_EINVAL" 1 PP_EINVAL \
	"$PIPEPROC_CLI" -a "$addr" proc t --name p --wait -2
fails_with "a --token that is not a number is PP_EINVAL" 1 PP_EINVAL \
	"$PIPEPROC_CLI" -a "$addr" ack p --token x
fails_with "ack without NAME is a usage error" 2 "" "$PIPEPROC_CLI" \
	-a "$addr" ack
fails_with "ack --error is a usage error (reclaim only)" 2 "" \
	"$PIPEPROC_CLI" -a "$addr" ack p --error x
fails_with "inspect with two names is a usage error" 2 "" \
	"$PIPEPROC_CLI" -a "$addr" inspect a b
fails_with "procs with an argument is a usage error" 2 "" \
	"$PIPEPROC_CLI" -a "$addr" procs x
fails_with "tail with an unknown option is a usage error" 2 "" \
	"$PIPEPROC_CLI" -a "$addr" tail t -x
fails_with "no node at the address is PP_ECONNREFUSED" 1 PP_ECONNREFUSED \
	"$PIPEPROC_CLI" -a "$addr" procs

# ---- the node ----------------------------------------------------------

# A short grace period: tail -f's proc goes soon after a kill -9.
start_bg node "$PIPEPROC_CLI" node --data "$tmp/d" --listen "$addr" \
	--ephemeral-grace 300
node_pid=$bg_pid
ready_or_bail "node prints 'ready ADDRESS' once it accepts requests" \
	node "ready $addr"

run pp commit t a b c
[ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 3 ]
verdict "commit three logs to t"
id0=$(sed -n 1p "$tmp/out")
id1=$(sed -n 2p "$tmp/out")
id2=$(sed -n 3p "$tmp/out")

: >"$tmp/want"
out_is "procs with no procs prints nothing" pp procs

# ---- proc, ack, stale tokens ------------------------------------------

pairs "$id0" a "$id1" b >"$tmp/want"
# No reclaim timer for p1: on a loaded machine the calls below may take
# longer than the default 10 s, and the timer would release the claim.
# The later calls leave --reclaim-timeout out: the stored one applies.
claimed "proc claims --count logs, prints them and 'token N' on stderr" \
	pp proc t --name p1 --count 2 --reclaim-timeout -1
tok1=$tok
nothing "a second proc before the ack prints nothing and exits 0" \
	pp proc t --name p1 --count 2
inspect_is "inspect shows the outstanding claim and its token" p1 \
	'name="p1"' 'topic="t"' 'offset=">"' 'count=2' 'has_claim=true' \
	"claim_first=\"$id0\"" "claim_last=\"$id1\"" "claim_token=\"$tok1\"" \
	'is_disabled=false' 'next_seq=0' 'lag=3'
printf '%s\n' "$id1" >"$tmp/want"
out_is "ack --token prints the last acked id" pp ack p1 --token "$tok1"
pairs "$id2" c >"$tmp/want"
claimed "after the ack, proc moves on to the next logs" \
	pp proc t --name p1 --count 2
tok2=$tok
[ "$tok2" != "$tok1" ]
verdict "each claim gets its own token"
fails_with "ack with the previous claim's token is PP_ESTALE_CLAIM" 1 \
	PP_ESTALE_CLAIM pp ack p1 --token "$tok1"
has_claim p1 true
verdict "a refused stale ack leaves the claim outstanding"
printf '%s\n' "$id2" >"$tmp/want"
out_is "ack without --token acks the outstanding claim" pp ack p1
fails_with "ack with no outstanding claim is PP_ENOTHING_TO_ACK" 1 \
	PP_ENOTHING_TO_ACK pp ack p1
nothing "a caught-up proc prints nothing" pp proc t --name p1 --count 2
inspect_is "inspect after the acks: cursor at the end, no claim" p1 \
	'has_claim=false' 'claim_first=null' 'claim_token=null' 'next_seq=3' \
	'lag=0' 'reclaims=0'
inspect_is "inspect shows the last acked range and the previous claim" p1 \
	'has_last_acked=true' "last_acked_first=\"$id2\"" \
	"last_acked_last=\"$id2\"" 'has_prev_claim=true' \
	"prev_claim_first=\"$id0\"" "prev_claim_last=\"$id1\""
run pp inspect p1
if command -v python3 >/dev/null 2>&1; then
	python3 -c '
import json, sys
want = ["name", "topic", "offset", "last_error", "count", "max_reclaims",
    "reclaim_timeout_ms", "on_max_reclaims", "is_disabled", "has_claim",
    "claim_first", "claim_last", "claim_token", "claim_deadline_ms",
    "next_seq", "reclaims", "created_ms", "last_claimed_ms",
    "last_acked_ms", "lag", "oldest_unacked_ms", "oldest_unacked_age_ms", "lost",
    "has_last_acked", "last_acked_first", "last_acked_last", "has_prev_claim",
    "prev_claim_first", "prev_claim_last"]
got = json.load(open(sys.argv[1]))
sys.exit(0 if list(got) == want else 1)' "$tmp/out"
	verdict "inspect prints every pp_proc_info field as valid JSON"
else
	pass "inspect prints valid JSON # SKIP no python3"
fi
fails_with "ack of an unknown proc is PP_ENOPROC" 1 PP_ENOPROC \
	pp ack nosuch
fails_with "inspect of an unknown proc is PP_ENOPROC" 1 PP_ENOPROC \
	pp inspect nosuch
fails_with "an invalid proc name is PP_EINVALID_NAME" 1 PP_EINVALID_NAME \
	pp proc t --name 'bad name'
fails_with "proc on an invalid topic is PP_EINVALID_TOPIC" 1 \
	PP_EINVALID_TOPIC pp proc 'bad topic' --name p9

# --json and the other offsets.
printf '{"id":"%s","body":"a"}\n' "$id0" >"$tmp/want"
claimed "proc --json prints the claim as range --json does" \
	pp proc t --name pj --json
pairs "$id1" b "$id2" c >"$tmp/want"
claimed "--offset ID starts after that log" \
	pp proc t --name po --offset "$id0" --count 10
nothing "--offset \$> skips the stored logs" \
	pp proc t --name pn --offset '$>'

# ---- reclaim, max reclaims, disable, resume ---------------------------

ropts="--max-reclaims 2 --reclaim-timeout -1 --on-max-reclaims disable"
pairs "$id0" a >"$tmp/want"
# shellcheck disable=SC2086
claimed "proc with reclaim options claims" pp proc t --name p2 $ropts
tokr1=$tok
fails_with "reclaim with a stale --token is PP_ESTALE_CLAIM" 1 \
	PP_ESTALE_CLAIM pp reclaim p2 --token "$(other_token "$tokr1")"
nothing "reclaim --error gives the claim back" \
	pp reclaim p2 --token "$tokr1" --error "boom 1"
inspect_is "inspect shows last_error and the reclaim count" p2 \
	'last_error="boom 1"' 'reclaims=1' 'has_claim=false' \
	'is_disabled=false' 'max_reclaims=2' 'reclaim_timeout_ms=-1' \
	'on_max_reclaims="disable"'
fails_with "reclaim with no outstanding claim is PP_ENOTHING_TO_RECLAIM" 1 \
	PP_ENOTHING_TO_RECLAIM pp reclaim p2
# shellcheck disable=SC2086
claimed "after a reclaim proc hands out the same logs again" \
	pp proc t --name p2 $ropts
nothing "the reclaim that reaches --max-reclaims succeeds" \
	pp reclaim p2 --error "boom 2"
inspect_is "the M-th reclaim in a row with 'disable' disables the proc" p2 \
	'is_disabled=true' 'last_error="boom 2"' 'reclaims=2'
# shellcheck disable=SC2086
fails_with "proc on a disabled proc is PP_EPROC_DISABLED" 1 \
	PP_EPROC_DISABLED pp proc t --name p2 $ropts
run pp procs
grep -q '^p2	t	disabled	' "$tmp/out"
verdict "procs shows the proc as disabled"
fails_with "disable of a disabled proc is PP_EPROC_ALREADY_DISABLED" 1 \
	PP_EPROC_ALREADY_DISABLED pp disable p2
run pp resume p2
[ "$rc" -eq 0 ] && [ "$(field is_disabled)" = false ] &&
	[ "$(field reclaims)" = 0 ] && [ "$(field name)" = '"p2"' ]
verdict "resume prints the state: active, reclaims reset"
fails_with "resume of an active proc is PP_EPROC_ALREADY_ACTIVE" 1 \
	PP_EPROC_ALREADY_ACTIVE pp resume p2
# shellcheck disable=SC2086
run pp proc t --name p2 $ropts
[ "$rc" -eq 0 ]
verdict "a resumed proc claims again"
printf '%s\n' "$id0" >"$tmp/want"
out_is "a resumed proc acks the logs it was stuck on" pp ack p2
run pp disable p2
[ "$rc" -eq 0 ] && [ "$(field is_disabled)" = true ]
verdict "disable prints the state with is_disabled true"
run pp resume p2
[ "$rc" -eq 0 ]
verdict "resume after disable"

# continue: the logs come back however often they are reclaimed.
copts="--max-reclaims 1 --reclaim-timeout -1 --on-max-reclaims continue"
pairs "$id0" a >"$tmp/want"
# shellcheck disable=SC2086
claimed "a 'continue' proc claims" pp proc t --name pc $copts
nothing "its reclaim succeeds" pp reclaim pc
# shellcheck disable=SC2086
claimed "past --max-reclaims with 'continue' the logs come back" \
	pp proc t --name pc $copts
inspect_is "a 'continue' proc stays active" pc 'is_disabled=false' \
	'on_max_reclaims="continue"'

# deadletter: the claim goes to TOPIC.dead and is acked; --max-reclaims 1
# dead-letters at the first failure (issue 13 item 5).
dopts="--max-reclaims 1 --reclaim-timeout -1 --on-max-reclaims deadletter"
pairs "$id0" a >"$tmp/want"
# shellcheck disable=SC2086
claimed "a 'deadletter' proc claims" pp proc t --name pd $dopts
nothing "its first reclaim (--max-reclaims 1) succeeds" \
	pp reclaim pd --error "bad input"
# The body is binary (it holds the original log and the reason), so read
# it with --json: one line per log, every byte escaped.
run pp range t.dead --json
[ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 1 ] &&
	grep -q 'pd' "$tmp/out" && grep -q 'bad input' "$tmp/out"
verdict "the dead letter is in t.dead with the proc name and the error"
inspect_is "the dead-lettered claim was acked" pd 'has_claim=false' \
	'next_seq=1' 'is_disabled=false'
pairs "$id1" b >"$tmp/want"
# shellcheck disable=SC2086
claimed "after a dead letter the proc moves on" pp proc t --name pd \
	$dopts

# ---- the node's reclaim timer -----------------------------------------

pairs "$id0" a >"$tmp/want"
claimed "proc with --reclaim-timeout 200 claims" \
	pp proc t --name pt --reclaim-timeout 200
tokt=$tok
wait_for has_claim pt false
verdict "the node releases an expired claim without any client call"
inspect_is "the timer's reclaim counts" pt 'reclaims=1'
claimed "the released logs are claimed again" \
	pp proc t --name pt --reclaim-timeout 200
fails_with "the expired claim's token is stale" 1 PP_ESTALE_CLAIM \
	pp ack pt --token "$tokt"

# ---- options, offsets, creation ---------------------------------------

fails_with "other options than the stored ones are PP_EPROC_EXISTS" 1 \
	PP_EPROC_EXISTS pp proc t --name p1 --count 3
fails_with "an option given with its default value is compared too" 1 \
	PP_EPROC_EXISTS pp proc t --name p1 --count 1
nothing "proc with no options uses the stored ones (issue 13 item 4)" \
	pp proc t --name p1
nothing "an option given with the stored value is fine" \
	pp proc t --name p1 --count 2 --max-reclaims 10
inspect_is "the stored options did not change" p1 'count=2' \
	'max_reclaims=10'
fails_with "another topic than the stored one is PP_EPROC_EXISTS" 1 \
	PP_EPROC_EXISTS pp proc other --name p1 --count 2
fails_with "--count 0 is PP_EINVALID_OPTION" 1 PP_EINVALID_OPTION \
	pp proc t --name pz --count 0
fails_with "--reclaim-timeout 0 is PP_EINVALID_OPTION" 1 \
	PP_EINVALID_OPTION pp proc t --name pz --reclaim-timeout 0
fails_with "a bad --offset is PP_EINVALID_ID" 1 PP_EINVALID_ID \
	pp proc t --name pbad --offset nope
run pp procs
[ "$rc" -eq 0 ] && ! grep -q -e '^pbad	' -e '^pz	' "$tmp/out"
verdict "refused options and offsets create no proc"

# ---- procs and lag -----------------------------------------------------

run pp commit t d
id3=$(cat "$tmp/out")
run pp procs
printf 'p1\tt\tactive\t1\t-\t0\t%s\n' "$id2" >"$tmp/want"
grep '^p1	' "$tmp/out" >"$tmp/got"
cmp -s "$tmp/got" "$tmp/want"
verdict "procs prints NAME TOPIC STATUS LAG CLAIM RECLAIMS LAST_ACKED (lag 1)"
printf 'pc\tt\tactive\t4\t%s..%s\t1\t-\n' "$id0" "$id0" >"$tmp/want"
grep '^pc	' "$tmp/out" >"$tmp/got"
cmp -s "$tmp/got" "$tmp/want"
verdict "procs shows an outstanding claim as FIRST..LAST"
cut -f1 "$tmp/out" >"$tmp/got"
LC_ALL=C sort -c "$tmp/got"
verdict "procs lists the procs in name order"

# ---- destroy ------------------------------------------------------------

run pp destroy p1
[ "$rc" -eq 0 ] && [ "$(field name)" = '"p1"' ] &&
	[ "$(field next_seq)" = 3 ]
verdict "destroy prints the proc's last state"
fails_with "inspect after destroy is PP_ENOPROC" 1 PP_ENOPROC \
	pp inspect p1
fails_with "destroy of an unknown proc is PP_ENOPROC" 1 PP_ENOPROC \
	pp destroy p1
run pp procs
[ "$rc" -eq 0 ] && ! grep -q '^p1	' "$tmp/out" && grep -q '^pc	' "$tmp/out"
verdict "destroy removes exactly that proc"
pairs "$id0" a "$id1" b >"$tmp/want"
claimed "a proc created again after destroy starts from its offset" \
	pp proc t --name p1 --count 2

# ---- blocking claims ----------------------------------------------------

nothing "--wait on a caught-up proc returns nothing after the wait" \
	pp proc t --name p1x --offset "$id3" --wait 50
start_bg waiter "$PIPEPROC_CLI" -a "$addr" proc w --name pw --wait 10000
waiter_pid=$bg_pid
wait_for procs_has '^pw	'
verdict "a waiting proc exists while it waits"
run pp commit w hello
wid=$(cat "$tmp/out")
wait_exit "$waiter_pid"
pairs "$wid" hello >"$tmp/want"
[ "$exit_rc" = 0 ] && cmp -s "$tmp/waiter.out" "$tmp/want" &&
	grep -q '^token [0-9]' "$tmp/waiter.err"
verdict "proc --wait returns the log committed while it waits"

# ---- tail ---------------------------------------------------------------

pp range t >"$tmp/want"
out_is "tail prints the topic as range does" pp tail t
pp range t --json >"$tmp/want"
out_is "tail --json prints as range --json does" pp tail t --json
fails_with "tail of a missing topic is PP_ENOTOPIC" 1 PP_ENOTOPIC \
	pp tail nosuch

start_bg tail "$PIPEPROC_CLI" -a "$addr" tail t -f
tail_pid=$bg_pid
wait_for lines_at_least "$tmp/tail.out" 4
verdict "tail -f prints the stored logs"
wait_for procs_has '^tail\.'
verdict "tail -f follows through a temporary proc"
run pp commit t e f
id4=$(sed -n 1p "$tmp/out")
id5=$(sed -n 2p "$tmp/out")
wait_for lines_at_least "$tmp/tail.out" 6
{
	pp range t --end :3
	pairs "$id4" e "$id5" f
} >"$tmp/want"
cmp -s "$tmp/tail.out" "$tmp/want"
verdict "tail -f prints logs committed afterwards, each once, in order"
kill -TERM "$tail_pid"
wait_exit "$tail_pid"
is "tail -f exits on SIGTERM (status 143)" "$exit_rc" 143
run pp procs
[ "$rc" -eq 0 ] && ! grep -q '^tail\.' "$tmp/out"
verdict "tail -f removes its proc on exit"

# tail -f on a topic that does not exist yet sees its first log.
start_bg tail2 "$PIPEPROC_CLI" -a "$addr" tail fresh -f --json
tail2_pid=$bg_pid
wait_for procs_has '^tail\..*	fresh	'
verdict "tail -f waits on a topic that does not exist yet"
run pp commit fresh first
fid=$(cat "$tmp/out")
wait_for lines_at_least "$tmp/tail2.out" 1
printf '{"id":"%s","body":"first"}\n' "$fid" >"$tmp/want"
cmp -s "$tmp/tail2.out" "$tmp/want"
verdict "tail -f --json prints the new topic's first log"
kill -INT "$tail2_pid"
wait_exit "$tail2_pid"
is "tail -f exits on SIGINT (status 130)" "$exit_rc" 130
run pp procs
[ "$rc" -eq 0 ] && ! grep -q '^tail\.' "$tmp/out"
verdict "no tail proc is left after SIGINT"

# A tail -f killed with SIGKILL cannot remove its proc; the node does,
# once the connection has been gone for --ephemeral-grace (issue 14).
start_bg tail3 "$PIPEPROC_CLI" -a "$addr" tail t -f
tail3_pid=$bg_pid
wait_for procs_has '^tail\.'
verdict "tail -f has its proc"
kill -KILL "$tail3_pid"
wait_exit "$tail3_pid"
wait_for no_tail_proc
verdict "the proc of a tail -f killed with SIGKILL goes with its connection"

# tail -f into a pipe that closes: SIGPIPE, proc removed. The write that
# fails is the one after head has gone, so keep committing until then.
("$PIPEPROC_CLI" -a "$addr" tail s -f | head -n 1 >"$tmp/head.out") &
pipe_pid=$!
pids="$pids $pipe_pid"
i=0
while kill -0 "$pipe_pid" 2>/dev/null && [ $i -lt 400 ]; do
	pp commit s x >/dev/null
	sleep 0.025
	i=$((i + 1))
done
wait_exit "$pipe_pid"
[ "$exit_rc" = 0 ] && [ "$(cat "$tmp/head.out")" != "" ]
verdict "tail -f | head -n 1 prints one line and the pipeline ends"
wait_for no_tail_proc
verdict "tail -f stops when its reader goes away and removes its proc"

# wait: done procs return at once; a lagging proc times out; an ack in
# the background ends the wait; unknown names are refused.
pp commit waitt w1 w2 >/dev/null
pp proc waitt --name waiter --count 2 >/dev/null 2>&1
fails_with "wait times out while a proc holds a claim" 1 PP_ETIMEDOUT \
    pp wait waiter --timeout 100
# The ack comes once the wait is parked in the node (its waiting_requests
# gauge grows by one), so the wait is really woken by it.
waiting() {
	pp stats | sed -n 's/.*"waiting_requests": *\([0-9]*\).*/\1/p'
}
waiting_is() {
	[ "$(waiting)" = "$1" ]
}
waiting_before=$(waiting)
start_bg waitbg pp wait waiter --timeout 10000
waitbg_pid=$bg_pid
wait_for waiting_is $((waiting_before + 1))
verdict "the wait is parked in the node"
pp ack waiter >/dev/null
wait_exit "$waitbg_pid"
is "wait returns 0 once the proc acked everything" "$exit_rc" 0
fails_with "wait on an unknown proc is PP_ENOPROC" 1 PP_ENOPROC \
    pp wait no-such-proc --timeout 10
fails_with "wait with a bad --timeout is PP_EINVAL" 1 PP_EINVAL \
    pp wait --timeout soon

run pp shutdown
wait_exit "$node_pid"
is "the node stops on shutdown" "$rc $exit_rc" "0 0"

done_testing
