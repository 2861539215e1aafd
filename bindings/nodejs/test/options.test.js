"use strict";
// spawn's node options as PipeProc names them (PEER §12.3, §15, §17.1):
// gc, workers 0, workerConcurrency, workerRestartAfter.
const test = require("node:test");
const assert = require("node:assert");
const { spawn, stop, waitFor } = require("./helper");

test("gc {minPruneTime, interval}: a topic nobody reads is collected by age", async () => {
	const client = await spawn({ gc: { minPruneTime: 200, interval: 100 } });
	try {
		await client.commit([{ topic: "old", body: { a: 1 } }, { topic: "old", body: { a: 2 } }]);
		assert.strictEqual(await client.length("old"), 2);
		await waitFor("collection", async () => (await client.length("old")) === 0, 15000);
		assert.ok((await client.stats()).gc_collected >= 2);
	} finally {
		await stop(client);
	}
});

test("gc off (the default): logs stay", async () => {
	const client = await spawn();
	try {
		await client.commit({ topic: "keep", body: {} });
		const s = await client.stats();
		assert.strictEqual(s.gc_runs, 0);
		assert.strictEqual(await client.length("keep"), 1);
	} finally {
		await stop(client);
	}
});

test("workers 0: a systemProc is kept but not run", async () => {
	const client = await spawn({ workers: 0 });
	try {
		await client.systemProc({ name: "idle", from: "win", to: "wout",
			processor: (log, done) => done(null, log.body) });
		await client.commit({ topic: "win", body: { a: 1 } });
		await assert.rejects(client.waitForProcs("idle", { timeout: 300 }), { code: "PP_ETIMEDOUT" });
		assert.strictEqual((await client.inspectProc("idle")).lastClaimedAt, 0);
	} finally {
		await stop(client);
	}
});

test("workerConcurrency 2: two claims at a time, every log once", async () => {
	const client = await spawn({ workers: 1, workerConcurrency: 2 });
	try {
		await client.systemProc({ name: "r1", from: ["ra", "rb"], to: "rout",
			processor: (log, done) => done(null, { n: log.body.n }) });
		const logs = [];
		for (let n = 0; n < 10; n++) {
			logs.push({ topic: n % 2 ? "rb" : "ra", body: { n } });
		}
		await client.commit(logs);
		await client.waitForProcs(["r1__ra", "r1__rb"], { timeout: 30000 });
		const out = (await client.range("rout")).map((l) => l.body.n).sort((a, b) => a - b);
		assert.deepStrictEqual(out, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
	} finally {
		await stop(client);
	}
});

// Node.js's own stdio is close-on-exec: this caught a node that opened its
// store files at descriptors 1 and 2 (lib/stdio_guard.c), so that a
// worker's stderr line at its restart went into data.mdb.
test("workerRestartAfter 3: workers replaced, every log once", async () => {
	const client = await spawn({ workers: 1, workerRestartAfter: 3 });
	try {
		await client.systemProc({ name: "r2", from: ["sa", "sb"], to: "sout",
			processor: (log, done) => done(null, { n: log.body.n }) });
		const logs = [];
		for (let n = 0; n < 10; n++) {
			logs.push({ topic: n % 2 ? "sb" : "sa", body: { n } });
		}
		await client.commit(logs);
		await client.waitForProcs(["r2__sa", "r2__sb"], { timeout: 30000 });
		const out = (await client.range("sout")).map((l) => l.body.n).sort((a, b) => a - b);
		assert.deepStrictEqual(out, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
		assert.ok((await client.stats()).worker_restarts >= 1, "a worker was replaced");
	} finally {
		await stop(client);
	}
});
