#!/bin/sh
#
# nodejs_test.sh - the Node.js binding's suites (bindings/nodejs/test/),
# run by `node --test` with the TAP reporter, so each of their top-level
# tests counts in run.sh's summary.
#
# The addon is $PIPEPROC_NODEJS_ADDON and finds libpipeproc in
# $PIPEPROC_BUILD/lib (both set by make test). Under ASan (a build in
# build/asan) the sanitizer runtime is preloaded into node, which is not
# built with it; leak reports are off there (node itself keeps memory
# until exit).

cd "$(dirname "$0")/.." || exit 1
build=${PIPEPROC_BUILD:-$PWD/build}
export PIPEPROC_NODEJS_ADDON="${PIPEPROC_NODEJS_ADDON:-$build/nodejs/pipeproc.node}"
export PIPEPROC_NODE="${PIPEPROC_NODE:-$build/bin/pipeproc-node}"
export PIPEPROC_WORKER="${PIPEPROC_WORKER:-$build/bin/pipeproc-worker}"
export PIPEPROC_PLUGINS="${PIPEPROC_PLUGINS:-$build/plugins}"
export LD_LIBRARY_PATH="$build/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

if ! command -v node >/dev/null 2>&1; then
	echo "1..0 # SKIP node is not installed"
	exit 0
fi
if [ ! -f "$PIPEPROC_NODEJS_ADDON" ]; then
	echo "1..1"
	echo "not ok 1 - the addon exists: $PIPEPROC_NODEJS_ADDON"
	exit 1
fi
if nm -D "$PIPEPROC_NODEJS_ADDON" 2>/dev/null | grep -q __asan_init; then
	asan=$(${CC:-cc} -print-file-name=libasan.so)
	ubsan=$(${CC:-cc} -print-file-name=libubsan.so)
	export LD_PRELOAD="$asan $ubsan"
	export ASAN_OPTIONS="detect_leaks=0:${ASAN_OPTIONS:-}"
fi
# Each suite spawns its own node in its own temporary directory.
export TMPDIR="${TMPDIR:-/tmp}"
# Only the suites (*.test.js), not their helper module.
exec node --test --test-reporter=tap --test-concurrency=2 \
	bindings/nodejs/test/*.test.js
