"use strict";
// Issue 11 item 3: waiting calls run on the addon's threads, never on
// libuv's pool, and many promises in flight coalesce into few requests.
const test = require("node:test");
const { before, after } = require("node:test");
const assert = require("node:assert");
const { spawn, stop, waitFor } = require("./helper");

let client;
before(async () => {
	client = await spawn();
});
after(() => stop(client));

test("100,000 commits in flight resolve in order with distinct ids, in few requests", async () => {
	const before = (await client.stats()).write_requests;
	const promises = [];
	for (let i = 0; i < 100000; i++) {
		promises.push(client.commit({ topic: "many", body: { i } }));
	}
	const ids = await Promise.all(promises);
	const after = (await client.stats()).write_requests;
	assert.strictEqual(new Set(ids).size, 100000);
	assert.deepStrictEqual(ids.map((id) => Number(id.split("-")[1])).slice(0, 5), [0, 1, 2, 3, 4]);
	assert.strictEqual(Number(ids[99999].split("-")[1]), 99999, "sequences follow call order");
	// The library coalesces queued commits into requests of up to 4 MiB.
	assert.ok(after - before < 2000, "requests: " + (after - before));
	assert.strictEqual(await client.length("many"), 100000);
});

test("a failing commit among many fails alone; the others succeed", async () => {
	const results = await Promise.allSettled([
		client.commit({ topic: "mix", body: { a: 1 } }),
		client.commit({ topic: "bad topic", body: {} }),
		client.commit({ topic: "mix", body: { a: 2 } }),
	]);
	assert.deepStrictEqual(results.map((r) => r.status), ["fulfilled", "rejected", "fulfilled"]);
	assert.strictEqual(results[1].reason.code, "PP_EINVALID_TOPIC");
});

test("16 parked claims (more than libuv's 4 threads) block no other call", async () => {
	const parked = [];
	for (let i = 0; i < 16; i++) {
		parked.push(client.proc("park" + i, { name: "park" + i, offset: "$>" }, 20000));
	}
	// Give the claims time to reach the node and park there.
	await waitFor("16 parked claims", async () =>
		(await client.stats()).waiting_requests >= 16);
	const t0 = Date.now();
	const id = await client.commit({ topic: "other", body: { x: 1 } });
	await client.range("other");
	await client.length("other");
	assert.ok(Date.now() - t0 < 5000, "other calls went through while 16 claims wait");
	// A commit wakes its parked claim.
	const ids = await client.commit(Array.from({ length: 16 }, (_, i) => ({ topic: "park" + i, body: { i } })));
	const got = await Promise.all(parked);
	assert.deepStrictEqual(got.map((l) => l.id), ids);
	assert.ok(id);
});

test("liveProc: delivers each commit, waits for this.ack() (no automatic ack), cancel destroys", async () => {
	const live = client.liveProc({ topic: "live1", mode: "live" });
	const seen = [];
	live.changes(async function (err, result) {
		assert.ifError(err);
		seen.push(result.body.n);
		if (result.body.n !== 2 || seen.filter((n) => n === 2).length > 1) {
			await this.ack();
		}
	});
	await waitFor("the liveProc's proc", () => client.inspectProc(live.name).then(() => true, () => false));
	await client.commit({ topic: "live1", body: { n: 1 } });
	await waitFor("log 1", () => seen.includes(1));
	const p = await live.inspect();
	assert.strictEqual(p.onMaxReclaimsReached, "continue");
	assert.strictEqual(p.offset, "$>");
	assert.match(live.name, /^liveproc-[0-9a-f]{32}$/);
	await client.commit({ topic: "live1", body: { n: 2 } });
	// Not acked the first time: comes back after the reclaim timeout (or a
	// reclaim) and is acked then.
	await waitFor("log 2 once", () => seen.includes(2));
	await client.reclaimProc(live.name);
	await waitFor("log 2 again", () => seen.filter((n) => n === 2).length === 2);
	await client.commit({ topic: "live1", body: { n: 3 } });
	await waitFor("log 3", () => seen.includes(3));
	assert.deepStrictEqual(seen, [1, 2, 2, 3]);
	await live.cancel();
	await live.cancel(); // idempotent (PEER §23.22)
	await assert.rejects(client.inspectProc(live.name), { code: "PP_ENOPROC" });
});

test("liveProc: next() style, mode all, ackCommit from the callback", async () => {
	await client.commit([{ topic: "live2", body: { n: 1 } }, { topic: "live2", body: { n: 2 } }]);
	const live = client.liveProc({ topic: "live2", mode: "all", count: 2 });
	let got = null;
	live.changes(function (err, result, next) {
		this.ackCommit({ topic: "live2out", body: { total: result.length } }).then(() => {
			got = result.map((l) => l.body.n);
			next();
		}, next);
	});
	await waitFor("the claim", () => got !== null);
	assert.deepStrictEqual(got, [1, 2]);
	assert.deepStrictEqual((await client.range("live2out")).map((l) => l.body), [{ total: 2 }]);
	await live.cancel();
});

test("many liveProcs parked at once, then all woken by one commit each", async () => {
	const lives = [];
	const counts = new Array(12).fill(0);
	for (let i = 0; i < 12; i++) {
		const live = client.liveProc({ topic: "fan", mode: "live" });
		live.changes(async function () {
			counts[i]++;
			await this.ack();
		});
		lives.push(live);
	}
	await waitFor("12 procs", async () => (await Promise.all(lives.map((l) =>
		l.inspect().then(() => 1, () => 0)))).every((x) => x === 1));
	await client.commit({ topic: "fan", body: {} });
	await waitFor("every liveProc got the log", () => counts.every((c) => c === 1));
	const t0 = Date.now();
	await client.commit({ topic: "fan-other", body: {} });
	assert.ok(Date.now() - t0 < 2000);
	await Promise.all(lives.map((l) => l.cancel()));
});

test("liveProc: cancel right after changes() (its first claim still on the way) ends promptly", async () => {
	for (let i = 0; i < 5; i++) {
		const live = client.liveProc({ topic: "quick" + i, mode: "live" });
		live.changes(() => {});
		const t0 = Date.now();
		await live.cancel();
		assert.ok(Date.now() - t0 < 5000, "cancel took " + (Date.now() - t0) + " ms");
		await assert.rejects(client.inspectProc(live.name), { code: "PP_ENOPROC" });
	}
});
