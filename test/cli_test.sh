#!/bin/sh
#
# cli_test.sh - end-to-end tests of the `pipeproc` command-line tool.
#
# Starts real nodes with `pipeproc node` in a fresh temporary directory and
# drives every subcommand through the CLI, checking exit statuses, stdout
# byte for byte and the one-line error format on stderr:
#
#     pipeproc: SUBCOMMAND: PP_EXXX: text[: detail]
#
# Run from the repository root by test/run.sh with $PIPEPROC_CLI (the
# built CLI) and $PIPEPROC_NODE (the built node) set. Output is TAP; the
# exit status is non-zero when any case fails. There are no fixed sleeps:
# every wait polls a condition with a deadline. The trap kills every node
# this script started and removes the temporary directory on any exit.

# shellcheck source=test/lib.sh
. "$(dirname "$0")/lib.sh"

need_env PIPEPROC_CLI PIPEPROC_NODE
export PIPEPROC_NODE
unset PIPEPROC_ADDRESS

make_tmp ppcli
addr=ipc://$tmp/sock

# seq_of ID: the sequence part; ms_of ID: the millisecond part.
seq_of() { echo "${1#*-}"; }
ms_of() { echo "${1%-*}"; }

# ---- command line without a node --------------------------------------

run "$PIPEPROC_CLI" --version
[ "$rc" -eq 0 ] && grep -q '^pipeproc [0-9][0-9]*\.[0-9]' "$tmp/out"
verdict "--version prints the version"
run "$PIPEPROC_CLI" -h
[ "$rc" -eq 0 ] && grep -q '^usage: pipeproc' "$tmp/out"
verdict "-h prints the usage on stdout"
run "$PIPEPROC_CLI" range --help
[ "$rc" -eq 0 ] && grep -q '^usage: pipeproc' "$tmp/out"
verdict "range --help prints the usage"
fails_with "no command is a usage error" 2 "" "$PIPEPROC_CLI"
fails_with "an unknown command is a usage error" 2 "" "$PIPEPROC_CLI" frob
fails_with "an unknown global option is a usage error" 2 "" \
	"$PIPEPROC_CLI" -x topics
fails_with "-a without a value is a usage error" 2 "" "$PIPEPROC_CLI" -a
fails_with "node with an unknown option is a usage error" 2 "" \
	"$PIPEPROC_CLI" node --bogus
fails_with "a node program that cannot run is PP_ESPAWN" 1 PP_ESPAWN \
	env PIPEPROC_NODE="$tmp/no-such-node" "$PIPEPROC_CLI" \
	node --data "$tmp/nodata" --listen "ipc://$tmp/nosock"
fails_with "no node at the address is PP_ECONNREFUSED" 1 PP_ECONNREFUSED \
	"$PIPEPROC_CLI" -a "ipc://$tmp/nothing" length t
fails_with "a malformed address is PP_EADDR" 1 PP_EADDR \
	"$PIPEPROC_CLI" -a "http://localhost" length t
fails_with "a namespace with a slash is PP_EINVAL" 1 PP_EINVAL \
	"$PIPEPROC_CLI" -n a/b length t

# ---- the main node ----------------------------------------------------

start_bg main "$PIPEPROC_CLI" node --data "$tmp/d" --listen "$addr"
main_pid=$bg_pid
ready_or_bail "node prints 'ready ADDRESS' once it accepts requests" \
	main "ready $addr"
is "the socket file is mode 0600" "$(stat -c %a "$tmp/sock")" 600

# commit with arguments: one atomic call, ids in order.
run pp commit t a b c
[ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 3 ]
verdict "commit with arguments exits 0 and prints 3 ids"
id0=$(sed -n 1p "$tmp/out")
id1=$(sed -n 2p "$tmp/out")
id2=$(sed -n 3p "$tmp/out")
is "the ids get sequences 0, 1, 2 in argument order" \
	"$(seq_of "$id0") $(seq_of "$id1") $(seq_of "$id2")" "0 1 2"
is "the logs of one commit share one millisecond" \
	"$(cut -d- -f1 "$tmp/out" | sort -u | wc -l)" 1
run pp commit t d
id3=$(cat "$tmp/out")
is "a later commit continues the sequence" "$(seq_of "$id3")" 3
[ "$(ms_of "$id3")" -ge "$(ms_of "$id0")" ]
verdict "ids never go backwards"

# range and revrange, every option.
pairs "$id0" a "$id1" b "$id2" c "$id3" d >"$tmp/want"
out_is "range prints ID<TAB>BODY in id order" pp range t
out_is "range --limit 0 means no limit" pp range t --limit 0
out_is "-- ends the options" pp range -- t
pairs "$id1" b "$id2" c "$id3" d >"$tmp/want"
out_is "range --start :S" pp range t --start :1
out_is "range --start T-S" pp range t --start "$id1"
out_is "range --start=T-S" pp range t --start="$id1"
pairs "$id0" a "$id1" b >"$tmp/want"
out_is "range --end :S" pp range t --end :1
out_is "range --limit" pp range t --limit 2
pairs "$id1" b "$id2" c >"$tmp/want"
out_is "range --start --end" pp range t --start :1 --end :2
out_is "range --exclusive on sequences" \
	pp range t --start :0 --end :3 --exclusive
pairs "$id2" c "$id3" d >"$tmp/want"
out_is "range --exclusive on a full id" pp range t --start "$id1" --exclusive
pairs "$id0" a >"$tmp/want"
out_is "options may come before TOPIC" pp range --limit 1 t
: >"$tmp/want"
out_is "an empty range is empty output, exit 0" pp range t --start :100
pairs "$id3" d "$id2" c "$id1" b "$id0" a >"$tmp/want"
out_is "revrange prints newest first" pp revrange t
pairs "$id2" c "$id1" b "$id0" a >"$tmp/want"
out_is "revrange --start is the upper bound" pp revrange t --start :2
pairs "$id3" d "$id2" c >"$tmp/want"
out_is "revrange --end is the lower bound" pp revrange t --end :2
pairs "$id2" c "$id1" b >"$tmp/want"
out_is "revrange --exclusive" pp revrange t --start :3 --end :0 --exclusive
pairs "$id3" d >"$tmp/want"
out_is "revrange --limit 1 is the newest log" pp revrange t --limit 1

# Millisecond bounds, on a topic written by one commit (one millisecond).
run pp commit m x y
mx=$(sed -n 1p "$tmp/out")
my=$(sed -n 2p "$tmp/out")
ms=$(ms_of "$mx")
pairs "$mx" x "$my" y >"$tmp/want"
out_is "range --start T includes the whole millisecond" pp range m --start "$ms"
out_is "range --end T includes the whole millisecond" pp range m --end "$ms"
: >"$tmp/want"
out_is "range --start T --exclusive skips the whole millisecond" \
	pp range m --start "$ms" --exclusive
out_is "revrange --start T --exclusive skips the whole millisecond" \
	pp revrange m --start "$ms" --exclusive
pairs "$my" y >"$tmp/want"
out_is "range --start T-S inside a millisecond" pp range m --start "$ms-1"

# --json: one object per line, bodies escaped.
b_quote='q"uote\back'
b_ctl=$(printf 'a\tb\nc\001d')
b_bad=$(printf 'x\377y')
b_utf=$(printf 'caf\303\251 \342\202\254 \360\237\230\200')
run pp commit j plain "$b_quote" "$b_ctl" "$b_bad" "$b_utf" ""
[ "$rc" -eq 0 ]
verdict "commit of special bodies"
cp "$tmp/out" "$tmp/jids"
j() { sed -n "$1p" "$tmp/jids"; }
{
	printf '{"id":"%s","body":"%s"}\n' "$(j 1)" 'plain'
	printf '{"id":"%s","body":"%s"}\n' "$(j 2)" 'q\"uote\\back'
	printf '{"id":"%s","body":"%s"}\n' "$(j 3)" 'a\tb\nc\u0001d'
	printf '{"id":"%s","body":"%s"}\n' "$(j 4)" 'x\u00ffy'
	printf '{"id":"%s","body":"%s"}\n' "$(j 5)" "$b_utf"
	printf '{"id":"%s","body":"%s"}\n' "$(j 6)" ''
} >"$tmp/want"
out_is "range --json escapes quotes, backslashes, controls, bad UTF-8" \
	pp range j --json
if command -v python3 >/dev/null 2>&1; then
	python3 -c '
import json, sys
want = ["plain", sys.argv[1], sys.argv[2], "x\u00ffy", sys.argv[3], ""]
got = [json.loads(l)["body"] for l in open(sys.argv[4], encoding="utf-8")]
sys.exit(0 if got == want else 1)' "$b_quote" "$b_ctl" "$b_utf" "$tmp/out"
	verdict "range --json output is valid JSON with the bodies"
else
	pass "range --json output is valid JSON # SKIP no python3"
fi
{
	printf '{"id":"%s","body":"%s"}\n' "$id3" d
	printf '{"id":"%s","body":"%s"}\n' "$id2" c
} >"$tmp/want"
out_is "revrange --json --limit" pp revrange t --json --limit 2

# commit from stdin.
seq 1 10000 >"$tmp/lines"
run pp commit s <"$tmp/lines"
[ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 10000 ]
verdict "commit from stdin prints one id per line"
cp "$tmp/out" "$tmp/sids"
seq 0 9999 >"$tmp/want"
cut -d- -f2 "$tmp/sids" >"$tmp/got"
cmp -s "$tmp/got" "$tmp/want"
verdict "stdin ids have sequences 0..9999 in input order"
sort -s -n -c -t- -k1,1 "$tmp/sids"
verdict "stdin ids never go backwards"
cp "$tmp/lines" "$tmp/want"
run pp range s
cut -f2 "$tmp/out" >"$tmp/got"
[ "$rc" -eq 0 ] && cmp -s "$tmp/got" "$tmp/want"
verdict "range of the stdin topic gives the lines back in order"
cut -f1 "$tmp/out" >"$tmp/got"
cmp -s "$tmp/got" "$tmp/sids"
verdict "range ids match the ids commit printed"
seq 10000 -1 1 >"$tmp/want"
run pp revrange s
cut -f2 "$tmp/out" >"$tmp/got"
[ "$rc" -eq 0 ] && cmp -s "$tmp/got" "$tmp/want"
verdict "revrange of the stdin topic is the reverse"
pairs "$(sed -n 5002p "$tmp/sids")" 5002 "$(sed -n 5003p "$tmp/sids")" 5003 \
	>"$tmp/want"
out_is "range --start :S --exclusive --limit on a big topic" \
	pp range s --start :5000 --exclusive --limit 2
printf '10000\n' >"$tmp/want"
out_is "length counts the logs" pp length s
first=$(sed -n 1p "$tmp/sids")
last=$(sed -n 10000p "$tmp/sids")
bytes=$(tr -d '\n' <"$tmp/lines" | wc -c)
run pp stat s
created=$(sed -n 's/.*"created_ms":\([0-9][0-9]*\)}$/\1/p' "$tmp/out")
printf '{"topic":"s","count":10000,"bytes":%s,"first":"%s","last":"%s",' \
	"$bytes" "$first" "$last" >"$tmp/want"
printf '"next_seq":10000,"created_ms":%s}\n' "$created" >>"$tmp/want"
[ "$rc" -eq 0 ] && [ -n "$created" ] && [ "$created" -gt 0 ] &&
	cmp -s "$tmp/out" "$tmp/want"
verdict "stat prints the topic's statistics as JSON"

# Lines: empty lines are empty logs, a last line needs no newline.
printf 'a\n\nb' | pp commit e >"$tmp/eids"
pairs "$(sed -n 1p "$tmp/eids")" a "$(sed -n 2p "$tmp/eids")" "" \
	"$(sed -n 3p "$tmp/eids")" b >"$tmp/want"
out_is "empty lines are empty logs; a last line needs no newline" \
	pp range e
run pp commit e2 </dev/null
[ "$rc" -eq 0 ] && [ ! -s "$tmp/out" ]
verdict "commit of empty stdin prints nothing and exits 0"

# Bodies larger than one range page (3,000 x 1,000 bytes > 2 MiB).
awk 'BEGIN { for (i = 0; i < 3000; i++) {
	s = i ":"; while (length(s) < 1000) s = s "abcdefghij"; print s } }' \
	>"$tmp/big"
run pp commit big <"$tmp/big"
[ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 3000 ]
verdict "commit of 3 MB from stdin"
run pp range big
cut -f2 "$tmp/out" >"$tmp/got"
[ "$rc" -eq 0 ] && cmp -s "$tmp/got" "$tmp/big"
verdict "range streams a topic larger than one page"
run pp revrange big --limit 2500
[ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 2500 ] &&
	[ "$(head -n 1 "$tmp/out" | cut -f2 | cut -d: -f1)" = 2999 ]
verdict "revrange --limit spans pages"

# Many lines: batches keep many commits in flight.
seq 1 200000 | pp commit many >"$tmp/out" 2>"$tmp/err"
[ "$(wc -l <"$tmp/out")" -eq 200000 ] &&
	[ "$(seq_of "$(tail -n 1 "$tmp/out")")" = 199999 ]
verdict "commit of 200,000 lines from stdin"

# Lines are committed as they arrive, before stdin ends.
mkfifo "$tmp/fifo"
"$PIPEPROC_CLI" -a "$addr" commit live <"$tmp/fifo" >"$tmp/live.out" \
	2>"$tmp/live.err" &
live_pid=$!
exec 3>"$tmp/fifo"
echo first >&3
wait_for test -s "$tmp/live.out"
verdict "a line is committed and its id printed while stdin is open"
echo second >&3
exec 3>&-
wait_exit "$live_pid"
[ "$exit_rc" = 0 ] && [ "$(wc -l <"$tmp/live.out")" -eq 2 ]
verdict "commit from a pipe ends at EOF with exit 0"

# topics.
run pp topics
[ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 8 ] &&
	cut -f1 "$tmp/out" | LC_ALL=C sort -c
verdict "topics lists every topic in name order"
printf 't\t4\t4\t%s\t%s\n' "$id0" "$id3" >"$tmp/want"
grep '^t	' "$tmp/out" >"$tmp/got"
cmp -s "$tmp/got" "$tmp/want"
verdict "topics prints NAME COUNT BYTES FIRST LAST"

# Errors.
fails_with "range of a missing topic is PP_ENOTOPIC" 1 PP_ENOTOPIC \
	pp range nosuch
fails_with "revrange of a missing topic is PP_ENOTOPIC" 1 PP_ENOTOPIC \
	pp revrange nosuch
fails_with "length of a missing topic is PP_ENOTOPIC" 1 PP_ENOTOPIC \
	pp length nosuch
fails_with "stat of a missing topic is PP_ENOTOPIC" 1 PP_ENOTOPIC \
	pp stat nosuch
fails_with "commit to an invalid topic is PP_EINVALID_TOPIC" 1 \
	PP_EINVALID_TOPIC pp commit 'bad topic' x
fails_with "commit from stdin to an invalid topic is PP_EINVALID_TOPIC" 1 \
	PP_EINVALID_TOPIC pp commit 'bad/topic' </dev/null
fails_with "range of an invalid topic is PP_EINVALID_TOPIC" 1 \
	PP_EINVALID_TOPIC pp range 'a:b'
fails_with "a 201-byte topic is PP_EINVALID_TOPIC" 1 PP_EINVALID_TOPIC \
	pp length "$(printf '%0201d' 0)"
fails_with "an invalid --start is PP_EINVALID_ID" 1 PP_EINVALID_ID \
	pp range t --start nope
fails_with "an invalid --end is PP_EINVALID_ID" 1 PP_EINVALID_ID \
	pp revrange t --end 1-2-3
fails_with "a bad --limit is PP_EINVAL" 1 PP_EINVAL pp range t --limit x
fails_with "range with an unknown option is a usage error" 2 "" \
	pp range t --bogus
fails_with "range --start without a value is a usage error" 2 "" \
	pp range t --start
fails_with "range without TOPIC is a usage error" 2 "" pp range
fails_with "commit without TOPIC is a usage error" 2 "" pp commit
fails_with "length with two topics is a usage error" 2 "" pp length a b
fails_with "topics with an argument is a usage error" 2 "" pp topics x
start_bg second "$PIPEPROC_CLI" node --data "$tmp/d" \
	--listen "ipc://$tmp/sock2"
wait_exit "$bg_pid"
[ "$exit_rc" != 0 ] && [ "$exit_rc" != timeout ] &&
	grep -q -e ELOCKED -e 'in use' "$tmp/second.out" "$tmp/second.err"
verdict "a second node on the same data directory is refused"

# Address defaults: $PIPEPROC_ADDRESS, -a over it, -n NAMESPACE.
printf '4\n' >"$tmp/want"
out_is "\$PIPEPROC_ADDRESS is the default address" \
	env PIPEPROC_ADDRESS="$addr" "$PIPEPROC_CLI" length t
out_is "-a overrides \$PIPEPROC_ADDRESS" \
	env PIPEPROC_ADDRESS="ipc://$tmp/nothing" "$PIPEPROC_CLI" -a "$addr" \
	length t
start_bg ns2 env TMPDIR="$tmp" "$PIPEPROC_CLI" -n ns2 node --data "$tmp/d2"
ns2_pid=$bg_pid
wait_ready ns2 "ready ipc://$tmp/pipeproc-$(id -u)/pipeproc.ns2"
verdict "without --listen, node listens on ipc://\$TMPDIR/pipeproc-UID/pipeproc.NS"
run env TMPDIR="$tmp" "$PIPEPROC_CLI" -n ns2 commit x hello
is "-n NAMESPACE reaches the node of that namespace" \
	"$rc $(seq_of "$(cat "$tmp/out")")" "0 0"
printf '1\n' >"$tmp/want"
out_is "the namespace's address is ipc://\$TMPDIR/pipeproc-UID/pipeproc.NS" \
	"$PIPEPROC_CLI" -a "ipc://$tmp/pipeproc-$(id -u)/pipeproc.ns2" length x
fails_with "the default namespace is 'default'" 1 PP_ECONNREFUSED \
	env TMPDIR="$tmp" "$PIPEPROC_CLI" length x
grep -qF "ipc://$tmp/pipeproc-$(id -u)/pipeproc.default" "$tmp/err"
verdict "the error names the default address"
run env TMPDIR="$tmp" "$PIPEPROC_CLI" -n ns2 shutdown
wait_exit "$ns2_pid"
is "shutdown -n NS stops that node with exit status 0" "$rc $exit_rc" "0 0"

# Node options pass through: --memory, --sync, --max-body.
maddr=ipc://$tmp/pipeproc-$(id -u)/pipeproc.default
start_bg mem env TMPDIR="$tmp" "$PIPEPROC_CLI" node --memory --sync none \
	--max-body 10
mem_pid=$bg_pid
wait_ready mem "ready $maddr"
verdict "node --memory --sync none --max-body on the default namespace"
run "$PIPEPROC_CLI" -a "$maddr" commit small 1234567890
[ "$rc" -eq 0 ]
verdict "a body of --max-body bytes is accepted"
fails_with "a body over --max-body is PP_ETOOBIG" 1 PP_ETOOBIG \
	"$PIPEPROC_CLI" -a "$maddr" commit small 12345678901
printf 'ok\n12345678901\n' >"$tmp/in"
run "$PIPEPROC_CLI" -a "$maddr" commit small2 <"$tmp/in"
[ "$rc" -eq 1 ] && grep -q 'PP_ETOOBIG: .*line 2 is over .* 10 bytes' \
	"$tmp/err" && [ "$(wc -l <"$tmp/out")" -eq 1 ]
verdict "a stdin line over --max-body is PP_ETOOBIG naming it, after the lines before it"
kill -TERM "$mem_pid"
wait_exit "$mem_pid"
is "a node stops on SIGTERM with exit status 0" "$exit_rc" 0

# shutdown, then a restart keeps everything.
run pp shutdown
[ "$rc" -eq 0 ]
verdict "shutdown exits 0"
wait_exit "$main_pid"
is "the node exits 0 after shutdown" "$exit_rc" 0
fails_with "after shutdown nothing listens" 1 PP_ECONNREFUSED pp length t
start_bg main2 "$PIPEPROC_CLI" node --data "$tmp/d" --listen "$addr"
main_pid=$bg_pid
wait_ready main2 "ready $addr"
verdict "the node restarts on the same data and address"
printf '10000\n' >"$tmp/want"
out_is "a restarted node keeps every log" pp length s
run pp commit t e
is "a restarted node continues the sequence" "$(seq_of "$(cat "$tmp/out")")" 4
run pp shutdown
wait_exit "$main_pid"
is "the restarted node stops on shutdown" "$rc $exit_rc" "0 0"

done_testing
