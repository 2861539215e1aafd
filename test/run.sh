#!/bin/sh
# run.sh - run every test program given as an argument, then every
# test/*_test.sh script, show their TAP output and print a summary.
#
#   sh test/run.sh build/test/*_test       (from the repository root)
#
# With PP_ONLY set, only the arguments run (a *.sh argument through sh);
# `make test-some T="build/test/x_test test/y_test.sh"` does that.
#
# A program or script fails when it exits non-zero (a crash included), prints
# a "not ok" line, prints no plan, or runs a different number of cases than
# its plan announced. The exit status is 0 only when every one passed.
#
# The last line is always "N passed, M failed": N passing cases, M failing
# cases plus every file that failed without a failing case (a crash, no
# plan, fewer cases than planned), so M is 0 exactly when all passed.

if [ ! -d test ]; then
	echo "run.sh: run from the repository root" >&2
	exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pp-run.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

failed_list=""
n_files=0
n_failed_files=0
n_cases=0
n_case_fail=0
n_silent_fail=0

# run_one NAME COMMAND...: runs COMMAND, streams its output, records the result.
run_one() {
	name=$1
	shift
	n_files=$((n_files + 1))
	echo "# ---- $name"
	rm -f "$tmp/rc"
	{
		"$@" 2>&1
		echo "$?" >"$tmp/rc"
	} | tee "$tmp/out"
	rc=$(cat "$tmp/rc" 2>/dev/null || echo 255)
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$tmp/out" | head -n 1)
	n_ok=$(grep -c '^ok [0-9]' "$tmp/out")
	n_not=$(grep -c '^not ok [0-9]' "$tmp/out")
	n_cases=$((n_cases + n_ok + n_not))
	n_case_fail=$((n_case_fail + n_not))
	why=""
	if [ "$rc" -ne 0 ]; then
		if [ "$rc" -gt 128 ]; then
			why="killed by signal $((rc - 128))"
		else
			why="exit status $rc"
		fi
	fi
	if [ -z "$plan" ]; then
		why="${why:+$why, }no TAP plan"
	elif [ $((n_ok + n_not)) -ne "$plan" ]; then
		why="${why:+$why, }ran $((n_ok + n_not)) of $plan cases"
	fi
	if [ "$n_not" -gt 0 ]; then
		why="${why:+$why, }$n_not failed"
	fi
	if [ -n "$why" ]; then
		n_failed_files=$((n_failed_files + 1))
		if [ "$n_not" -eq 0 ]; then
			n_silent_fail=$((n_silent_fail + 1))
		fi
		failed_list="$failed_list
  FAIL $name ($why)"
		grep '^not ok [0-9]' "$tmp/out" | sed 's/^/       /' \
			>>"$tmp/failed_cases"
	fi
}

for t in "$@"; do
	case $t in
	*.sh)
		run_one "$t" sh "$t"
		continue
		;;
	esac
	if [ ! -x "$t" ]; then
		n_files=$((n_files + 1))
		n_failed_files=$((n_failed_files + 1))
		n_silent_fail=$((n_silent_fail + 1))
		failed_list="$failed_list
  FAIL $t (not an executable file)"
		continue
	fi
	run_one "$t" "$t"
done

for s in test/*_test.sh; do
	[ -f "$s" ] && [ -z "${PP_ONLY:-}" ] || continue
	run_one "$s" sh "$s"
done

echo "# ===="
echo "# $n_files test files, $n_cases cases, $n_case_fail failed cases"
if [ "$n_failed_files" -gt 0 ]; then
	echo "# FAILED: $n_failed_files of $n_files files:$failed_list"
	if [ -s "$tmp/failed_cases" ]; then
		echo "# failed cases:"
		cat "$tmp/failed_cases"
	fi
	echo "$((n_cases - n_case_fail)) passed, $((n_case_fail + n_silent_fail)) failed"
	exit 1
fi
echo "# PASSED: all $n_files files"
echo "$((n_cases - n_case_fail)) passed, 0 failed"
exit 0
