"use strict";
// systemProc with a JS processor (PEER §12 with §23.11, §23.14), run by
// the node's workers through the exec plugin and lib/exec_host.js: an
// inline function, a file, and failures that reclaim with their text
// (the crash case is system_crash.test.js).
const test = require("node:test");
const { before, after } = require("node:test");
const assert = require("node:assert");
const fs = require("fs");
const path = require("path");
const { spawn, stop, waitFor, rejects, tmpdir } = require("./helper");

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

test("systemProc: an inline (log, done) function, outputs to every `to` topic", async () => {
	const p = await client.systemProc({
		name: "inline1", from: "sin", to: ["sout1", "sout2"],
		processor: (log, done) => done(null, { n: log.body.n * 10, id: log.id }),
	});
	assert.strictEqual(p.name, "inline1");
	assert.strictEqual(p.topic, "sin");
	assert.strictEqual(p.status, "active");
	const ids = await client.commit([1, 2, 3].map((n) => ({ topic: "sin", body: { n } })));
	await client.waitForProcs("inline1", { timeout: 20000 });
	const want = ids.map((id, i) => ({ n: (i + 1) * 10, id }));
	assert.deepStrictEqual(bodies(await client.range("sout1")), want);
	assert.deepStrictEqual(bodies(await client.range("sout2")), want);
	// The same definition again returns the existing proc.
	const again = await client.systemProc({
		name: "inline1", from: "sin", to: ["sout1", "sout2"],
		processor: (log, done) => done(null, { n: log.body.n * 10, id: log.id }),
	});
	assert.strictEqual(again.createdAt, p.createdAt);
});

test("systemProc: a file processor returning a promise, an array `from` gives an array", async () => {
	const file = path.join(dir, "processor.js");
	fs.writeFileSync(file, "module.exports = async function (log) {\n" +
		"  return [{ half: log.body.n / 2 }, { twice: log.body.n * 2 }];\n};\n");
	const procs = await client.systemProc({
		name: "file1", from: ["fa", "fb"], to: "fout", processor: file, count: 10,
	});
	assert.ok(Array.isArray(procs));
	assert.deepStrictEqual(procs.map((p) => p.name), ["file1__fa", "file1__fb"]);
	await client.commit([{ topic: "fa", body: { n: 4 } }, { topic: "fb", body: { n: 8 } }]);
	await client.waitForProcs(["file1__fa", "file1__fb"], { timeout: 20000 });
	const out = bodies(await client.range("fout"));
	assert.strictEqual(out.length, 4);
	for (const b of [{ half: 2 }, { twice: 8 }, { half: 4 }, { twice: 16 }]) {
		assert.ok(out.some((o) => JSON.stringify(o) === JSON.stringify(b)), JSON.stringify(b));
	}
});

test("systemProc: a throwing processor reclaims at once with its text, then disables", async () => {
	await client.systemProc({
		name: "thrower", from: "tin", to: "tout", maxReclaims: 2, reclaimTimeout: 60000,
		processor: () => {
			throw new Error("cannot handle " + "this");
		},
	});
	await client.commit({ topic: "tin", body: { n: 1 } });
	const p = await waitFor("disabled", async () => {
		const s = await client.inspectProc("thrower");
		return s.status === "disabled" ? s : null;
	}, 20000);
	assert.strictEqual(p.reclaims, 2);
	assert.match(p.lastError, /cannot handle this/);
	await rejects(assert, client.length("tout"), "PP_ENOTOPIC");
});

test("systemProc errors: no processor, a missing file, bad names and options", async () => {
	await rejects(assert, client.systemProc({ name: "x", from: "t" }), "PP_EINVAL",
		"no_valid_processor_provided");
	await rejects(assert, client.systemProc({ name: "x", from: "t", processor: "/no/such.js" }),
		"PP_EINVAL");
	await rejects(assert, client.systemProc({ from: "t", processor: () => 1 }), "PP_EINVALID_NAME");
	await rejects(assert, client.systemProc({ name: "bad name", from: "t", processor: () => 1 }),
		"PP_EINVALID_NAME");
	await rejects(assert, client.systemProc({ name: "x", from: "t", processor: () => 1,
		onMaxReclaimsReached: "explode" }), "PP_EINVALID_OPTION");
	await rejects(assert, client.systemProc({ name: "inline1", from: "other", processor: () => 1 }),
		"PP_EPROC_EXISTS", "proc_name_not_unique");
});
