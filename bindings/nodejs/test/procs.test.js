"use strict";
// proc, ack, ackCommit, reclaimProc, inspect/disable/resume/destroy,
// availableProc and waitForProcs (PEER §8-§11, §14 with §23.8, §23.9,
// §23.15): result shapes and every error.
const test = require("node:test");
const { before, after } = require("node:test");
const assert = require("node:assert");
const { spawn, stop, rejects } = require("./helper");

let client;
before(async () => {
	client = await spawn();
});
after(() => stop(client));

const KEYS = ["name", "topic", "offset", "createdAt", "lastClaimedAt", "lastAckedAt",
	"lastClaimedRange", "lastAckedRange", "previousClaimedRange", "status", "reclaims",
	"maxReclaims", "reclaimTimeout", "onMaxReclaimsReached"];

function checkShape(p) {
	for (const k of KEYS) {
		assert.ok(k in p, "proc object has " + k);
	}
	assert.deepStrictEqual(Object.keys(p).slice(0, KEYS.length), KEYS, "PipeProc's key order");
}

test("proc: undefined when nothing, one log as an object, count > 1 as an array", async () => {
	assert.strictEqual(await client.proc("p1", { name: "pa", offset: ">" }), undefined);
	const [id0, id1, id2] = await client.commit([0, 1, 2].map((i) => ({ topic: "p1", body: { i } })));
	const one = await client.proc("p1", { name: "pa", offset: ">" });
	assert.deepStrictEqual(one, { id: id0, body: { i: 0 } });
	assert.strictEqual(await client.proc("p1", { name: "pa", offset: ">" }), undefined,
		"nothing else while a claim is outstanding");
	assert.strictEqual(await client.ack("pa"), id0 + ".." + id0);
	// Options are persisted (PEER §23.10): another count is another proc.
	await rejects(assert, client.proc("p1", { name: "pa", offset: ">", count: 5 }),
		"PP_EPROC_EXISTS", "proc_name_not_unique");
	const two = await client.proc("p1", { name: "pb", offset: id0, count: 5 });
	assert.deepStrictEqual(two.map((l) => l.id), [id1, id2]);
	assert.strictEqual((await client.inspectProc("pb")).lastClaimedRange, id1 + ".." + id2);
	assert.strictEqual(await client.ack("pb"), id1 + ".." + id2);
	const p = await client.inspectProc("pb");
	checkShape(p);
	assert.strictEqual(p.lastAckedRange, id1 + ".." + id2);
	assert.strictEqual(p.lastClaimedRange, id1 + ".." + id2);
	assert.strictEqual(p.status, "active");
	assert.strictEqual(p.offset, id0);
	assert.strictEqual(p.maxReclaims, 10);
	assert.ok(p.createdAt > 0 && p.lastClaimedAt >= p.createdAt && p.lastAckedAt >= p.lastClaimedAt);
});

test("proc: offsets $>, :N and a bad offset (PEER §23.4)", async () => {
	const ids = await client.commit([0, 1, 2, 3].map((i) => ({ topic: "p2", body: { i } })));
	assert.strictEqual(await client.proc("p2", { name: "late", offset: "$>" }), undefined);
	const after = await client.proc("p2", { name: "colon", offset: ":1" });
	assert.strictEqual(after.id, ids[2], ":1 starts after log 1");
	await rejects(assert, client.proc("p2", { name: "bad", offset: "abc" }), "PP_EINVALID_ID",
		"invalid_range_offset");
	await rejects(assert, client.inspectProc("bad"), "PP_ENOPROC", "invalid_proc");
	const id = await client.commit({ topic: "p2", body: { i: 4 } });
	assert.strictEqual((await client.proc("p2", { name: "late", offset: "$>" })).id, id);
});

test("proc errors: proc_name_not_unique, proc_is_disabled, bad options", async () => {
	await client.commit({ topic: "p3", body: {} });
	await client.proc("p3", { name: "u", offset: ">" });
	await rejects(assert, client.proc("p3b", { name: "u", offset: ">" }), "PP_EPROC_EXISTS",
		"proc_name_not_unique");
	await rejects(assert, client.proc("p3", { offset: ">" }), "PP_EINVALID_NAME");
	await rejects(assert, client.proc("p3", { name: "o", offset: ">", onMaxReclaimsReached: "x" }),
		"PP_EINVALID_OPTION");
	await rejects(assert, client.proc("p3", { name: "o2", offset: ">", reclaimTimeout: 0 }),
		"PP_EINVALID_OPTION");
	const d = await client.disableProc("u");
	assert.strictEqual(d.status, "disabled");
	await rejects(assert, client.proc("p3", { name: "u", offset: ">" }), "PP_EPROC_DISABLED",
		"proc_is_disabled");
});

test("ack: nothing_to_ack without a claim, invalid_proc for an unknown name", async () => {
	await client.commit({ topic: "p4", body: {} });
	await client.proc("p4", { name: "a1", offset: "$>" });
	await rejects(assert, client.ack("a1"), "PP_ENOTHING_TO_ACK", "nothing_to_ack");
	await rejects(assert, client.ack("missing"), "PP_ENOPROC", "invalid_proc");
});

test("ackCommit: {ackedLogId, id}; ack and commit together or not at all", async () => {
	const id = await client.commit({ topic: "p5", body: { a: 1 } });
	await client.proc("p5", { name: "ac", offset: ">" });
	const r = await client.ackCommit("ac", { topic: "p5out", body: { b: 1 } });
	assert.strictEqual(r.ackedLogId, id + ".." + id);
	assert.match(r.id, /-0$/);
	const id2 = await client.commit({ topic: "p5", body: { a: 2 } });
	await client.proc("p5", { name: "ac", offset: ">" });
	const r2 = await client.ackCommit("ac", [{ topic: "p5out", body: { b: 2 } },
		{ topic: "p5out", body: { b: 3 } }]);
	assert.strictEqual(r2.ackedLogId, id2 + ".." + id2);
	assert.ok(Array.isArray(r2.id) && r2.id.length === 2);
	// Nothing claimed: fails, and nothing is committed.
	await rejects(assert, client.ackCommit("ac", { topic: "p5out", body: { b: 4 } }),
		"PP_ENOTHING_TO_ACK");
	assert.strictEqual(await client.length("p5out"), 3);
	await rejects(assert, client.ackCommit("ac", []), "PP_EEMPTY");
	await rejects(assert, client.ackCommit("ac", { topic: "p5out", body: 1 }), "PP_EINVALID_BODY");
	await rejects(assert, client.ackCommit("nope", { topic: "p5out", body: {} }), "PP_ENOPROC",
		"invalid_proc");
});

test("reclaimProc: the same logs again; disabled at maxReclaims; errors", async () => {
	const id = await client.commit({ topic: "p6", body: {} });
	await rejects(assert, client.reclaimProc("rc"), "PP_ENOPROC", "invalid_proc");
	await client.proc("p6", { name: "rc", offset: ">", maxReclaims: 2 });
	assert.strictEqual((await client.inspectProc("rc")).maxReclaims, 2);
	assert.strictEqual(await client.reclaimProc("rc"), "", "nothing acked yet");
	await rejects(assert, client.reclaimProc("rc"), "PP_ENOTHING_TO_RECLAIM", "nothing_to_reclaim");
	assert.strictEqual((await client.proc("p6", { name: "rc", offset: ">", maxReclaims: 2 })).id, id);
	let p = await client.inspectProc("rc");
	assert.strictEqual(p.reclaims, 1);
	await client.reclaimProc("rc", "second failure");
	p = await client.inspectProc("rc");
	assert.strictEqual(p.status, "disabled");
	assert.strictEqual(p.reclaims, 2);
	assert.strictEqual(p.lastError, "second failure");
	await rejects(assert, client.reclaimProc("rc"), "PP_EPROC_DISABLED", "proc_is_disabled");
});

test("disable/resume/destroy: states, errors and a fresh proc after destroy", async () => {
	const id = await client.commit({ topic: "p7", body: {} });
	await client.proc("p7", { name: "dr", offset: ">" });
	await rejects(assert, client.resumeProc("dr"), "PP_EPROC_ALREADY_ACTIVE", "proc_already_active");
	checkShape(await client.disableProc("dr"));
	await rejects(assert, client.disableProc("dr"), "PP_EPROC_ALREADY_DISABLED",
		"proc_already_disabled");
	const r = await client.resumeProc("dr");
	assert.strictEqual(r.status, "active");
	assert.strictEqual(r.reclaims, 0);
	const d = await client.destroyProc("dr");
	checkShape(d);
	assert.strictEqual(d.name, "dr");
	for (const fn of ["inspectProc", "destroyProc", "disableProc", "resumeProc"]) {
		await rejects(assert, client[fn]("dr"), "PP_ENOPROC", "invalid_proc");
	}
	assert.strictEqual((await client.proc("p7", { name: "dr", offset: ">" })).id, id);
});

test("availableProc: procs not created yet first, then round robin, undefined when idle", async () => {
	await client.commit([0, 1, 2, 3].map((i) => ({ topic: i % 2 ? "av1" : "av0", body: { i } })));
	const list = [{ name: "v0", topic: "av0", offset: ">" }, { name: "v1", topic: "av1", offset: ">" }];
	const a = await client.availableProc(list);
	assert.strictEqual(a.procName, "v0");
	assert.deepStrictEqual(a.log.body, { i: 0 });
	const b = await client.availableProc(list);
	assert.strictEqual(b.procName, "v1");
	assert.deepStrictEqual(b.log.body, { i: 1 });
	await client.ack("v0");
	await client.ack("v1");
	const picks = [];
	for (let i = 0; i < 2; i++) {
		const r = await client.availableProc(list);
		picks.push(r.procName);
		await client.ack(r.procName);
	}
	assert.deepStrictEqual(picks.sort(), ["v0", "v1"]);
	assert.strictEqual(await client.availableProc(list), undefined);
	assert.strictEqual(await client.availableProc([{ name: "x" }]), undefined, "incomplete entries dropped");
	await rejects(assert, client.availableProc("v0"), "PP_EINVAL");
});

test("waitForProcs: resolves when done, times out, unknown names are an error", async () => {
	await client.commit([0, 1, 2].map((i) => ({ topic: "w", body: { i } })));
	await client.proc("w", { name: "w1", offset: ">", count: 3 });
	await rejects(assert, client.waitForProcs("w1", { timeout: 100 }), "PP_ETIMEDOUT");
	const [, acked] = await Promise.all([client.waitForProcs(["w1"]), client.ack("w1")]);
	assert.match(acked, /-0\.\..*-2$/);
	await client.proc("w", { name: "never", offset: "$>" });
	await client.waitForProcs("never", { timeout: 5000 }); // PEER §23.15
	await rejects(assert, client.waitForProcs(["no_such_proc"], { timeout: 100 }), "PP_ENOPROC");
});

test("proc object: lastAckedRange, previousClaimedRange, lastClaimedRange (PEER §8.2)", async () => {
	const ids = await client.commit([0, 1, 2, 3].map((i) => ({ topic: "ranges", body: { i } })));
	const r = (a, b) => ids[a] + ".." + ids[b];
	await client.proc("ranges", { name: "rg", offset: ">", count: 2 });
	let p = await client.inspectProc("rg");
	assert.deepStrictEqual([p.lastClaimedRange, p.lastAckedRange, p.previousClaimedRange],
		[r(0, 1), "", ""]);
	await client.ack("rg");
	await client.proc("ranges", { name: "rg", offset: ">", count: 2 });
	p = await client.inspectProc("rg");
	assert.deepStrictEqual([p.lastClaimedRange, p.lastAckedRange, p.previousClaimedRange],
		[r(2, 3), r(0, 1), r(0, 1)]);
	// A reclaim goes back to the acked range.
	assert.strictEqual(await client.reclaimProc("rg"), r(0, 1));
	// Another client acks a claim it did not make: the node's record says
	// which range that was.
	const other = require("./helper").PipeProc();
	await other.connect({ socket: "ipc://" + require("path").join(client.dir, "sock") });
	await client.proc("ranges", { name: "rg", offset: ">", count: 2 });
	assert.strictEqual(await other.ack("rg"), r(2, 3));
	p = await other.inspectProc("rg");
	assert.deepStrictEqual([p.lastClaimedRange, p.lastAckedRange], [r(2, 3), r(2, 3)]);
	await other.shutdown();
});
