#!/bin/sh
#
# layering_test.sh - no two source files of lib/ or node/ call each other
# both ways (docs/DESIGN.md, "Source layout"); lib/ includes no header of
# node/, and only the store's files include <lmdb.h>.
#
# The build's object files say who calls whom: a file calls another when
# one of its undefined symbols ("nm -u") is defined in the other ("nm
# --defined-only -g"). For each folder, a pair of files with calls in both
# directions is a circle: one of them belongs on a lower floor, or the
# shared piece in a file of its own. Calls through static inline functions
# in headers and through function pointers are not seen; they do not make
# a floor depend on the one above it. Output is TAP.
#
# The objects are under $PIPEPROC_BUILD/obj (set by "make test"); without
# it the script falls back to build/obj.

# shellcheck source=test/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.." || exit 1

objdir=${PIPEPROC_BUILD:-build}/obj
if ! command -v nm >/dev/null 2>&1; then
	fail "nm is installed"
	# lib/ stands below node/: every header it includes with quotes is its
# own or a public one.
bad=$(grep -h '^#include "' lib/*.c lib/*.h | sed 's/^#include "\(.*\)".*/\1/' |
    sort -u | while read -r h; do
	[ -f "lib/$h" ] || [ -f "include/$h" ] || echo "$h"
done)
if [ -z "$bad" ]; then
	pass "lib/ includes only its own and the public headers"
else
	fail "lib/ includes only its own and the public headers"
	diag "not in lib/ or include/: $bad"
fi

# <lmdb.h>: the store's read side in lib/ (lmdb_*, local*), the node's
# store wing and the benchmark's LMDB baseline; nothing else.
bad=$(grep -l '#include <lmdb.h>' -r lib node worker tools include |
    grep -v -E '^(lib/lmdb_[a-z_]+\.[ch]|lib/local[a-z_]*\.[ch]|node/store/[a-z_]+\.[ch]|tools/bench/bench_lmdb\.c)$')
if [ -z "$bad" ]; then
	pass "only the store's files include <lmdb.h>"
else
	fail "only the store's files include <lmdb.h>"
	diag "also: $bad"
fi

done_testing
fi

# circles DIR: prints "a.c <-> b.c" for each pair of source files under DIR
# (sub-folders included) that call each other both ways.
circles() {
	find "$objdir/$1" -name '*.o' | sort | while read -r o; do
		f=${o#"$objdir"/}
		f=${f%.o}.c
		# An object whose source is gone is a leftover of an old build.
		[ -f "$f" ] || continue
		LC_ALL=C nm --defined-only -g "$o" |
		    awk -v f="$f" 'NF == 3 { print "D", f, $3 }'
		LC_ALL=C nm -u "$o" | awk -v f="$f" '{ print "U", f, $NF }'
	done | awk '
		$1 == "D" { def[$3] = $2; next }
		{ use[n++] = $2 " " $3 }
		END {
			for (i = 0; i < n; i++) {
				split(use[i], u, " ")
				if (!(u[2] in def) || def[u[2]] == u[1]) {
					continue
				}
				edge[u[1] " " def[u[2]]] = 1
			}
			for (e in edge) {
				split(e, p, " ")
				if (p[1] < p[2] && ((p[2] " " p[1]) in edge)) {
					print p[1] " <-> " p[2]
				}
			}
		}' | sort
}

for dir in lib node worker tools; do
	if [ ! -d "$objdir/$dir" ]; then
		fail "objects of $dir/ are built under $objdir"
		continue
	fi
	found=$(circles "$dir")
	if [ -z "$found" ]; then
		pass "no two files of $dir/ call each other both ways"
	else
		fail "no two files of $dir/ call each other both ways"
		printf '%s\n' "$found" | while read -r line; do
			diag "$line"
		done
	fi
done

# lib/ stands below node/: every header it includes with quotes is its
# own or a public one.
bad=$(grep -h '^#include "' lib/*.c lib/*.h | sed 's/^#include "\(.*\)".*/\1/' |
    sort -u | while read -r h; do
	[ -f "lib/$h" ] || [ -f "include/$h" ] || echo "$h"
done)
if [ -z "$bad" ]; then
	pass "lib/ includes only its own and the public headers"
else
	fail "lib/ includes only its own and the public headers"
	diag "not in lib/ or include/: $bad"
fi

# <lmdb.h>: the store's read side in lib/ (lmdb_*, local*), the node's
# store wing and the benchmark's LMDB baseline; nothing else.
bad=$(grep -l '#include <lmdb.h>' -r lib node worker tools include |
    grep -v -E '^(lib/lmdb_[a-z_]+\.[ch]|lib/local[a-z_]*\.[ch]|node/store/[a-z_]+\.[ch]|tools/bench/bench_lmdb\.c)$')
if [ -z "$bad" ]; then
	pass "only the store's files include <lmdb.h>"
else
	fail "only the store's files include <lmdb.h>"
	diag "also: $bad"
fi

done_testing
