"use strict";
// commit, range, revrange and length (PEER §4-§7 with §23.3, §23.9):
// result shapes, options, paging and every error.
const test = require("node:test");
const { before, after } = require("node:test");
const assert = require("node:assert");
const { PipeProc, spawn, stop, rejects } = require("./helper");

let client;
before(async () => {
	client = await spawn();
});
after(() => stop(client));

const ID = /^[0-9]{13}-[0-9]+$/;

test("commit: one log gives an id string, an array gives an array (one element too)", async () => {
	const id = await client.commit({ topic: "c1", body: { a: 1 } });
	assert.match(id, ID);
	assert.ok(id.endsWith("-0"));
	const ids = await client.commit([{ topic: "c1", body: { a: 2 } }, { topic: "c2", body: [1, 2] }]);
	assert.strictEqual(ids.length, 2);
	assert.ok(ids[0].endsWith("-1") && ids[1].endsWith("-0"));
	assert.strictEqual(ids[0].split("-")[0], ids[1].split("-")[0], "one T per call");
	const one = await client.commit([{ topic: "c1", body: { a: 3 } }]);
	assert.ok(Array.isArray(one) && one.length === 1 && one[0].endsWith("-2"));
});

test("commit: sequences per topic follow array order (PEER §2.1)", async () => {
	const ids = await client.commit(["s0", "s1", "s0", "s1", "s1", "s0"].map(
		(topic, i) => ({ topic, body: { i } })));
	assert.deepStrictEqual(ids.map((id) => id.split("-")[1]), ["0", "0", "1", "1", "2", "2"]);
});

test("commit: a bad topic is invalid_topic_format, checked before bodies", async () => {
	await rejects(assert, client.commit({ topic: "bad topic#x", body: { a: 1 } }),
		"PP_EINVALID_TOPIC", "invalid_topic_format");
	await rejects(assert, client.commit([{ topic: "ok", body: 5 }, { topic: "", body: {} }]),
		"PP_EINVALID_TOPIC", "invalid_topic_format");
	await rejects(assert, client.commit({ body: {} }), "PP_EINVALID_TOPIC");
	assert.strictEqual(await client.length("ok").catch((e) => e.code), "PP_ENOTOPIC",
		"nothing was committed");
});

test("commit: a body that is not an object is invalid_log_format", async () => {
	for (const body of [5, "s", true, null, undefined]) {
		await rejects(assert, client.commit({ topic: "b", body }), "PP_EINVALID_BODY",
			"invalid_log_format");
	}
	await rejects(assert, client.commit([]), "PP_EEMPTY", "uncommited");
});

test("range: bodies round-trip as JSON values, in id order", async () => {
	const bodies = [{ s: "x\u00e9\n%EOM%" }, [1, { n: null }], { d: new Date(0) }];
	await client.commit(bodies.map((body) => ({ topic: "r1", body })));
	const logs = await client.range("r1");
	assert.deepStrictEqual(logs.map((l) => l.body), JSON.parse(JSON.stringify(bodies)));
	assert.ok(logs.every((l) => ID.test(l.id)));
	const rev = await client.revrange("r1");
	assert.deepStrictEqual(rev.map((l) => l.id), logs.map((l) => l.id).reverse());
});

test("range/revrange: start, end, limit (0 and -1 mean all) and exclusive (PEER §6.3)", async () => {
	await client.commit([0, 1, 2].map((i) => ({ topic: "r2", body: { i } })));
	const all = await client.range("r2");
	const [i0, i1, i2] = all.map((l) => l.id);
	const ids = (logs) => logs.map((l) => l.id);
	assert.deepStrictEqual(ids(await client.range("r2", { limit: 1 })), [i0]);
	assert.deepStrictEqual(ids(await client.range("r2", { limit: 0 })), [i0, i1, i2]);
	assert.deepStrictEqual(ids(await client.range("r2", { limit: -1 })), [i0, i1, i2]);
	assert.deepStrictEqual(ids(await client.range("r2", { start: i1 })), [i1, i2]);
	assert.deepStrictEqual(ids(await client.range("r2", { end: i1 })), [i0, i1]);
	assert.deepStrictEqual(ids(await client.range("r2", { start: i0, end: i2, exclusive: true })), [i1]);
	assert.deepStrictEqual(ids(await client.range("r2", { start: ":2" })), [i2]);
	assert.deepStrictEqual(ids(await client.revrange("r2", { start: i2 })), [i2, i1, i0]);
	assert.deepStrictEqual(ids(await client.revrange("r2", { start: i0, end: i1 })), []);
	assert.deepStrictEqual(ids(await client.revrange("r2", { limit: 1 })), [i2]);
	assert.deepStrictEqual(ids(await client.range("r2", { start: i2, end: i0 })), []);
});

test("range: pages through the node's bounded pages (limit 0 = all)", async () => {
	const big = "y".repeat(20000);
	const logs = [];
	for (let i = 0; i < 300; i++) {
		logs.push({ topic: "pages", body: { i, big } });
	}
	await client.commit(logs.slice(0, 150));
	await client.commit(logs.slice(150));
	const got = await client.range("pages");
	assert.strictEqual(got.length, 300, "6 MB of bodies, more than two pages");
	assert.deepStrictEqual(got.map((l) => l.body.i), logs.map((l) => l.body.i));
	const rev = await client.revrange("pages", { limit: 250 });
	assert.strictEqual(rev.length, 250);
	assert.strictEqual(rev[0].body.i, 299);
	assert.strictEqual(rev[249].body.i, 50);
	const ex = await client.range("pages", { start: got[10].id, end: got[290].id, exclusive: true });
	assert.strictEqual(ex.length, 279);
	assert.strictEqual(ex[0].body.i, 11);
	const rex = await client.revrange("pages", { start: got[290].id, end: got[10].id, exclusive: true });
	assert.strictEqual(rex.length, 279);
	assert.strictEqual(rex[278].body.i, 11);
});

test("range: more logs than one addon chunk (lib/range.js) come whole and exact, with every option", async () => {
	const { CHUNK } = require("../lib/range");
	const N = 2 * CHUNK + 100;
	const ids = [];
	for (let k = 0; k < N; k += 5000) {
		const n = Math.min(5000, N - k);
		ids.push(...await client.commit(Array.from({ length: n }, (_, j) => ({ topic: "chunks", body: { i: k + j } }))));
	}
	const is = (logs) => logs.map((l) => l.body.i);
	const upto = (a, b) => Array.from({ length: Math.max(0, b - a) }, (_, j) => a + j);
	const down = (a, b) => upto(b, a + 1).reverse(); // a, a-1, ..., b
	const all = await client.range("chunks");
	assert.deepStrictEqual(all.map((l) => l.id), ids);
	assert.deepStrictEqual(is(all), upto(0, N));
	assert.deepStrictEqual(is(await client.revrange("chunks")), down(N - 1, 0));
	for (const limit of [CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK]) {
		assert.deepStrictEqual(is(await client.range("chunks", { limit })), upto(0, limit), "limit " + limit);
	}
	assert.deepStrictEqual(is(await client.revrange("chunks", { limit: CHUNK + 1 })), down(N - 1, N - 1 - CHUNK));
	const [a, b] = [10, 2 * CHUNK + 50];
	assert.deepStrictEqual(is(await client.range("chunks", { start: ids[a], end: ids[b] })), upto(a, b + 1));
	assert.deepStrictEqual(is(await client.range("chunks", { start: ids[a], end: ids[b], exclusive: true })), upto(a + 1, b));
	assert.deepStrictEqual(is(await client.revrange("chunks", { start: ids[b], end: ids[a] })), down(b, a));
	assert.deepStrictEqual(is(await client.revrange("chunks", { start: ids[b], end: ids[a], exclusive: true })), down(b - 1, a + 1));
	assert.deepStrictEqual(is(await client.revrange("chunks", { start: ids[CHUNK - 1] })), down(CHUNK - 1, 0),
		"a reverse range whose chunk ends at sequence 0");
	assert.deepStrictEqual(is(await client.range("chunks", { start: ids[N - CHUNK] })), upto(N - CHUNK, N),
		"exactly one full chunk, then an empty one");
});

test("range: plain {id, body} objects, exact ids, non-ASCII after ASCII pages, empty", async () => {
	const big = "z".repeat(20000);
	const logs = [];
	for (let i = 0; i < 160; i++) {
		logs.push({ topic: "shape", body: { i, big } });
	}
	logs.push({ topic: "shape", body: { s: "\u00e9\u4e2d\ud83d\ude00,\"]" } });
	const ids = await client.commit(logs);
	const got = await client.range("shape");
	assert.deepStrictEqual(got.map((l) => l.id), ids, "ids as the commit gave them");
	assert.deepStrictEqual(Object.keys(got[0]), ["id", "body"]);
	assert.deepStrictEqual(JSON.parse(JSON.stringify(got[160])), { id: ids[160], body: logs[160].body });
	assert.deepStrictEqual(got[160].body, logs[160].body, "UTF-8 in the last page");
	assert.deepStrictEqual(await client.range("shape", { start: ids[160], exclusive: true }), []);
});

test("array commit: bodies with commas, brackets, quotes and escapes split exactly", async () => {
	const bodies = [
		{ s: "a,b],[c}{\"d\\\"" }, [[], {}, [1, [2, { x: ",]" }]]], { "k,]": "\\" },
		{ u: "\u00e9\n\u2028\ud83d\ude00" }, [], {}, { n: [null, true, -1.5e-7] },
	];
	const ids = await client.commit(bodies.map((body, i) => ({ topic: i % 2 ? "sp1" : "sp2", body })));
	assert.strictEqual(ids.length, bodies.length);
	assert.ok(ids.every((id) => ID.test(id)));
	const got = [...await client.range("sp2"), ...await client.range("sp1")];
	const want = [...bodies.filter((b, i) => i % 2 === 0), ...bodies.filter((b, i) => i % 2 === 1)];
	assert.deepStrictEqual(got.map((l) => l.body), want);
});

test("commitText (the addon's array commit) refuses texts that do not match the count", async () => {
	const native = require("../lib/native");
	const h = client._handle;
	const bad = [
		["t", "[{}]", 2], ["t\nt", "[{}]", 2], ["t\nt", "[{},{}]", 1], ["t", "[{}", 1],
		["t", "{}", 1], ["t", "", 1], ["t", "[]", 1], ["t", "[{},]", 1], ["t", "[{}]x", 1],
		["t", "[{}]", 0], ["t", "[{}]", -1], [null, "[{}]", 1], ["t", null, 1], ["t", "[\"]", 1],
	];
	for (const [topics, bodies, count] of bad) {
		await rejects(assert, native.commitText(h, topics, bodies, count), "PP_EINVAL");
	}
	assert.strictEqual(await client.length("t").catch(() => 0), 0, "nothing was committed");
	const ids = (await native.commitText(h, "t\nt", "[{\"a\":1},[2]]", 2)).split(",");
	assert.strictEqual(ids.length, 2);
	assert.deepStrictEqual((await client.range("t")).map((l) => l.body), [{ a: 1 }, [2]]);
});

test("range errors: invalid_topic_format, invalid_topic, invalid_range_offset", async () => {
	await rejects(assert, client.range("bad topic"), "PP_EINVALID_TOPIC", "invalid_topic_format");
	await rejects(assert, client.revrange("never"), "PP_ENOTOPIC", "invalid_topic");
	for (const start of ["abc", " ", "1.5", ":abc", "1-"]) {
		await rejects(assert, client.range("r2", { start }), "PP_EINVALID_ID", "invalid_range_offset");
	}
});

test("length: the logs stored now (PEER §23.3); errors as range", async () => {
	await client.commit([{ topic: "len", body: {} }, { topic: "len", body: {} }]);
	assert.strictEqual(await client.length("len"), 2);
	await rejects(assert, client.length("nope"), "PP_ENOTOPIC", "invalid_topic");
	await rejects(assert, client.length("no pe"), "PP_EINVALID_TOPIC", "invalid_topic_format");
});

test("a client that never spawned or connected: no_active_node", async () => {
	const c = PipeProc();
	await rejects(assert, c.commit({ topic: "t", body: {} }), "PP_ENOTCONN", "no_active_node");
	await rejects(assert, c.range("t"), "PP_ENOTCONN", "no_active_node");
	await rejects(assert, c.length("t"), "PP_ENOTCONN", "no_active_node");
	await rejects(assert, c.proc("t", { name: "p", offset: ">" }), "PP_ENOTCONN");
	await rejects(assert, c.ack("p"), "PP_ENOTCONN");
	await rejects(assert, c.inspectProc("p"), "PP_ENOTCONN");
	await rejects(assert, c.waitForProcs(), "PP_ENOTCONN");
	await rejects(assert, c.systemProc({ name: "s", from: "t", processor: () => 1 }), "PP_ENOTCONN");
	await rejects(assert, c.shutdown(), "PP_ENOTCONN", "no_active_node");
});

test("a stored body that is not JSON (from another client) is malformed_log", async () => {
	const { execFileSync } = require("child_process");
	const path = require("path");
	const cli = process.env.PIPEPROC_CLI ||
		path.join(path.dirname(process.env.PIPEPROC_NODE), "pipeproc");
	execFileSync(cli, ["-a", "ipc://" + path.join(client.dir, "sock"), "commit", "raw",
		"not json", "{\"ok\":1}"]);
	assert.strictEqual(await client.length("raw"), 2);
	await rejects(assert, client.range("raw"), "PP_EINVALID_BODY", "malformed_log");
	assert.deepStrictEqual(await client.range("raw", { start: ":1" }).then((l) => l.map((x) => x.body)),
		[{ ok: 1 }]);
	await rejects(assert, client.proc("raw", { name: "rawp", offset: ">" }), "PP_EINVALID_BODY",
		"malformed_log");
	// Also a body that is JSON text of the wrong structure is caught.
	execFileSync(cli, ["-a", "ipc://" + path.join(client.dir, "sock"), "commit", "raw2",
		"1},{\"id\":\"x\",\"body\":2"]);
	await rejects(assert, client.range("raw2"), "PP_EINVALID_BODY", "malformed_log");
});
