#!/bin/sh
#
# man_test.sh - lint the man pages and check that they cover the public API.
#
# Every page in man/ except the one-line ".so" link pages is formatted with
# "groff -man -ww -z" (and checked with "mandoc -Tlint -W warning" when
# mandoc is installed); any warning fails the page. Every pp_* function
# declared with PP_API in include/pipeproc.h must appear in the NAME line of
# a section 3 page and have a page of its own name (the group page or a link
# to it), so that "man pp_xxx" works. Output is TAP; the exit status is
# non-zero when any check fails.
#
# Run from the repository root (test/run.sh does); works from anywhere.

# shellcheck source=test/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.." || exit 1

HEADER=include/pipeproc.h

# is_link FILE: true when FILE is a one-line ".so" link page.
is_link() {
	[ "$(wc -l <"$1")" -le 1 ] && head -n 1 "$1" | grep -q '^\.so '
}

# name_line FILE: the text of the NAME section of a page, on one line.
name_line() {
	awk '/^\.SH/ { in_name = ($2 == "NAME"); next }
	     in_name { printf "%s ", $0 }' "$1"
}

pages=$(ls man/*.[1-8] 2>/dev/null)
if [ -z "$pages" ]; then
	fail "man/ holds man pages"
	done_testing
fi

if ! command -v groff >/dev/null 2>&1; then
	fail "groff is installed (make deps installs groff-base)"
fi
has_mandoc=no
if command -v mandoc >/dev/null 2>&1; then
	has_mandoc=yes
fi

# ---- each page: lint, or check the link --------------------------------------
for f in $pages; do
	if is_link "$f"; then
		target=$(sed -n '1s/^\.so  *//p' "$f")
		tfile=man/$(basename "$target")
		sec=$(basename "$(dirname "$target")")
		if [ "$sec" = "man${tfile##*.}" ] && [ -f "$tfile" ] &&
		    ! is_link "$tfile"; then
			pass "$f links to $target"
		else
			fail "$f links to $target"
			diag "the target must be an existing page (not a link) in the same directory"
		fi
		continue
	fi

	if command -v groff >/dev/null 2>&1; then
		out=$(LC_ALL=C groff -man -ww -z "$f" 2>&1)
		rc=$?
		if [ $rc -eq 0 ] && [ -z "$out" ]; then
			pass "$f: groff -man -ww -z is silent"
		else
			fail "$f: groff -man -ww -z is silent"
			diag "exit status $rc"
			diag "$out"
		fi
	fi

	if [ "$has_mandoc" = yes ]; then
		out=$(mandoc -Tlint -W warning "$f" 2>&1)
		rc=$?
		if [ $rc -eq 0 ] && [ -z "$out" ]; then
			pass "$f: mandoc -Tlint -W warning is silent"
		else
			fail "$f: mandoc -Tlint -W warning is silent"
			diag "exit status $rc"
			diag "$out"
		fi
	fi

	bad=$(LC_ALL=C grep -n "$(printf '[^\t -~]')" "$f")
	if [ -z "$bad" ]; then
		pass "$f is plain ASCII"
	else
		fail "$f is plain ASCII"
		diag "$bad"
	fi

	case "$f" in
	*.3) required="NAME SYNOPSIS DESCRIPTION RETURN_VALUES ERRORS SEE_ALSO" ;;
	*.7) required="NAME SYNOPSIS DESCRIPTION SEE_ALSO" ;;
	*) required="NAME SYNOPSIS DESCRIPTION EXIT_STATUS SEE_ALSO" ;;
	esac
	have=$(sed -n 's/^\.SH  *"\{0,1\}\([^"]*\)"\{0,1\} *$/\1/p' "$f" |
	    tr ' ' '_')
	missing=$(words_not_in "$required" "$have")
	if [ -z "$missing" ]; then
		pass "$f has the required sections"
	else
		fail "$f has the required sections"
		diag "missing:$(printf '%s' "$missing" | tr '_' ' ')"
	fi
done

# ---- every public function is documented ---------------------------------------
check_api_functions

# Names listed in the NAME lines of section 3 pages, one per line.
named=""
for f in man/*.3; do
	is_link "$f" && continue
	names=$(name_line "$f" | sed 's/ *\\-.*//; s/\\%//g' |
	    tr ',' ' ' | tr -s ' ' '\n' | grep .)
	named="$named
$names"
done

for fn in $functions; do
	if ! printf '%s\n' "$named" | grep -qx "$fn"; then
		fail "$fn appears in the NAME line of a man/*.3 page"
	elif [ ! -f "man/$fn.3" ]; then
		fail "$fn has its own page man/$fn.3"
		diag "add a one-line link page: .so man3/GROUP.3"
	else
		pass "$fn is documented (NAME line and man/$fn.3)"
	fi
done

# The reverse: a NAME line must not list a function the header lacks.
stale=$(words_not_in "$(printf '%s\n' "$named" | grep '^pp_' | sort -u)" \
    "$functions")
if [ -z "$stale" ]; then
	pass "every pp_* name in a NAME line is declared in $HEADER"
else
	fail "every pp_* name in a NAME line is declared in $HEADER"
	diag "not declared:$stale"
fi

done_testing
