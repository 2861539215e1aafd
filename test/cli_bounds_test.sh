#!/bin/sh
#
# cli_bounds_test.sh - `pipeproc commit` reads no input without bound
# (before, `commit -f /dev/zero` grew memory until
# PP_ENOMEM). Each file of -f (standard input with "-") is read up to the
# node's maximum body and fails with PP_ETOOBIG naming it; all files of
# one commit up to the node's request size (PP_ETOOLARGE); a piece of a
# stream longer than the maximum body fails with PP_ETOOBIG after the
# pieces before it are committed. Every failing run must end on its own:
# each runs under `timeout`, so without the bounds they fail (timeout or
# PP_ENOMEM), never pass.
#
# Run from the repository root by test/run.sh with $PIPEPROC_CLI and
# $PIPEPROC_NODE set. Output is TAP.

# shellcheck source=test/lib.sh
. "$(dirname "$0")/lib.sh"

need_env PIPEPROC_CLI PIPEPROC_NODE
export PIPEPROC_NODE
unset PIPEPROC_ADDRESS
deadline_s=20

make_tmp ppbd
addr=ipc://$tmp/sock

# A small maximum body for most cases: 1 KiB.
max=1024

start_bg node "$PIPEPROC_CLI" node --data "$tmp/d" --listen "$addr" \
	--max-body "$max"
node_pid=$bg_pid
ready_or_bail "a node with --max-body $max starts" node "ready $addr"

# bounded DESC RC NAME CMD...: fails_with, under a 60 s timeout (a run
# that reads without bound is killed: exit 124, a failure).
bounded() {
	bd_desc=$1
	bd_rc=$2
	bd_name=$3
	shift 3
	if [ "$1" = pp ]; then
		shift
		set -- "$PIPEPROC_CLI" -a "$addr" "$@"
	fi
	fails_with "$bd_desc" "$bd_rc" "$bd_name" timeout 60 "$@"
}

# names_limit DESC: stderr of the last run names the limit $max.
names_limit() {
	grep -q "maximum body of $max bytes" "$tmp/err"
	verdict "$1"
}

# ---- -f -----------------------------------------------------------------
bounded "commit -f /dev/zero fails with PP_ETOOBIG" 1 PP_ETOOBIG \
	pp commit t -f /dev/zero
names_limit "... naming the node's maximum body"

bounded "commit -f - from an endless stdin fails with PP_ETOOBIG" 1 \
	PP_ETOOBIG sh -c "\"\$PIPEPROC_CLI\" -a '$addr' commit t -f - </dev/zero"

head -c "$max" /dev/zero | tr '\0' a >"$tmp/exact"
head -c $((max + 1)) /dev/zero | tr '\0' b >"$tmp/over"
run pp commit t -f "$tmp/exact"
verdict "a file of exactly the maximum body commits"
bounded "a file one byte over it fails with PP_ETOOBIG" 1 PP_ETOOBIG \
	pp commit t -f "$tmp/exact" "$tmp/over"
run pp length t
is "... and its atomic commit left nothing (only the exact file's log)" \
	"$(cat "$tmp/out")" 1

# ---- streams (lines, -D, -0) ---------------------------------------------
{
	printf 'one\ntwo\n'
	head -c $((max + 1)) /dev/zero | tr '\0' x
	printf '\nfour\n'
} >"$tmp/lines"
run sh -c "\"\$PIPEPROC_CLI\" -a '$addr' commit s <'$tmp/lines'"
is "a line over the maximum body fails the stream (exit 1)" "$rc" 1
grep -q "PP_ETOOBIG: .*: line 3 is over the node's maximum body of $max bytes" \
	"$tmp/err"
verdict "... with PP_ETOOBIG naming line 3 and the limit"
is "... after printing the ids of lines 1-2" "$(wc -l <"$tmp/out")" 2
run pp range s
is "... which are committed; nothing after" \
	"$(cut -f2 "$tmp/out" | tr '\n' ' ')" "one two "

bounded "one endless line (stdin /dev/zero) fails with PP_ETOOBIG" 1 \
	PP_ETOOBIG sh -c "\"\$PIPEPROC_CLI\" -a '$addr' commit e </dev/zero"
names_limit "... naming the node's maximum body"

bounded "an endless -D piece fails with PP_ETOOBIG" 1 PP_ETOOBIG \
	sh -c "\"\$PIPEPROC_CLI\" -a '$addr' commit e -D '::' </dev/zero"

# A last piece without its delimiter counts the same.
head -c $((max + 1)) /dev/zero | tr '\0' y >"$tmp/last"
bounded "a last line without newline over the maximum fails" 1 \
	PP_ETOOBIG sh -c "\"\$PIPEPROC_CLI\" -a '$addr' commit e <'$tmp/last'"
head -c "$max" /dev/zero | tr '\0' z >"$tmp/last"
run sh -c "\"\$PIPEPROC_CLI\" -a '$addr' commit e <'$tmp/last'"
verdict "a last line of exactly the maximum commits"
run pp length e
is "... as the only log of its topic" "$(cat "$tmp/out")" 1

# ---- -f: the files together, up to the request size ----------------------
# A node with an 8 MiB body takes requests of 8 + 16 MiB: three 8 MiB
# files fill it, and a fourth, even endless, is not read past one byte.
"$PIPEPROC_CLI" -a "$addr" shutdown >/dev/null 2>&1
wait_exit "$node_pid" 2>/dev/null
big=$((8 * 1024 * 1024))
addr=ipc://$tmp/sock2
start_bg node2 "$PIPEPROC_CLI" node --data "$tmp/d2" --listen "$addr" \
	--max-body "$big"
ready_or_bail "a node with --max-body 8 MiB starts" node2 "ready $addr"
head -c "$big" /dev/zero >"$tmp/big"
bounded "files over the request size fail with PP_ETOOLARGE" 1 \
	PP_ETOOLARGE pp commit t -f "$tmp/big" "$tmp/big" "$tmp/big" /dev/zero
grep -q "request size of $((big + 16 * 1024 * 1024)) bytes" "$tmp/err"
verdict "... naming the request size"
run pp commit t -f "$tmp/big" "$tmp/big"
verdict "two 8 MiB files commit together"
run pp length t
is "... as two logs" "$(cat "$tmp/out")" 2

done_testing
