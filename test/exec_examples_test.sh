#!/bin/sh
#
# exec_examples_test.sh - the processors of examples/processors/ run end
# to end through the exec plugin (issue #11 item 4): the Python one and
# the awk one-liner (inline as the config, and as upper_awk.sh) turn
# every log of a real node into its upper-case output exactly once; the
# Python one's failure reaches `inspect` as the last error; a missing
# program is refused when the systemProc is created.
#
# Starts `pipeproc node` with one worker in a fresh temporary directory.
# Run from the repository root by test/run.sh with $PIPEPROC_CLI,
# $PIPEPROC_NODE and $PIPEPROC_PLUGINS set (make test sets them). TAP
# output; no fixed sleeps: every wait polls with a deadline.

# shellcheck source=test/lib.sh
. "$(dirname "$0")/lib.sh"

need_env PIPEPROC_CLI PIPEPROC_NODE PIPEPROC_PLUGINS
export PIPEPROC_NODE
unset PIPEPROC_ADDRESS
deadline_s=30
plugins=$PIPEPROC_PLUGINS
case "$plugins" in
/*) ;;
*) plugins=$PWD/$plugins ;;
esac
exec_so=$plugins/exec.so
examples=$PWD/examples/processors

make_tmp ppexec
addr=ipc://$tmp/sock

start_bg node "$PIPEPROC_CLI" node --data "$tmp/d" --listen "$addr" \
	--workers 1 --worker-concurrency 3
node_pid=$bg_pid
ready_or_bail "node with one worker starts" node "ready $addr"

# 200 text logs, the expected outputs in $tmp/want.
i=0
: >"$tmp/in.txt"
while [ $i -lt 200 ]; do
	echo "log $i of the example, ok" >>"$tmp/in.txt"
	i=$((i + 1))
done
tr 'a-z' 'A-Z' <"$tmp/in.txt" >"$tmp/want"
run pp commit in <"$tmp/in.txt"
verdict "commit 200 logs"

# bodies TOPIC: the bodies of TOPIC, one per line, in order.
bodies() {
	pp range "$1" | cut -f 2-
}

# outputs_are TOPIC: TOPIC holds exactly $tmp/want.
outputs_are() {
	wait_for sh -c "[ \"\$(\"$PIPEPROC_CLI\" -a \"$addr\" length $1)\" -ge 200 ]"
	bodies "$1" >"$tmp/out" && cmp -s "$tmp/out" "$tmp/want"
}

awk_line='$1=="batch"{n=$2;o="";next} $1=="log"{getline b;u=toupper(b);o=o "emit " length(u) "\n" u "\n";if(--n==0){printf "%sdone\n",o;fflush()}}'

run pp system-proc py --from in --to py-out --plugin "$exec_so" \
	--config "python3 $examples/upper.py" --count 7
verdict "system-proc with the Python example"
run pp system-proc awk1 --from in --to awk-out --plugin "$exec_so" \
	--config "LC_ALL=C awk -W interactive '$awk_line'" --count 13
verdict "system-proc with the awk one-liner as its config"
run pp system-proc awk2 --from in --to awk2-out --plugin "$exec_so" \
	--config "sh $examples/upper_awk.sh" --count 200
verdict "system-proc with upper_awk.sh"

outputs_are py-out
verdict "the Python example outputs every log once, in upper case"
outputs_are awk-out
verdict "the awk one-liner outputs every log once, in upper case"
outputs_are awk2-out
verdict "upper_awk.sh outputs every log once, in upper case"

# A failure: the reason is the program's text.
id=$(pp commit in "please FAIL")
wait_for sh -c "\"$PIPEPROC_CLI\" -a \"$addr\" inspect py | grep -q 'asks to fail'"
run pp inspect py
grep -q "\"last_error\":\"upper.py: log $id of in asks to fail\"" "$tmp/out"
verdict "a failing batch of the Python example shows its reason"

# A crash: reclaimed with the exit status, the restarted program goes
# on, and the log that kills it every time ends up dead-lettered.
pp commit in2 "before" "CRASH now" "after the crash" >/dev/null
run pp system-proc crashy --from in2 --to crash-out --plugin "$exec_so" \
	--config "python3 $examples/upper.py" --count 1 --max-reclaims 1 \
	--on-max-reclaims deadletter
wait_for sh -c "[ \"\$(\"$PIPEPROC_CLI\" -a \"$addr\" length crash-out)\" -ge 2 ]"
[ "$(bodies crash-out | tr '\n' ,)" = "BEFORE,AFTER THE CRASH," ]
verdict "the Python example is restarted after it exits"
run pp range in2.dead
grep -q "CRASH now" "$tmp/out" && grep -q "exited with status 3" "$tmp/out"
verdict "the log it exits on is dead-lettered with the exit status"

fails_with "a missing program is refused at creation" 1 \
	"PP_EPLUGIN" \
	"$PIPEPROC_CLI" -a "$addr" system-proc nope --from in --plugin "$exec_so" \
	--config "python3-no-such $examples/upper.py"

pp shutdown >/dev/null 2>&1
wait_exit "$node_pid" 2>/dev/null
done_testing
