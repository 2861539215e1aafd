#!/bin/sh
#
# cli_attach_test.sh - `pipeproc -d DIR` attaches by data directory
# (issue 13 item 9, pp_attach(3)): the first command starts a node for
# DIR, a command running meanwhile shares it, the node stops (and frees
# its lock) once no attached command is left, the data outlives it, and
# bad command lines fail clearly.
#
# Run by test/run.sh with $PIPEPROC_CLI and $PIPEPROC_NODE set. Output is
# TAP. Waits poll a condition with a deadline; nothing sleeps blindly.

# shellcheck source=test/lib.sh
. "$(dirname "$0")/lib.sh"

need_env PIPEPROC_CLI PIPEPROC_NODE
export PIPEPROC_NODE
unset PIPEPROC_ADDRESS

make_tmp ppattach
dir=$tmp/data

# ppd ARGS...: the CLI attached to $dir.
ppd() {
	"$PIPEPROC_CLI" -d "$dir" "$@"
}

node_pid() {
	sed -n 1p "$dir/node.lock" 2>/dev/null
}

# node_gone PID: the node has exited and nobody holds the lock.
node_gone() {
	! kill -0 "$1" 2>/dev/null && [ ! -e "$dir/node.addr" ]
}

run ppd commit t one two
verdict "-d DIR commit starts a node for DIR and commits"
is "it prints one id per body" "$(wc -l <"$tmp/out" | tr -d ' ')" 2
first=$(node_pid)
case "$first" in
[1-9]*) pass "the node owns DIR (pid $first)" ;;
*) fail "the node owns DIR" "node.lock: '$first'" ;;
esac
wait_for node_gone "$first"
verdict "the node stops once the command that started it is done"

# A long-lived attached command keeps one node for everyone.
start_bg tail "$PIPEPROC_CLI" -d "$dir" tail t -f
tail_pid=$bg_pid
wait_for grep -q 'two' "$tmp/tail.out"
verdict "tail -f on a fresh node prints what an earlier node stored"
second=$(node_pid)
run ppd commit t three
verdict "a second command attaches while tail runs"
wait_for grep -q 'three' "$tmp/tail.out"
verdict "tail -f sees the commit of the other command"
is "both used the same node" "$(node_pid)" "$second"
# It holds none of its spawner's pipes (a $(pipeproc -d ...) would wait).
is "the node's stdin is /dev/null" "$(readlink "/proc/$second/fd/0")" \
    /dev/null
is "the node's stdout is /dev/null" "$(readlink "/proc/$second/fd/1")" \
    /dev/null
is "the node's stderr is DIR/node.log" "$(readlink "/proc/$second/fd/2")" \
    "$(cd "$dir" && pwd -P)/node.log"
kill -KILL "$tail_pid"
wait_for node_gone "$second"
verdict "the node stops when the last attached command is killed"

ppd range t >"$tmp/out" 2>"$tmp/err"
is "range -d DIR: every log is there" \
    "$(cut -f2 "$tmp/out" | tr '\n' ' ')" "one two three "

fails_with "-a and -d together are refused" 2 "" \
    "$PIPEPROC_CLI" -a "ipc://$tmp/x" -d "$dir" length t
fails_with "-d without a directory is refused" 2 "" "$PIPEPROC_CLI" -d
fails_with "-d with the node command is refused" 2 "" \
    "$PIPEPROC_CLI" -d "$dir" node
fails_with "-d with an impossible directory is PP_EIO" 1 PP_EIO \
    "$PIPEPROC_CLI" -d "$tmp/no/such/dir" length t

done_testing
