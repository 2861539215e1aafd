"use strict";
// A PipeProc program runs unchanged (issue 11 item 6): examples/
// peer_example.js, started as its own process with `require("pipeproc")`
// resolving to this package, in a fresh directory with its own TMPDIR.
const test = require("node:test");
const assert = require("node:assert");
const { execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");
const { tmpdir } = require("./helper");

test("PEER's example program runs unchanged and prints what PipeProc prints", () => {
	const dir = tmpdir();
	const modules = path.join(dir, "node_modules");
	fs.mkdirSync(modules);
	fs.symlinkSync(path.join(__dirname, ".."), path.join(modules, "pipeproc"));
	const script = path.join(dir, "app.js");
	fs.copyFileSync(path.join(__dirname, "..", "examples", "peer_example.js"), script);
	const out = execFileSync(process.execPath, [script], {
		cwd: dir,
		env: Object.assign({}, process.env, { TMPDIR: dir }),
		timeout: 30000,
	}).toString();
	assert.strictEqual(out, [
		"spawn: spawned_and_connected",
		"committed one: true",
		"committed many: 2",
		"range: hello,hi",
		"newest: hey",
		"proc got: hello",
		"acked: true",
		"status: active reclaims: 0",
		"liveProc saw: hello,hi,hey",
		"wait: still PP_ETIMEDOUT",
		"shutdown: closed",
		"",
	].join("\n"));
	fs.rmSync(dir, { recursive: true, force: true });
});
