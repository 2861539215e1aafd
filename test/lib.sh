#!/bin/sh
#
# lib.sh - helpers shared by the shell tests (test/*_test.sh).
#
# Sourced, never run: its name does not end in _test.sh, so test/run.sh
# does not pick it up. A script sources it first, by its own path, so that
# it works from any working directory:
#
#     . "$(dirname "$0")/lib.sh"
#
# What it provides, in the order below:
#   - TAP output: pass, fail, diag and done_testing, counting cases in $n
#     and failures in $failures; verdict, is, out_is and fails_with on top.
#   - The environment: need_env checks the variables make test sets.
#   - A temporary directory: make_tmp creates $tmp and installs the traps
#     that stop every process of $pids and remove $tmp on any exit; at_exit
#     adds more cleanup.
#   - Processes and waits: run, pp, start_bg, wait_for, wait_ready,
#     ready_or_bail and wait_exit. There are no fixed sleeps: every wait polls a condition
#     every 25 ms up to a deadline of $deadline_s seconds.
#   - Small text helpers: pairs, words_not_in, api_functions and
#     check_api_functions.
#
# POSIX sh only. There is no `local`, so the helpers that are not simple
# wrappers keep their scratch variables under names a script does not use.

# Variables cross between this file and the scripts both ways ($addr is
# the script's, $exit_rc is for it): shellcheck cannot see that.
# shellcheck disable=SC2034,SC2154

n=0
failures=0
tmp=""
pids=""
exit_hooks=""
# deadline_s: how long each wait may take, in seconds. A script may raise
# it after sourcing this file (cli_system_test.sh does, for slow workers).
deadline_s=10

# ---- TAP ------------------------------------------------------------------

# pass DESC: one passing case.
pass() {
	n=$((n + 1))
	echo "ok $n - $1"
}

# fail DESC [LINE...]: one failing case, then each LINE as a diag comment.
fail() {
	n=$((n + 1))
	failures=$((failures + 1))
	echo "not ok $n - $1"
	shift
	for tap_line in "$@"; do
		diag "$tap_line"
	done
}

# diag TEXT: TEXT (any number of lines) as TAP comment lines.
diag() {
	printf '%s\n' "$1" | sed 's/^/#   /'
}

# done_testing: print the plan "1..N" for the cases run so far and exit:
# 0 when every case passed, 1 (after a count of the failures) otherwise.
# The plan comes last so that a script need not count its cases up front.
done_testing() {
	echo "1..$n"
	if [ "$failures" -ne 0 ]; then
		echo "# $failures of $n checks failed"
		exit 1
	fi
	exit 0
}

# verdict DESC: pass when the command just before it succeeded. On a
# failure, show what the last `run` left: $rc, $tmp/out and $tmp/err.
verdict() {
	if [ $? -eq 0 ]; then
		pass "$1"
	else
		fail "$1"
		diag "last exit status ${rc:-}; stdout: $(head -c 600 "$tmp/out" 2>/dev/null)"
		diag "stderr: $(head -c 600 "$tmp/err" 2>/dev/null)"
	fi
}

# is DESC GOT WANT: pass when the strings GOT and WANT are equal.
is() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1"
		diag "got:  '$2'"
		diag "want: '$3'"
	fi
}

# out_is DESC CMD...: pass when CMD exits 0 and its stdout equals
# $tmp/want byte for byte.
out_is() {
	desc=$1
	shift
	run "$@"
	if [ "$rc" -eq 0 ] && cmp -s "$tmp/out" "$tmp/want"; then
		pass "$desc"
	else
		fail "$desc"
		diag "exit status $rc; stderr: $(cat "$tmp/err")"
		diag "$(diff "$tmp/want" "$tmp/out" | head -n 20)"
	fi
}

# fails_with DESC RC NAME CMD...: pass when CMD (the pipeproc CLI) exits
# RC with nothing on stdout; with RC 1, stderr is the one line
# "pipeproc: ...: NAME: ..."; with RC 2, stderr is the one line
# "pipeproc: ... (see 'pipeproc ...--help')" (issue 13: no usage dump).
fails_with() {
	desc=$1
	want_rc=$2
	name=$3
	shift 3
	run "$@"
	good=1
	[ "$rc" -eq "$want_rc" ] || good=0
	if [ "$want_rc" -eq 1 ]; then
		[ "$(wc -l <"$tmp/err")" -eq 1 ] || good=0
		grep -q "^pipeproc: .*$name: " "$tmp/err" || good=0
	else
		[ "$(wc -l <"$tmp/err")" -eq 1 ] || good=0
		grep -q "^pipeproc: .*(see 'pipeproc .*--help')\$" "$tmp/err" ||
			good=0
	fi
	[ -s "$tmp/out" ] && good=0
	if [ $good -eq 1 ]; then
		pass "$desc"
	else
		fail "$desc"
		diag "exit status $rc (want $want_rc); stderr:"
		diag "$(head -n 5 "$tmp/err")"
	fi
}

# ---- environment -----------------------------------------------------------

# need_env VAR...: exit 2 with a message naming the script unless every
# VAR is set and not empty (make test sets them all).
need_env() {
	env_missing=no
	for env_var in "$@"; do
		eval "env_val=\${$env_var:-}"
		[ -n "$env_val" ] || env_missing=yes
	done
	[ "$env_missing" = no ] && return 0
	env_list=""
	env_left=$#
	for env_var in "$@"; do
		if [ -z "$env_list" ]; then
			env_list=$env_var
		elif [ "$env_left" -eq 1 ]; then
			env_list="$env_list and $env_var"
		else
			env_list="$env_list, $env_var"
		fi
		env_left=$((env_left - 1))
	done
	echo "${0##*/}: set $env_list" >&2
	exit 2
}

# ---- temporary directory and cleanup --------------------------------------

# make_tmp PREFIX: create a fresh directory $tmp named PREFIX.XXXXXX and
# install the traps: on any exit, cleanup runs; HUP, INT and TERM exit
# with 128 + the signal number. Unix socket paths are short (108 bytes),
# so $tmp stays near the root: under $TMPDIR only when that is short.
# Exits 2 when the directory cannot be created.
make_tmp() {
	tmp_base=${TMPDIR:-/tmp}
	if [ ${#tmp_base} -gt 40 ]; then
		tmp_base=/tmp
	fi
	tmp=$(mktemp -d "$tmp_base/$1.XXXXXX") || exit 2
	trap cleanup EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# at_exit CMD: run the command line CMD at exit, after every process of
# $pids is stopped and before $tmp is removed, in the order of the calls.
at_exit() {
	exit_hooks="$exit_hooks$1
"
}

# cleanup: stop every process of $pids (SIGTERM, then SIGKILL after 5 s),
# run the at_exit commands, remove $tmp. Installed by make_tmp.
cleanup() {
	for cl_pid in $pids; do
		kill -TERM "$cl_pid" 2>/dev/null
	done
	for cl_pid in $pids; do
		cl_i=0
		while kill -0 "$cl_pid" 2>/dev/null && [ $cl_i -lt 200 ]; do
			sleep 0.025
			cl_i=$((cl_i + 1))
		done
		kill -KILL "$cl_pid" 2>/dev/null
	done
	eval "$exit_hooks"
	if [ -n "$tmp" ]; then
		rm -rf "$tmp"
	fi
}

# ---- processes and waits -----------------------------------------------------

# run CMD...: run CMD; its stdout in $tmp/out, stderr in $tmp/err, its
# exit status in $rc, which run also returns.
run() {
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	return "$rc"
}

# pp ARGS...: the CLI ($PIPEPROC_CLI), talking to the node at $addr.
pp() {
	"$PIPEPROC_CLI" -a "$addr" "$@"
}

# start_bg NAME CMD...: run CMD in the background with stdin from
# /dev/null, its stdout in $tmp/NAME.out and stderr in $tmp/NAME.err; sets
# bg_pid and adds it to $pids, so cleanup stops it.
start_bg() {
	name=$1
	shift
	"$@" >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null &
	bg_pid=$!
	pids="$pids $bg_pid"
}

# wait_for CMD...: poll CMD (quietly) every 25 ms until it succeeds, for at
# most $deadline_s seconds. Returns 0 when it did, 1 on the deadline.
wait_for() {
	wf_i=0
	while ! "$@" >/dev/null 2>&1; do
		if [ $wf_i -ge $((deadline_s * 40)) ]; then
			return 1
		fi
		sleep 0.025
		wf_i=$((wf_i + 1))
	done
	return 0
}

# wait_ready NAME LINE: wait up to $deadline_s seconds for exactly LINE
# (a fixed string, like "ready ADDRESS") on $tmp/NAME.out, the stdout of
# the process start_bg started last. Returns 1 at the deadline, or as soon
# as that process has exited without printing LINE.
wait_ready() {
	wr_i=0
	while [ $wr_i -lt $((deadline_s * 40)) ]; do
		if grep -qxF "$2" "$tmp/$1.out" 2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$bg_pid" 2>/dev/null; then
			grep -qxF "$2" "$tmp/$1.out" 2>/dev/null
			return
		fi
		sleep 0.025
		wr_i=$((wr_i + 1))
	done
	return 1
}

# ready_or_bail DESC NAME LINE: one case, passing when wait_ready NAME
# LINE does. Otherwise it shows the process's stdout and stderr and bails
# out (exit 1): nothing after a node that did not start can run.
ready_or_bail() {
	if wait_ready "$2" "$3"; then
		pass "$1"
		return 0
	fi
	fail "$1" "stdout: $(cat "$tmp/$2.out")" "stderr: $(cat "$tmp/$2.err")"
	echo "Bail out! the node did not start"
	exit 1
}

# wait_exit PID: wait up to $deadline_s seconds for PID (a child) to exit
# and reap it: its exit status in $exit_rc, and PID leaves $pids so that
# cleanup never signals a reused pid. At the deadline, exit_rc=timeout
# and it returns 1.
wait_exit() {
	we_i=0
	while kill -0 "$1" 2>/dev/null; do
		if [ $we_i -ge $((deadline_s * 40)) ]; then
			exit_rc=timeout
			return 1
		fi
		sleep 0.025
		we_i=$((we_i + 1))
	done
	wait "$1"
	exit_rc=$?
	we_left=""
	for we_pid in $pids; do
		[ "$we_pid" = "$1" ] || we_left="$we_left $we_pid"
	done
	pids=$we_left
	return 0
}

# ---- text -------------------------------------------------------------------

# pairs ID BODY ...: the "ID<TAB>BODY" lines range prints, one per pair.
pairs() {
	while [ $# -gt 1 ]; do
		printf '%s\t%s\n' "$1" "$2"
		shift 2
	done
}

# words_not_in WORDS LINES: the words of WORDS (split on blanks) that are
# not a whole line of LINES (matched as a grep pattern), each after a
# space, as in " a b"; nothing when every word is there.
words_not_in() {
	wn_out=""
	for wn_word in $1; do
		printf '%s\n' "$2" | grep -qx "$wn_word" || wn_out="$wn_out $wn_word"
	done
	printf '%s' "$wn_out"
}

# api_functions: the pp_* functions declared with PP_API in $HEADER, one
# per line, in header order.
api_functions() {
	sed -n 's/^PP_API[^(]*[ *]\(pp_[A-Za-z0-9_]*\)(.*/\1/p' "$HEADER"
}

# check_api_functions: one case, passing when api_functions finds one
# distinct name on each line of $HEADER that starts with PP_API. Sets
# $functions (header order) and $api_count. Returns 1 when it failed.
check_api_functions() {
	functions=$(api_functions)
	api_lines=$(grep -c '^PP_API' "$HEADER")
	api_count=$(printf '%s\n' "$functions" | sort -u | grep -c .)
	if [ "$api_count" -gt 0 ] && [ "$api_count" -eq "$api_lines" ]; then
		pass "found the $api_count PP_API functions of $HEADER"
		return 0
	fi
	fail "found the PP_API functions of $HEADER"
	diag "$api_lines lines start with PP_API but $api_count names were extracted;"
	diag "keep each 'PP_API type pp_name(' on one line"
	return 1
}
