#!/bin/sh
#
# cli_help_test.sh - the command line of the `pipeproc` tool as a user
# meets it (issue 13 item 2): every command's help and paragraph, one-line
# usage errors, `pipeproc node` taking every option of pipeproc-node with
# errors that carry the PP_E name, commit refusing unknown options (and
# taking bodies that start with '-' after "--"), --json of procs and
# topics, --limit 0, and the bash completion file.
#
# Starts a real node with `pipeproc node` in a fresh temporary directory.
# Run from the repository root by test/run.sh with $PIPEPROC_CLI and
# $PIPEPROC_NODE set. Output is TAP; the exit status is non-zero when any
# case fails. No fixed sleeps: every wait polls a condition with a
# deadline; the trap stops every process and removes the directory.

# shellcheck source=test/lib.sh
. "$(dirname "$0")/lib.sh"

need_env PIPEPROC_CLI PIPEPROC_NODE
export PIPEPROC_NODE
unset PIPEPROC_ADDRESS

make_tmp pphelp
addr=ipc://$tmp/sock
completion=$(cd "$(dirname "$0")/.." && pwd)/tools/cli/pipeproc.bash

# ---- help ---------------------------------------------------------------

run "$PIPEPROC_CLI" --help
[ "$rc" -eq 0 ] && [ ! -s "$tmp/err" ]
verdict "--help prints on stdout and exits 0"
sed -n 's/^  \([a-z][a-z-]*\).*/\1/p' "$tmp/out" | sort -u >"$tmp/commands"
cp "$tmp/out" "$tmp/help"
# The commands the tool dispatches (cli.c), each with its help.
for cmd in node commit range revrange length stat topics tail wait \
    topic-delete topic-config backup proc ack reclaim inspect disable \
    resume destroy procs shutdown stats system-proc system-proc-destroy \
    replay producer; do
	grep -qx "$cmd" "$tmp/commands"
	verdict "--help lists $cmd"
	run "$PIPEPROC_CLI" "$cmd" --help
	[ "$rc" -eq 0 ] && [ ! -s "$tmp/err" ] &&
		head -n 1 "$tmp/out" | grep -q "^usage: pipeproc $cmd\\b" &&
		[ "$(grep -c '^[A-Z]' "$tmp/out")" -ge 2 ]
	verdict "$cmd --help prints its synopsis and paragraph"
done

# help_after CMD: the first line of --help after the synopsis of CMD.
help_after() {
	awk -v c="  $1 " 'index($0, c) == 1 { on = 1; next }
	    on && /^      [A-Z]/ { print; exit }' "$tmp/help"
}
for pair in "tail:Print TOPIC as range does" "wait:Wait until" \
    "topic-config:Set the retention" "topic-delete:Delete TOPIC" \
    "backup:Write a consistent copy"; do
	cmd=${pair%%:*}
	help_after "$cmd" | grep -q "${pair#*:}"
	verdict "--help describes $cmd under $cmd"
done
tr -s ' \n' '  ' <"$tmp/help" |
	grep -q -- '--limit N stops after N logs (0, the default: no limit)' 
verdict "--help documents --limit 0"

run "$PIPEPROC_CLI" range t --json --help
[ "$rc" -eq 0 ] && head -n 1 "$tmp/out" | grep -q '^usage: pipeproc range'
verdict "--help after other arguments prints the command's help"

# ---- usage errors are one line --------------------------------------------

fails_with "an unknown command is one line" 2 "" "$PIPEPROC_CLI" frob
fails_with "a missing TOPIC is one line" 2 "" "$PIPEPROC_CLI" range
fails_with "commit refuses an unknown option after its bodies" 2 "" \
	"$PIPEPROC_CLI" -a "$addr" commit t one --bogus 7
grep -q "unknown option '--bogus' (see 'pipeproc commit --help')" "$tmp/err"
verdict "the usage error names the option and the command's help"
fails_with "commit refuses an unknown option before TOPIC" 2 "" \
	"$PIPEPROC_CLI" -a "$addr" commit --bogus t one
fails_with "commit -D with BODY arguments is a usage error" 2 "" \
	"$PIPEPROC_CLI" -a "$addr" commit -D , t one
fails_with "commit -f without a FILE is a usage error" 2 "" \
	"$PIPEPROC_CLI" -a "$addr" commit -f t
fails_with "commit -D with a bad escape is a usage error" 2 "" \
	"$PIPEPROC_CLI" -a "$addr" commit -D '\q' t
fails_with "topics with an argument is a usage error" 2 "" \
	"$PIPEPROC_CLI" -a "$addr" topics extra

# ---- pipeproc node takes every option of pipeproc-node -------------------

# node_opts HELP: "NAME flag" or "NAME value" per option of a usage text.
node_opts() {
	python3 -c '
import re, sys
words = open(sys.argv[1]).read().replace("|", " | ").split()
for i, w in enumerate(words):
    w = w.lstrip("[")
    if not re.match(r"--[a-z]", w):
        continue
    nxt = words[i + 1] if i + 1 < len(words) else "["
    flag = w.endswith("]") or nxt.startswith("[") or nxt.startswith("--")
    print(re.sub(r"[^a-z-].*", "", w), "flag" if flag else "value")
' "$1" | sort -u
}
"$PIPEPROC_NODE" --help >"$tmp/node_help" 2>&1
node_opts "$tmp/node_help" >"$tmp/node_opts"
[ "$(wc -l <"$tmp/node_opts")" -ge 20 ]
verdict "pipeproc-node --help lists its options"
while read -r opt kind; do
	case $opt in
	# pp_spawn's and pp_attach's own; pipeproc node passes
	# --print-ready itself.
	--print-ready | --ready-fd | --lifeline-fd | --attached) continue ;;
	esac
	if [ "$kind" = value ]; then
		run "$PIPEPROC_CLI" node "$opt"
		want="option '$opt' needs an argument"
	else
		# A known flag, then a value option without its value.
		run "$PIPEPROC_CLI" node "$opt" --data
		want="option '--data' needs an argument"
	fi
	[ "$rc" -eq 2 ] && grep -q "$want" "$tmp/err"
	verdict "pipeproc node accepts $opt ($kind)"
	"$PIPEPROC_CLI" node --help | grep -q -- "$opt"
	verdict "pipeproc node --help shows $opt"
done <"$tmp/node_opts"

run "$PIPEPROC_CLI" node --data "$tmp/bad" --listen "ipc://$tmp/bad.sock" \
	--sync bogus
[ "$rc" -ne 0 ] && [ ! -s "$tmp/out" ] &&
	grep -q "^pipeproc-node: PP_EINVAL: bad --sync 'bogus'" "$tmp/err"
verdict "a bad --sync value is reported with its PP_E name"
run "$PIPEPROC_CLI" node --data "$tmp/bad" --listen "ipc://$tmp/bad.sock" \
	--dedupe-window 5
[ "$rc" -ne 0 ] && grep -q "^pipeproc-node: PP_EINVAL: bad --dedupe-window" \
	"$tmp/err"
verdict "a bad --dedupe-window value is reported with its PP_E name"

start_bg main "$PIPEPROC_CLI" node --data "$tmp/d" --listen "$addr" \
	--dedupe-window 5000 --gc --max-store-size 104857600
ready_or_bail "node starts with --dedupe-window, --gc and --max-store-size" \
	main "ready $addr"

# ---- commit: options are refused, "--" takes any body --------------------

run "$PIPEPROC_CLI" -a "$addr" length t
[ "$rc" -eq 1 ] && grep -q PP_ENOTOPIC "$tmp/err"
verdict "the refused commits committed nothing"
run "$PIPEPROC_CLI" -a "$addr" commit t -- --bogus -x
[ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 2 ]
verdict "commit takes bodies that start with '-' after --"
run "$PIPEPROC_CLI" -a "$addr" range t
[ "$(cut -f2 "$tmp/out")" = "--bogus
-x" ]
verdict "those bodies are stored as given"

# ---- --json of topics and procs; --limit 0 -------------------------------

"$PIPEPROC_CLI" -a "$addr" commit orders a b c >/dev/null
"$PIPEPROC_CLI" -a "$addr" proc orders --name billing --count 2 \
	>/dev/null 2>&1
run "$PIPEPROC_CLI" -a "$addr" topics --json
[ "$rc" -eq 0 ] && python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {r["topic"]: r for r in rows}
assert by["orders"]["count"] == 3 and by["t"]["count"] == 2, rows
' "$tmp/out"
verdict "topics --json prints one object per topic"
run "$PIPEPROC_CLI" -a "$addr" procs --json
[ "$rc" -eq 0 ] && python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 1 and rows[0]["name"] == "billing", rows
assert rows[0]["has_claim"] and isinstance(rows[0]["claim_token"], str)
' "$tmp/out"
verdict "procs --json prints one object per proc, the token a string"
run "$PIPEPROC_CLI" -a "$addr" range orders --limit 0
[ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 3 ]
verdict "range --limit 0 prints every log"

# ---- bash completion -----------------------------------------------------

# complete WORD...: what the completion offers for the last WORD.
complete() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
	    _pipeproc; printf "%s\n" "${COMPREPLY[@]}"' sh "$completion" \
		"$PIPEPROC_CLI" "$@" 2>&1
}
if command -v bash >/dev/null 2>&1; then
	[ "$(complete com)" = commit ]
	verdict "completion completes a command"
	complete range --b | grep -qx -- --base64
	verdict "completion completes a command's options from its help"
	complete commit - | grep -qx -- -0
	verdict "completion offers commit's -0"
	[ "$(complete -a "$addr" range or)" = orders ]
	verdict "completion completes topic names from the node"
	[ "$(complete -a "$addr" inspect bil)" = billing ]
	verdict "completion completes proc names from the node"
	[ "$(complete proc t --on-max-reclaims dead)" = deadletter ]
	verdict "completion completes --on-max-reclaims modes"
	[ "$(complete -a "$addr" tail -f or)" = orders ]
	verdict "completion completes a topic after tail -f"
	: >"$tmp/body-file.bin"
	[ "$(complete -a "$addr" commit -f orders "$tmp/body-f")" = \
		"$tmp/body-file.bin" ]
	verdict "completion completes files after commit -f TOPIC"
else
	pass "# SKIP bash is not installed"
fi

done_testing
