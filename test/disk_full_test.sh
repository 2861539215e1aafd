#!/bin/sh
#
# disk_full_test.sh - a data directory on a small, real tmpfs that fills
# up (issue 14 item 3): commits fail with PP_ESTORE_FULL (not PP_EIO, as
# LMDB reports the short write), reads keep working, commits resume once
# space is freed, and after a kill -9 and a restart every acknowledged log
# is there, in order.
#
# Needs root (mount); otherwise it skips with a clear message.
# Run by test/run.sh with $PIPEPROC_CLI and $PIPEPROC_NODE set. Output is
# TAP; waits poll with a deadline.

# shellcheck source=test/lib.sh
. "$(dirname "$0")/lib.sh"

need_env PIPEPROC_CLI PIPEPROC_NODE
unset PIPEPROC_ADDRESS PIPEPROC_TOKEN PIPEPROC_TOKEN_FILE

skip() {
	echo "1..0 # SKIP $1"
	exit 0
}
[ "$(id -u)" = 0 ] || skip "mounting a tmpfs needs root"

make_tmp ppfull
mkdir "$tmp/mnt" || exit 2
mount -t tmpfs -o size=20m,mode=0700 tmpfs "$tmp/mnt" 2>/dev/null ||
    skip "cannot mount a tmpfs (no CAP_SYS_ADMIN?)"
at_exit 'umount "$tmp/mnt"'
addr="ipc://$tmp/sock"

# A filler that is given back later, so that commits can resume.
dd if=/dev/zero of="$tmp/mnt/filler" bs=1M count=4 2>/dev/null

# start_node DESC NAME: start the node, its output in $tmp/NAME.out (a
# fresh NAME each time: start_bg truncates the file only in the child).
start_node() {
	start_bg "$2" "$PIPEPROC_NODE" --data "$tmp/mnt/data" --listen "$addr" \
	    --print-ready --workers 0
	node_pid=$bg_pid
	ready_or_bail "$1" "$2" "ready $addr"
}

# commit_batch FIRST: commit 16 logs "big-N-" + 16 KiB of padding,
# N = FIRST..FIRST+15, in one atomic commit (so the node's message
# reaches stderr).
pad=$(head -c 16384 /dev/zero | tr '\0' x)
commit_batch() {
	set --  "$1" $(seq "$1" $(($1 + 15)))
	b_first=$1
	shift
	b_args=""
	for b_i in "$@"; do
		b_args="$b_args big-$b_i-$pad"
	done
	# shellcheck disable=SC2086 # one word per log, by construction
	run pp commit big $b_args
}

start_node "the node starts with its data on a 20 MiB tmpfs" node1

# Fill it: 256 KiB per commit, at most 200 commits (the disk holds ~16 MiB).
acked=0
i=0
while [ $i -lt 200 ]; do
	if ! commit_batch "$acked"; then
		break
	fi
	acked=$((acked + 16))
	i=$((i + 1))
done
diag "$acked logs acknowledged before: $(cat "$tmp/err")"
grep -q "PP_ESTORE_FULL" "$tmp/err" &&
    grep -q "file system of the data directory is full" "$tmp/err"
verdict "a commit on the full disk fails with PP_ESTORE_FULL and says why"
! grep -q "PP_EIO" "$tmp/err"
verdict "... and not with PP_EIO"
[ "$acked" -gt 16 ]
verdict "the disk took some commits first ($acked logs)"

commit_batch "$acked"
grep -q "PP_ESTORE_FULL" "$tmp/err"
verdict "further commits keep failing with PP_ESTORE_FULL"

run pp length big
is "reads keep working: length counts every acknowledged log" \
    "$(cat "$tmp/out")" "$acked"
run pp range big --limit 1
grep -q "big-0-" "$tmp/out"
verdict "reads keep working: range returns the first log"

rm -f "$tmp/mnt/filler"
commit_batch "$acked" && acked=$((acked + 16))
verdict "commits resume once space is freed"
commit_batch "$acked" && acked=$((acked + 16))
verdict "... and keep working"

kill -KILL "$node_pid"
wait_exit "$node_pid"
start_node "the node restarts after kill -9" node2

run pp length big || diag "length: $(cat "$tmp/err")"
is "after the restart every acknowledged log is there" \
    "$(cat "$tmp/out")" "$acked"
run pp range big
cut -f2 "$tmp/out" | sed 's/^\(big-[0-9]*\)-.*/\1/' >"$tmp/got"
i=0
while [ $i -lt "$acked" ]; do
	echo "big-$i"
	i=$((i + 1))
done >"$tmp/want"
cmp -s "$tmp/got" "$tmp/want"
verdict "... each once, in commit order"

run pp shutdown
verdict "the node shuts down cleanly"
wait_exit "$node_pid"
done_testing
