"use strict";
// A worker killed with SIGKILL in the middle of a claim that a JS
// processor is handling (through the exec plugin): the claim is given
// back, handled again by the restarted worker, and every output is
// committed exactly once, in order.
const test = require("node:test");
const { before, after } = require("node:test");
const assert = require("node:assert");
const fs = require("fs");
const path = require("path");
const { spawn, stop, waitFor, tmpdir } = require("./helper");

let client;
let dir;
before(async () => {
	client = await spawn({ workers: 1 });
	dir = tmpdir();
});
after(async () => {
	await stop(client);
	fs.rmSync(dir, { recursive: true, force: true });
});

const bodies = (logs) => logs.map((l) => l.body);

// The worker serving our node: its command line names our socket.
function workerPids() {
	const sock = path.join(client.dir, "sock");
	const pids = [];
	for (const pid of fs.readdirSync("/proc")) {
		if (!/^\d+$/.test(pid)) {
			continue;
		}
		let cmd = "";
		try {
			cmd = fs.readFileSync("/proc/" + pid + "/cmdline", "utf8");
		} catch (e) {
			continue;
		}
		if (cmd.includes("pipeproc-worker") && cmd.includes(sock) && cmd.includes("--slot")) {
			pids.push(Number(pid));
		}
	}
	return pids;
}

test("kill -9 of the worker in the middle of a JS claim: every output exactly once", async () => {
	const marker = path.join(dir, "stalled");
	const file = path.join(dir, "stall.js");
	// Log 5 stalls the first time (the test kills the worker then); the
	// claim is given back and handled again by the restarted worker.
	fs.writeFileSync(file, "const fs = require('fs');\n" +
		"module.exports = async function (log) {\n" +
		"  if (log.body.n === 5 && !fs.existsSync(" + JSON.stringify(marker) + ")) {\n" +
		"    fs.writeFileSync(" + JSON.stringify(marker) + ", String(process.pid));\n" +
		"    await new Promise(() => {});\n" +
		"  }\n" +
		"  return { n: log.body.n };\n" +
		"};\n");
	await client.systemProc({ name: "crashy", from: "kin", to: "kout", processor: file,
		count: 3, reclaimTimeout: 60000 });
	await client.commit(Array.from({ length: 12 }, (_, i) => ({ topic: "kin", body: { n: i } })));
	await waitFor("the stalled claim", () => fs.existsSync(marker), 20000);
	const before = workerPids();
	assert.strictEqual(before.length, 1, "one worker: " + before);
	process.kill(before[0], "SIGKILL");
	await waitFor("a new worker", () => {
		const now = workerPids();
		return now.length === 1 && now[0] !== before[0];
	}, 20000);
	await client.waitForProcs("crashy", { timeout: 30000 });
	const out = bodies(await client.range("kout")).map((b) => b.n);
	assert.deepStrictEqual(out, Array.from({ length: 12 }, (_, i) => i),
		"each output once, in order");
	const p = await client.inspectProc("crashy");
	assert.ok(p.reclaims === 0 && p.status === "active");
});
