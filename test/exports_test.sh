#!/bin/sh
#
# exports_test.sh - the shared library exports exactly the public API.
#
# "nm -D --defined-only" on the built libpipeproc.so must list every pp_*
# function declared with PP_API in include/pipeproc.h as a function, and no
# other symbol: no internal ppi_* name, no symbol of a dependency, no
# stray global. Version-node symbols (type A, e.g. PIPEPROC_0) are not
# code and are ignored. Output is TAP; the exit status is non-zero when any
# check fails.
#
# The library is $PIPEPROC_LIB_SO (set by "make test"); without it the
# script falls back to build/lib/libpipeproc.so.

# A relative $PIPEPROC_LIB_SO is relative to the caller's directory.
case "${PIPEPROC_LIB_SO:-}" in
"" | /*) ;;
*) PIPEPROC_LIB_SO=$PWD/$PIPEPROC_LIB_SO ;;
esac

# shellcheck source=test/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.." || exit 1

HEADER=include/pipeproc.h

lib=${PIPEPROC_LIB_SO:-build/lib/libpipeproc.so}
if [ -f "$lib" ]; then
	pass "the shared library exists: $lib"
else
	fail "the shared library exists: $lib"
	diag "build it with make, or set PIPEPROC_LIB_SO"
	done_testing
fi

if ! command -v nm >/dev/null 2>&1; then
	fail "nm is installed"
	done_testing
fi

# Declared functions, one per line, sorted.
check_api_functions || done_testing
declared=$(printf '%s\n' "$functions" | sort -u)

# Defined dynamic symbols as "TYPE NAME", without version suffixes
# (pp_commit@@PIPEPROC_0 -> pp_commit), skipping version nodes (type A).
if ! syms=$(LC_ALL=C nm -D --defined-only "$lib" 2>&1); then
	fail "nm -D --defined-only $lib"
	diag "$syms"
	done_testing
fi
syms=$(printf '%s\n' "$syms" |
    awk 'NF >= 2 && $(NF-1) != "A" { sub(/@.*/, "", $NF); print $(NF-1), $NF }' |
    sort -u -k2)
exported=$(printf '%s\n' "$syms" | awk '{ print $2 }' | sort -u)

# Every declared function is exported, as code (T; W or i are also code).
missing=""
notfunc=""
for fn in $declared; do
	type=$(printf '%s\n' "$syms" | awk -v s="$fn" '$2 == s { print $1 }')
	if [ -z "$type" ]; then
		missing="$missing $fn"
	else
		case "$type" in
		T | W | i) ;;
		*) notfunc="$notfunc $fn($type)" ;;
		esac
	fi
done
if [ -z "$missing" ]; then
	pass "every declared pp_* function is exported"
else
	fail "every declared pp_* function is exported"
	diag "missing:$missing"
fi
if [ -z "$notfunc" ]; then
	pass "every exported pp_* function is a function symbol"
else
	fail "every exported pp_* function is a function symbol"
	diag "wrong symbol type:$notfunc"
fi

# Nothing else is exported.
extra=$(words_not_in "$exported" "$declared")
if [ -z "$extra" ]; then
	pass "nothing but the declared functions is exported"
else
	fail "nothing but the declared functions is exported"
	diag "not declared with PP_API in $HEADER:"
	diag "$(printf '%s\n' "$extra" | tr -s ' ' '\n' | grep . |
	    sed 's/^/  /')"
fi

done_testing
