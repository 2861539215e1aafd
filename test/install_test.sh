#!/bin/sh
#
# install_test.sh - `make install` into a DESTDIR stage gives a working
# installation (issue 13 item 1): the programs (pipeproc-gen-certs
# included), the library and its soname link, pipeproc.pc, the example
# plugins in PREFIX/lib/pipeproc/plugins, the bash completion; the
# README's C example builds with pkg-config against the stage and runs;
# a node started from the stage runs a systemProc whose plugin is given
# by name (`--plugin upper`), and a name found nowhere is PP_EPLUGIN with
# the directories looked in; `make uninstall` removes every file again.
#
# The stage keeps the build's PREFIX (/usr/local by default): the library
# records the installed node's path when it is compiled, so the example
# is pointed at the staged node with $PIPEPROC_NODE, and finds the staged
# library with LD_LIBRARY_PATH, as README says for a library outside the
# linker's path. Nothing is written outside the temporary directory.
#
# Run from the repository root by test/run.sh (make test sets
# $PIPEPROC_BUILD and $PIPEPROC_SANITIZE). Output is TAP; the exit status
# is non-zero when any case fails. No fixed sleeps.

# shellcheck source=test/lib.sh
. "$(dirname "$0")/lib.sh"

need_env PIPEPROC_BUILD
root=$(cd "$(dirname "$0")/.." && pwd)
# The staged programs, not the build's: they find each other.
unset PIPEPROC_NODE PIPEPROC_WORKER PIPEPROC_CLI PIPEPROC_ADDRESS \
	PIPEPROC_PLUGIN_PATH
deadline_s=20

make_tmp ppinst
stage=$tmp/stage
addr=ipc://$tmp/sock
sanitize=${PIPEPROC_SANITIZE:-}
sanflags=""
if [ -n "$sanitize" ]; then
	sanflags="-fsanitize=$sanitize -fno-sanitize-recover=all"
fi

# A make of its own: not the jobserver of the make that runs the tests.
run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$root" \
	--no-print-directory install DESTDIR="$stage" SANITIZE="$sanitize"
verdict "make install DESTDIR=stage succeeds"
prefix=$(sed -n 's/^prefix=//p' "$stage"/usr/local/lib/pkgconfig/pipeproc.pc \
	2>/dev/null)
[ "$prefix" = /usr/local ] || {
	fail "the stage holds pipeproc.pc with prefix /usr/local" \
		"prefix '$prefix'; build with the default PREFIX to run this"
	done_testing
}
p=$stage/usr/local

for f in bin/pipeproc bin/pipeproc-node bin/pipeproc-worker \
    bin/pipeproc-gen-certs lib/libpipeproc.so.0 lib/libpipeproc.a \
    include/pipeproc.h lib/pipeproc/plugins/upper.so \
    lib/pipeproc/plugins/fanout.so lib/pipeproc/plugins/count.so \
    lib/pipeproc/plugins/failer.so lib/pipeproc/plugins/exec.so \
    share/bash-completion/completions/pipeproc \
    share/man/man1/pipeproc.1 share/man/man3/pp_deadletter_decode.3; do
	[ -e "$p/$f" ]
	verdict "make install installs $f"
done
grep -q 'ldconfig' "$tmp/out"
[ $? -ne 0 ]
verdict "make install with DESTDIR does not run ldconfig"

# ---- the README's example, built against the stage -----------------------

python3 -c '
import re, sys
text = open(sys.argv[1]).read()
api = text[text.index("## Library API in brief"):]
print(re.search(r"```c\n(.*?)```", api, re.S).group(1), end="")
' "$root/README.md" >"$tmp/example.c"
grep -q pp_spawn "$tmp/example.c"
verdict "the README's example is extracted"
flags=$(PKG_CONFIG_SYSROOT_DIR=$stage \
	PKG_CONFIG_PATH=$p/lib/pkgconfig pkg-config --cflags --libs pipeproc)
# shellcheck disable=SC2086 # flags are words
run cc $sanflags -o "$tmp/example" "$tmp/example.c" $flags
verdict "the example compiles and links with pkg-config"
(cd "$tmp" && LD_LIBRARY_PATH=$p/lib PIPEPROC_NODE=$p/bin/pipeproc-node \
	./example >"$tmp/ex.out" 2>"$tmp/ex.err")
rc=$?
[ "$rc" -eq 0 ] && grep -q '^committed ' "$tmp/ex.out" &&
	grep -q '	order 1$' "$tmp/ex.out"
verdict "the example runs against the staged library and node"
[ "$rc" -eq 0 ] || diag "$(cat "$tmp/ex.out" "$tmp/ex.err")"

# ---- a systemProc from the stage, its plugin by name -------------------

start_bg node "$p/bin/pipeproc" -a "$addr" node --data "$tmp/d"
ready_or_bail "the staged pipeproc starts the staged node" node \
	"ready $addr"
run "$p/bin/pipeproc" -a "$addr" system-proc shout --from orders \
	--to shouts --plugin upper
[ "$rc" -eq 0 ] && grep -q '"plugin":"upper"' "$tmp/out"
verdict "system-proc --plugin upper finds the installed plugin"
"$p/bin/pipeproc" -a "$addr" commit orders hello >/dev/null
run "$p/bin/pipeproc" -a "$addr" wait shout --timeout 15000
verdict "the staged worker runs it"
[ "$("$p/bin/pipeproc" -a "$addr" range shouts | cut -f2)" = HELLO ]
verdict "the installed upper.so upper-cased the log"
run "$p/bin/pipeproc" -a "$addr" system-proc nope --from orders \
	--plugin no-such-plugin
[ "$rc" -eq 1 ] && grep -q 'PP_EPLUGIN: .*no-such-plugin.*lib/pipeproc/plugins' \
	"$tmp/err"
verdict "an unknown plugin name is PP_EPLUGIN listing where it looked"
mkdir "$tmp/more"
cp "$p/lib/pipeproc/plugins/upper.so" "$tmp/more/mine.so"
"$p/bin/pipeproc" -a "$addr" shutdown
wait_exit "$bg_pid"
start_bg node2 env PIPEPROC_PLUGIN_PATH="$tmp/none:$tmp/more" \
	"$p/bin/pipeproc" -a "$addr" node --data "$tmp/d"
ready_or_bail "the node restarts with PIPEPROC_PLUGIN_PATH" node2 \
	"ready $addr"
run "$p/bin/pipeproc" -a "$addr" system-proc mine --from orders \
	--plugin mine
[ "$rc" -eq 0 ]
verdict "a plugin name is found in \$PIPEPROC_PLUGIN_PATH"
"$p/bin/pipeproc" -a "$addr" shutdown

# ---- the completion, installed ---------------------------------------------

if command -v bash >/dev/null 2>&1; then
	got=$(PATH=$p/bin:$PATH bash -c '
	    . "$1"; COMP_WORDS=(pipeproc repl); COMP_CWORD=1; _pipeproc
	    printf "%s\n" "${COMPREPLY[@]}"' sh \
	    "$p/share/bash-completion/completions/pipeproc")
	is "the installed completion completes a command" "$got" replay
fi

# ---- uninstall -------------------------------------------------------------

run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$root" \
	--no-print-directory uninstall DESTDIR="$stage" SANITIZE="$sanitize"
verdict "make uninstall succeeds"
left=$(find "$stage" -type f -o -type l | head -n 5)
is "make uninstall removes every installed file" "$left" ""

done_testing
