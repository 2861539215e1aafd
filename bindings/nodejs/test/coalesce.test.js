"use strict";
// The one-log commits of a tick go to the addon together (lib/coalesce.js,
// src/commit_many.c): each must still behave as its own call: its own id,
// call order kept with array commits, failing alone, and nothing that was
// acknowledged lost when the node is killed with SIGKILL mid-way.
const test = require("node:test");
const { after } = require("node:test");
const assert = require("node:assert");
const fs = require("fs");
const path = require("path");
const { PipeProc, spawn, stop, rejects } = require("./helper");

const clients = [];
after(async () => {
	for (const c of clients) {
		await stop(c).catch(() => {});
	}
});

async function fresh() {
	const c = await spawn();
	clients.push(c);
	return c;
}

const seq = (id) => Number(id.split("-")[1]);

test("single and array commits of one tick keep call order per topic", async () => {
	const c = await fresh();
	const a = c.commit({ topic: "o", body: { n: 0 } });
	const b = c.commit([{ topic: "o", body: { n: 1 } }, { topic: "o", body: { n: 2 } }]);
	const d = c.commit({ topic: "o", body: { n: 3 } });
	const e = c.commit({ topic: "o", body: { n: 4 } });
	const ids = [await a, ...await b, await d, await e];
	assert.deepStrictEqual(ids.map(seq), [0, 1, 2, 3, 4]);
	assert.deepStrictEqual((await c.range("o")).map((l) => l.body.n), [0, 1, 2, 3, 4]);
});

test("a log the library refuses (too big) fails alone among coalesced commits", async () => {
	const c = await fresh();
	const huge = { s: "h".repeat(17 << 20) }; // past the 16 MiB default
	const results = await Promise.allSettled([
		c.commit({ topic: "big", body: { a: 1 } }),
		c.commit({ topic: "big", body: huge }),
		c.commit({ topic: "big", body: { a: 2 } }),
	]);
	assert.deepStrictEqual(results.map((r) => r.status), ["fulfilled", "rejected", "fulfilled"]);
	assert.strictEqual(results[1].reason.code, "PP_ETOOBIG");
	assert.ok(results[1].reason instanceof Error);
	assert.deepStrictEqual((await c.range("big")).map((l) => l.body), [{ a: 1 }, { a: 2 }]);
	assert.deepStrictEqual([seq(results[0].value), seq(results[2].value)], [0, 1]);
});

test("a refused log among 5,000 coalesced commits fails alone; the others keep their ids in call order", async () => {
	const c = await fresh();
	const huge = { s: "h".repeat(17 << 20) }; // past the 16 MiB default
	const ps = [];
	for (let i = 0; i < 5000; i++) {
		ps.push(c.commit({ topic: "iso", body: i === 2500 ? huge : { i } }));
	}
	const results = await Promise.allSettled(ps);
	let want = 0;
	results.forEach((r, i) => {
		if (i === 2500) {
			assert.strictEqual(r.status, "rejected");
			assert.strictEqual(r.reason.code, "PP_ETOOBIG");
			return;
		}
		assert.strictEqual(r.status, "fulfilled", "commit " + i);
		assert.strictEqual(seq(r.value), want++, "commit " + i);
	});
	const stored = await c.range("iso");
	assert.strictEqual(stored.length, 4999);
	assert.deepStrictEqual(stored.map((l) => l.body.i), results.flatMap((r, i) => (i === 2500 ? [] : [i])));
	assert.deepStrictEqual(stored.map((l) => l.id), results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : [])));
});

test("a coalesced batch refused as a whole rejects every commit with an Error of its own", async () => {
	const c = await fresh();
	const native = require("../lib/native");
	// A handle the addon already closed: the lone commit and the batch
	// of the rest are both refused (no_active_node).
	const h = c._handle;
	await native.shutdown(h, false);
	const ps = [];
	for (let i = 0; i < 100; i++) {
		ps.push(c.commit({ topic: "gone", body: { i } }));
	}
	const results = await Promise.allSettled(ps);
	const reasons = results.map((r) => r.reason);
	assert.ok(results.every((r) => r.status === "rejected"));
	assert.ok(reasons.every((e) => e instanceof Error && e.code === "PP_ENOTCONN"), String(reasons[1]));
	assert.strictEqual(new Set(reasons).size, 100, "one Error per commit");
	c._handle = null;
	clients.splice(clients.indexOf(c), 1);
	fs.rmSync(c.dir, { recursive: true, force: true });
});

test("commits queued in the tick of a shutdown go first; after it they are no_active_node", async () => {
	const c = await spawn();
	const p = c.commit({ topic: "s", body: { a: 1 } });
	const closing = c.shutdown();
	await rejects(assert, c.commit({ topic: "s", body: {} }), "PP_ENOTCONN", "no_active_node");
	assert.ok(/^[0-9]+-0$/.test(await p));
	await closing;
	fs.rmSync(c.dir, { recursive: true, force: true });
});

test("commitMany refuses texts that do not hold count lines", async () => {
	const c = await fresh();
	const native = require("../lib/native");
	for (const [t, b, n] of [["t\nt", "{}", 2], ["t", "{}\n{}", 1], ["t", "{}", 0], [null, "{}", 1], ["t", "{}", 2]]) {
		await rejects(assert, native.commitMany(c._handle, t, b, n), "PP_EINVAL");
	}
	const ids = (await native.commitMany(c._handle, "t\nu", "{\"a\":1}\n[]", 2)).split(",");
	assert.deepStrictEqual(ids.map(seq), [0, 0]);
});

// The node serving dir: its command line names the data directory.
function nodePid(dir) {
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
		if (cmd.includes("pipeproc-node") && cmd.includes(path.join(dir, "data"))) {
			return Number(pid);
		}
	}
	return 0;
}

test("kill -9 of the node with coalesced commits in flight: all settle, none acknowledged is lost", async () => {
	// requestTimeout bounds how long the calls the dead node never answers
	// wait (the library's default is much longer).
	const c = await spawn({ requestTimeout: 3000 });
	const pid = nodePid(c.dir);
	assert.ok(pid > 0, "the node's pid");
	const ps = [];
	let killed = false;
	for (let round = 0; round < 40; round++) {
		for (let i = 0; i < 2000; i++) {
			ps.push(c.commit({ topic: "k", body: { round, i } }));
		}
		if (round === 5) {
			await ps[ps.length - 1]; // some are acknowledged before the kill
			process.kill(pid, "SIGKILL");
			killed = true;
		}
		await null;
	}
	assert.ok(killed);
	const results = await Promise.allSettled(ps);
	const ok = results.filter((r) => r.status === "fulfilled").map((r) => r.value);
	assert.ok(ok.length >= 12000, "acknowledged before the kill: " + ok.length);
	for (const r of results) {
		if (r.status === "rejected") {
			assert.ok(r.reason instanceof Error && /^PP_E/.test(r.reason.code), String(r.reason));
		}
	}
	// A new node on the same data: every acknowledged id is there.
	const again = PipeProc();
	await again.spawn({ socket: "ipc://" + path.join(c.dir, "sock2"), location: path.join(c.dir, "data"), workers: 0 });
	const stored = new Set((await again.range("k")).map((l) => l.id));
	await again.shutdown();
	fs.rmSync(c.dir, { recursive: true, force: true });
	assert.deepStrictEqual(ok.filter((id) => !stored.has(id)), [], "acknowledged ids lost");
});
