#!/bin/sh
#
# worker_check_test.sh - the plugin ABI checks of `pipeproc-worker --check`,
# which need no node.
#
# Runs the check on every example plugin and on the broken ones of
# test/plugins/ (wrong abi_version, wrong size, no descriptor, no process,
# no name, failing or crashing init) and on files that are no plugins, and
# asserts the exact exit status, the exact answer line on stdout ("ok NAME"
# or "error plugin PATH: ...") and, for a success, a silent stderr. Also
# checks the command line's usage errors.
#
# Run from the repository root by test/run.sh with $PIPEPROC_WORKER,
# $PIPEPROC_PLUGINS and $PIPEPROC_TEST_PLUGINS set (make test does).
# Output is TAP; the exit status is non-zero when any case fails.

# shellcheck source=test/lib.sh
. "$(dirname "$0")/lib.sh"

need_env PIPEPROC_WORKER PIPEPROC_PLUGINS PIPEPROC_TEST_PLUGINS
W=$PIPEPROC_WORKER
P=$PIPEPROC_PLUGINS
T=$PIPEPROC_TEST_PLUGINS

make_tmp ppwcheck

# expect NAME STATUS LINE ARGS...: the worker exits with STATUS and
# prints exactly LINE (one line) on stdout; a success says nothing on
# stderr.
expect() {
	name=$1
	status=$2
	line=$3
	shift 3
	run "$W" "$@"
	got=$(cat "$tmp/out")
	lines=$(wc -l <"$tmp/out")
	if [ "$rc" -eq "$status" ] && [ "$got" = "$line" ] &&
	    [ "$lines" -eq 1 ] && { [ "$status" -ne 0 ] || [ ! -s "$tmp/err" ]; }; then
		pass "$name"
	else
		fail "$name"
		diag "exit status $rc, expected $status"
		diag "stdout ($lines lines): $got"
		diag "expected:            $line"
		diag "stderr: $(cat "$tmp/err")"
	fi
}

# expect_prefix NAME PREFIX ARGS...: status 1 and one stdout line that
# starts with PREFIX (for messages that come from the system, like
# dlerror()).
expect_prefix() {
	name=$1
	prefix=$2
	shift 2
	run "$W" "$@"
	got=$(cat "$tmp/out")
	case "$got" in
	"$prefix"*)
		if [ "$rc" -eq 1 ] && [ "$(wc -l <"$tmp/out")" -eq 1 ]; then
			pass "$name"
			return
		fi
		;;
	esac
	fail "$name"
	diag "exit status $rc, expected 1"
	diag "stdout: $got"
	diag "expected a line starting with: $prefix"
}

# expect_usage NAME ARGS...: status 1, nothing on stdout, a message on
# stderr.
expect_usage() {
	name=$1
	shift
	run "$W" "$@"
	if [ "$rc" -eq 1 ] && [ ! -s "$tmp/out" ] && [ -s "$tmp/err" ]; then
		pass "$name"
	else
		fail "$name"
		diag "exit status $rc, expected 1; stdout: $(cat "$tmp/out")"
		diag "stderr: $(cat "$tmp/err")"
	fi
}

# ---- the example plugins ------------------------------------------------

expect "upper passes the check with its name" 0 "ok upper" \
    --check "$P/upper.so"
expect "upper accepts a prefix config" 0 "ok upper" \
    --check "$P/upper.so" --config "prefix=> "
expect "upper refuses an unknown config, naming the file" 1 \
    "error plugin $P/upper.so: init failed: upper: unknown config 'shout' (expected \"prefix=TEXT\" or nothing)" \
    --check "$P/upper.so" --config shout
expect "fanout passes the check with routes" 0 "ok fanout" \
    --check "$P/fanout.so" --config "a=copy,b=upper,c=reverse,d=length"
expect "fanout passes the check without config (emit to all)" 0 \
    "ok fanout" --check "$P/fanout.so"
expect "fanout refuses an unknown transform" 1 \
    "error plugin $P/fanout.so: init failed: fanout: unknown transform 'zap' (copy, upper, lower, reverse or length)" \
    --check "$P/fanout.so" --config "a=zap"
expect "failer passes the check with fail-on and crash-on" 0 "ok failer" \
    --check "$P/failer.so" --config "fail-on=BAD,crash-on=BOOM"
expect "failer refuses an unknown option" 1 \
    "error plugin $P/failer.so: init failed: failer: unknown option 'explode'" \
    --check "$P/failer.so" --config "fail-on=BAD,explode"
expect "count passes the check" 0 "ok count" --check "$P/count.so" \
    --config total

# ---- the descriptor -----------------------------------------------------

expect "a plugin of another ABI version is refused before anything else" \
    1 "error plugin $T/bad_abi.so: abi_version 2, this worker speaks 1" \
    --check "$T/bad_abi.so"
expect "a descriptor of the wrong size is refused" 1 \
    "error plugin $T/bad_size.so: descriptor size 32, this worker expects 40 or 56 for abi_version 1" \
    --check "$T/bad_size.so"
expect "a shared object without the descriptor symbol is refused" 1 \
    "error plugin $T/no_symbol.so: no symbol 'pipeproc_plugin' (not a pipeproc plugin?)" \
    --check "$T/no_symbol.so"
expect "a descriptor without process is refused" 1 \
    "error plugin $T/no_process.so: process is NULL (it is required)" \
    --check "$T/no_process.so"
expect "a descriptor without a name is refused" 1 \
    "error plugin $T/no_name.so: name is NULL (it is required)" \
    --check "$T/no_name.so"

# ---- init and fini ---------------------------------------------------------

expect "a failing init is refused with its message" 1 \
    "error plugin $T/bad_init.so: init failed: bad_init: refusing config 'x y'" \
    --check "$T/bad_init.so" --config "x y"
expect "a failing init without a message gives its status" 1 \
    "error plugin $T/bad_init.so: init returned 7" \
    --check "$T/bad_init.so" --config quiet
expect "a crash in init is reported, not just a dead process" 1 \
    "error plugin $T/bad_init.so: crashed with signal 11 during init" \
    --check "$T/bad_init.so" --config crash
expect "an abort in init is reported" 1 \
    "error plugin $T/bad_init.so: crashed with signal 6 during init" \
    --check "$T/bad_init.so" --config abort
expect "a crash in fini is reported" 1 \
    "error plugin $T/bad_init.so: crashed with signal 11 during fini" \
    --check "$T/bad_init.so" --config fini-crash
run "$W" --check "$T/bad_init.so" --config print
if [ "$rc" -eq 0 ] && [ "$(cat "$tmp/out")" = "ok bad_init" ] &&
    grep -qx "ok fake-name" "$tmp/err"; then
	pass "what init prints goes to stderr, apart from the answer"
else
	fail "what init prints goes to stderr, apart from the answer"
	diag "exit status $rc; stdout: $(cat "$tmp/out")"
	diag "stderr: $(cat "$tmp/err")"
fi
expect "an init that never returns is cut off with a reason" 1 \
    "error plugin $T/bad_init.so: no answer within 8 s (init)" \
    --check "$T/bad_init.so" --config hang

# ---- files that are no plugins -----------------------------------------------

expect "a missing file is refused with the system's reason" 1 \
    "error plugin $tmp/missing.so: No such file or directory" \
    --check "$tmp/missing.so"
expect "a directory is refused" 1 \
    "error plugin $tmp: not a regular file" --check "$tmp"
printf 'not an ELF file\n' >"$tmp/text.so"
expect_prefix "a file that is no shared object cannot be loaded" \
    "error plugin $tmp/text.so: cannot load: " --check "$tmp/text.so"
cp "$P/upper.so" "$tmp/upper.so"
(
	cd "$tmp" || exit 1
	"$W" --check upper.so >out.rel 2>/dev/null
)
if [ "$(cat "$tmp/out.rel")" = "ok upper" ]; then
	pass "a bare file name is the file in the working directory"
else
	fail "a bare file name is the file in the working directory"
	diag "stdout: $(cat "$tmp/out.rel")"
fi

# ---- command line --------------------------------------------------------------

expect_usage "no arguments is a usage error"
expect_usage "--check with --slot is a usage error" \
    --check "$P/upper.so" --slot 1
expect_usage "--config without --check is a usage error" \
    --address "ipc://$tmp/sock" --slot 1 --config x
expect_usage "--concurrency 0 is a usage error" \
    --address "ipc://$tmp/sock" --slot 1 --concurrency 0
expect_usage "a closed --lifeline-fd is a usage error" \
    --address "ipc://$tmp/sock" --slot 1 --lifeline-fd 57
run "$W" --address "ipc://$tmp/sock" --slot 3
if [ "$rc" -eq 1 ] && grep -q "^pipeproc-worker\[3\]: PP_ECONNREFUSED" \
    "$tmp/err"; then
	pass "no node at the address: status 1 and the reason"
else
	fail "no node at the address: status 1 and the reason"
	diag "exit status $rc; stderr: $(cat "$tmp/err")"
fi

done_testing
