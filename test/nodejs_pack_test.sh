#!/bin/sh
#
# nodejs_pack_test.sh - `npm pack` of bindings/nodejs gives a package that
# installs and works where libpipeproc is installed (issue 11 item 1).
#
# `make install DESTDIR=<stage>` installs the library, the programs and the
# exec plugin under a temporary stage; `make nodejs-pack` packs the
# binding; npm installs the tarball (offline: it has no dependencies) into
# a fresh application directory. The application then runs with the
# library found in the stage (LD_LIBRARY_PATH) and the staged node,
# worker and exec plugin, and nothing of the repository: it commits,
# reads, and runs an inline JS processor through a systemProc.
#
# Skipped without npm, and in sanitizer builds (the package is the normal
# build's; the binding's suites run under ASan in nodejs_test.sh).

# shellcheck source=test/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.." || exit 1

build=${PIPEPROC_BUILD:-$PWD/build}
case $build in
*/asan | */asan/)
	echo "1..0 # SKIP the package is built from the normal build"
	exit 0
	;;
esac
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
	echo "1..0 # SKIP npm or node is not installed"
	exit 0
fi

make_tmp
stage=$tmp/stage
prefix=/usr/local

if make --no-print-directory -s install DESTDIR="$stage" >"$tmp/install.log" 2>&1; then
	pass "make install DESTDIR=stage"
else
	fail "make install DESTDIR=stage" "$(tail -5 "$tmp/install.log")"
fi
if [ -x "$stage$prefix/lib/pipeproc/plugins/exec.so" ]; then
	pass "the exec plugin is installed in LIBDIR/pipeproc/plugins"
else
	fail "the exec plugin is installed in LIBDIR/pipeproc/plugins"
fi

tgz=$(make --no-print-directory -s nodejs-pack 2>"$tmp/pack.log" | tail -n 1)
if [ -f "$tgz" ] && tar tzf "$tgz" | grep -q 'package/build/pipeproc.node' &&
	tar tzf "$tgz" | grep -q 'package/index.d.ts'; then
	pass "npm pack gives $tgz with the addon and the typings"
else
	fail "npm pack gives a tarball with the addon" "$(cat "$tmp/pack.log")"
fi

mkdir -p "$tmp/app"
case $tgz in
/*) ;;
*) tgz=$PWD/$tgz ;;
esac
if (cd "$tmp/app" && npm install --offline --no-audit --no-fund --silent \
	"$tgz" >"$tmp/npm.log" 2>&1); then
	pass "npm install of the tarball"
else
	fail "npm install of the tarball" "$(cat "$tmp/npm.log")"
fi

cat >"$tmp/app/app.js" <<'JS'
const PipeProc = require("pipeproc");
(async () => {
	const c = PipeProc();
	await c.spawn({ socket: "ipc://" + process.env.APP_DIR + "/sock",
		location: process.env.APP_DIR + "/data", workers: 1 });
	const id = await c.commit({ topic: "in", body: { n: 20 } });
	const logs = await c.range("in");
	await c.systemProc({ name: "half", from: "in", to: "out",
		processor: (log, done) => done(null, { half: log.body.n / 2 }) });
	await c.waitForProcs("half", { timeout: 20000 });
	const out = await c.range("out");
	console.log(require.resolve("pipeproc").includes("node_modules") ? "installed" : "not installed",
		logs[0].id === id, JSON.stringify(out.map((l) => l.body)));
	await c.shutdown();
})().catch((e) => { console.error(e); process.exit(1); });
JS
got=$(cd "$tmp/app" && env -u PIPEPROC_NODEJS_ADDON -u PIPEPROC_PLUGINS \
	APP_DIR="$tmp/app" \
	LD_LIBRARY_PATH="$stage$prefix/lib" \
	PIPEPROC_NODE="$stage$prefix/bin/pipeproc-node" \
	PIPEPROC_WORKER="$stage$prefix/bin/pipeproc-worker" \
	PIPEPROC_EXEC_PLUGIN="$stage$prefix/lib/pipeproc/plugins/exec.so" \
	timeout 60 node app.js 2>"$tmp/app.err")
is "the installed package commits, reads and runs a JS systemProc" \
	"$got" 'installed true [{"half":10}]'
if [ -s "$tmp/app.err" ]; then
	diag "$(cat "$tmp/app.err")"
fi

done_testing
