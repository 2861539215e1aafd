#!/bin/sh
#
# cli_system_test.sh - end-to-end tests of systemProcs through the
# `pipeproc` tool: system-proc, system-proc-destroy, the systemProc
# columns of procs and the systemProc fields of inspect, and the worker
# options of `pipeproc node`.
#
# Starts a real node (with its real workers) with `pipeproc node` in a
# fresh temporary directory, creates systemProcs with the example plugins
# and checks exit statuses, stdout, the one-line error format
#
#     pipeproc: SUBCOMMAND: PP_EXXX: text[: detail]
#
# and the logs the workers commit. Run from the repository root by
# test/run.sh with $PIPEPROC_CLI, $PIPEPROC_NODE, $PIPEPROC_WORKER and
# $PIPEPROC_PLUGINS set (make test sets them). Output is TAP; the exit
# status is non-zero when any case fails. There are no fixed sleeps:
# every wait polls a condition with a deadline. The trap stops every
# process this script started and removes the temporary directory on any
# exit.

# shellcheck source=test/lib.sh
. "$(dirname "$0")/lib.sh"

need_env PIPEPROC_CLI PIPEPROC_NODE PIPEPROC_PLUGINS
export PIPEPROC_NODE
unset PIPEPROC_ADDRESS
# Workers under a sanitizer are slow: every wait may take up to 20 s.
deadline_s=20
plugins=$PIPEPROC_PLUGINS
case "$plugins" in
/*) ;;
*) plugins=$PWD/$plugins ;;
esac

make_tmp ppsys
addr=ipc://$tmp/sock

# field N KEY: the value of KEY in the JSON object on line N of $tmp/out,
# as JSON text (strings keep their quotes); needs python3.
field() {
	python3 -c '
import json, sys
line = open(sys.argv[1]).read().splitlines()[int(sys.argv[2]) - 1]
print(json.dumps(json.loads(line).get(sys.argv[3])))' "$tmp/out" "$1" "$2" \
		2>/dev/null
}

# length_is TOPIC N: `length TOPIC` prints N.
length_is() {
	[ "$(pp length "$1" 2>/dev/null)" = "$2" ]
}

# procs_line NAME: the `procs` line of proc NAME (empty when none).
procs_line() {
	pp procs | grep "^$1	"
}

# procs_match NAME PATTERN: the `procs` line of NAME matches PATTERN.
procs_match() {
	procs_line "$1" | grep -q "$2"
}

upper=$plugins/upper.so
fanout=$plugins/fanout.so
failer=$plugins/failer.so

# ---- command line without a node --------------------------------------

fails_with "system-proc without NAME is a usage error" 2 "" \
	"$PIPEPROC_CLI" -a "$addr" system-proc --from a --plugin "$upper"
fails_with "system-proc without --from is a usage error" 2 "" \
	"$PIPEPROC_CLI" -a "$addr" system-proc s --plugin "$upper"
fails_with "system-proc without --plugin is a usage error" 2 "" \
	"$PIPEPROC_CLI" -a "$addr" system-proc s --from a
fails_with "system-proc --plugin without a value is a usage error" 2 "" \
	"$PIPEPROC_CLI" -a "$addr" system-proc s --from a --plugin
fails_with "system-proc with an unknown option is a usage error" 2 "" \
	"$PIPEPROC_CLI" -a "$addr" system-proc s --from a --plugin x --bogus
fails_with "system-proc with two names is a usage error" 2 "" \
	"$PIPEPROC_CLI" -a "$addr" system-proc s t --plugin x --from a
fails_with "a --count that is not a number is PP_EINVALID_OPTION" 1 \
	PP_EINVALID_OPTION "$PIPEPROC_CLI" -a "$addr" system-proc s \
	--from a --plugin "$upper" --count x
fails_with "an unknown --on-max-reclaims is PP_EINVALID_OPTION" 1 \
	PP_EINVALID_OPTION "$PIPEPROC_CLI" -a "$addr" system-proc s \
	--from a --plugin "$upper" --on-max-reclaims explode
fails_with "system-proc-destroy without NAME is a usage error" 2 "" \
	"$PIPEPROC_CLI" -a "$addr" system-proc-destroy
fails_with "system-proc-destroy with two names is a usage error" 2 "" \
	"$PIPEPROC_CLI" -a "$addr" system-proc-destroy a b
fails_with "node --workers without a value is a usage error" 2 "" \
	"$PIPEPROC_CLI" -a "$addr" node --data "$tmp/x" --workers

run "$PIPEPROC_CLI" -a "$addr" node --data "$tmp/bad" --workers 65
[ "$rc" -ne 0 ] && grep -q -- '--workers' "$tmp/err"
verdict "node --workers 65 is refused by the node with a message"

# ---- the node ----------------------------------------------------------

addr2=ipc://$tmp/sock2
start_bg node2 "$PIPEPROC_CLI" node --data "$tmp/d2" --listen "$addr2" \
	--workers 1 --worker-concurrency 2 --worker-restart-after 1000
node2_pid=$bg_pid
if wait_ready node2 "ready $addr2"; then
	pass "node takes --worker-concurrency 2 --worker-restart-after 1000"
else
	fail "node takes --worker-concurrency 2 --worker-restart-after 1000"
	diag "stderr: $(cat "$tmp/node2.err")"
fi
"$PIPEPROC_CLI" -a "$addr2" shutdown >/dev/null 2>&1
wait_exit "$node2_pid"

start_bg node "$PIPEPROC_CLI" node --data "$tmp/d" --listen "$addr" \
	--workers 2
node_pid=$bg_pid
ready_or_bail "node with --workers 2 starts" node "ready $addr"

i=0
: >"$tmp/in.txt"
while [ $i -lt 50 ]; do
	echo "log $i of fifty" >>"$tmp/in.txt"
	i=$((i + 1))
done
run pp commit in <"$tmp/in.txt"
[ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 50 ]
verdict "commit 50 logs to in"
last_in=$(tail -n 1 "$tmp/out")

# ---- create ------------------------------------------------------------

run pp system-proc up --from in --to out --plugin "$upper" --count 10
[ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 1 ] &&
	[ "$(field 1 name)" = '"up"' ] && [ "$(field 1 topic)" = '"in"' ] &&
	[ "$(field 1 system_proc)" = '"up"' ] &&
	[ "$(field 1 plugin)" = "\"$upper\"" ] && [ "$(field 1 count)" = 10 ]
verdict "system-proc prints its proc as inspect does, with system_proc and plugin"

if wait_for length_is out 50; then
	pass "the worker commits one output per input (out reaches 50)"
else
	fail "the worker commits one output per input (out reaches 50)"
	diag "length out: $(pp length out 2>&1)"
	diag "procs: $(pp procs 2>&1)"
fi
tr 'a-z' 'A-Z' <"$tmp/in.txt" >"$tmp/want"
pp range out | cut -f2 >"$tmp/got"
cmp -s "$tmp/got" "$tmp/want"
verdict "the outputs are the inputs in upper case, in order"

run pp wait up --timeout 20000
is "wait on the systemProc's proc returns once it is done" "$rc" 0

# ---- idempotence and mismatches ------------------------------------------

run pp system-proc up --from in --to out --plugin "$upper" --count 10
[ "$rc" -eq 0 ] && [ "$(field 1 name)" = '"up"' ] &&
	[ "$(field 1 next_seq)" = 50 ]
verdict "creating the same systemProc again prints the existing proc"

run sh -c "cd '$plugins' && '$PIPEPROC_CLI' -a '$addr' system-proc up \
	--from in --to out --plugin ./upper.so --count 10"
[ "$rc" -eq 0 ] && [ "$(field 1 plugin)" = "\"$upper\"" ]
verdict "a relative --plugin is resolved against the current directory"

run pp procs
[ "$rc" -eq 0 ] && [ "$(grep -c '^up	' "$tmp/out")" -eq 1 ]
verdict "re-creating the systemProc creates no second proc"

fails_with "the same name with another --to is PP_EPROC_EXISTS" 1 \
	PP_EPROC_EXISTS pp system-proc up --from in --to other \
	--plugin "$upper" --count 10
fails_with "the same name with another --count is PP_EPROC_EXISTS" 1 \
	PP_EPROC_EXISTS pp system-proc up --from in --to out \
	--plugin "$upper"
fails_with "the same name with another --config is PP_EPROC_EXISTS" 1 \
	PP_EPROC_EXISTS pp system-proc up --from in --to out \
	--plugin "$upper" --count 10 --config prefix=x
pp proc in --name plain >/dev/null 2>&1
fails_with "the name of a plain proc is PP_EPROC_EXISTS" 1 \
	PP_EPROC_EXISTS pp system-proc plain --from in --plugin "$upper"

# ---- plugins that are refused ------------------------------------------

fails_with "a missing plugin file is PP_EPLUGIN" 1 PP_EPLUGIN \
	pp system-proc nofile --from in --plugin "$tmp/nosuch.so"
grep -q "nosuch.so" "$tmp/err"
verdict "the PP_EPLUGIN message names the plugin"

echo "not a shared object" >"$tmp/text.so"
fails_with "a file that is not a shared object is PP_EPLUGIN" 1 \
	PP_EPLUGIN pp system-proc notso --from in --plugin "$tmp/text.so"

fails_with "a config the plugin's init refuses is PP_EPLUGIN" 1 \
	PP_EPLUGIN pp system-proc badcfg --from in --plugin "$upper" \
	--config nonsense
grep -q "unknown config 'nonsense'" "$tmp/err"
verdict "the PP_EPLUGIN message carries the plugin's own reason"

run pp procs
[ "$rc" -eq 0 ] && ! grep -q -e '^nofile	' -e '^notso	' \
	-e '^badcfg	' "$tmp/out"
verdict "a refused plugin creates no proc"
fails_with "system-proc-destroy of a refused systemProc is PP_ENOSYSPROC" \
	1 PP_ENOSYSPROC pp system-proc-destroy badcfg

# ---- procs and inspect -----------------------------------------------------

printf 'up\tin\tactive\t0\t-\t0\t%s\tup\t%s\t-\n' "$last_in" "$upper" \
	>"$tmp/want"
procs_line up >"$tmp/got"
cmp -s "$tmp/got" "$tmp/want"
verdict "procs adds SYSTEMPROC PLUGIN LAST_ERROR for a systemProc's proc"
printf 'plain\tin\tactive\t50\t' >"$tmp/want"
procs_line plain | cut -f1-4 | tr '\n' '\t' >"$tmp/got"
[ "$(procs_line plain | awk -F'\t' '{ print NF }')" = 7 ] &&
	[ "$(procs_line plain | cut -f7)" = - ] &&
	cmp -s "$tmp/got" "$tmp/want"
verdict "procs prints seven fields for a plain proc (LAST_ACKED '-')"

run pp inspect plain
[ "$rc" -eq 0 ] && ! grep -q '"system_proc"' "$tmp/out"
verdict "inspect of a plain proc has no system_proc field"

# ---- several topics, several outputs ---------------------------------------

run pp system-proc fan --from a b --to x y --plugin "$fanout" \
	--config x=copy,y=reverse --count 4
[ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 2 ] &&
	[ "$(field 1 name)" = '"fan__a"' ] &&
	[ "$(field 2 name)" = '"fan__b"' ] &&
	[ "$(field 2 system_proc)" = '"fan"' ]
verdict "--from a b creates fan__a and fan__b, printed in --from order"
pp commit a abc def ghi >/dev/null
pp commit b xyz uvw >/dev/null
wait_for length_is x 5 && wait_for length_is y 5
verdict "fanout commits each input to both --to topics"
pp range y | cut -f2 | sort >"$tmp/got"
printf 'cba\nfed\nihg\nwvu\nzyx\n' >"$tmp/want"
cmp -s "$tmp/got" "$tmp/want"
verdict "each --to topic gets its own transformation"

# ---- a failing plugin ---------------------------------------------------------

run pp system-proc fl --from f --to fout --plugin "$failer" \
	--config fail-on=BAD --max-reclaims 2 --reclaim-timeout 60000
[ "$rc" -eq 0 ]
verdict "create a systemProc with the failer plugin"
pp commit f good BAD >/dev/null
wait_for procs_match fl '	disabled	'
verdict "a plugin that keeps failing gets its proc disabled"
procs_line fl >"$tmp/got"
is "--max-reclaims 2: the second reclaim in a row disables" \
	"$(cut -f6 "$tmp/got")" 2
cut -f8,9 "$tmp/got" >"$tmp/cols"
printf 'fl\t%s\n' "$failer" >"$tmp/want"
cmp -s "$tmp/cols" "$tmp/want" && cut -f10 "$tmp/got" | grep -q "contains 'BAD'"
verdict "procs shows the plugin's failure as the last error"
is "the log before the failing one was processed" \
	"$(pp range fout | cut -f2)" good

# ---- destroy ------------------------------------------------------------------

run pp system-proc-destroy up
[ "$rc" -eq 0 ] && [ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ]
verdict "system-proc-destroy exits 0 and prints nothing"
fails_with "inspect of a destroyed systemProc's proc is PP_ENOPROC" 1 \
	PP_ENOPROC pp inspect up
fails_with "destroying it again is PP_ENOSYSPROC" 1 PP_ENOSYSPROC \
	pp system-proc-destroy up
run pp system-proc-destroy fan
[ "$rc" -eq 0 ] && ! pp procs | grep -q '^fan__'
verdict "destroying a systemProc removes every one of its procs"
is "the logs of its topics stay" "$(pp length out)" 50

run pp system-proc up --from in --to out2 --plugin "$upper" --count 50
[ "$rc" -eq 0 ]
verdict "after destroy the name can be used with other options"
wait_for length_is out2 50
verdict "the new systemProc processes the topic from the start"

run pp shutdown
wait_exit "$node_pid"
is "the node (and its workers) stop on shutdown" "$rc $exit_rc" "0 0"

done_testing
