"use strict";
// lib/exec_host.js speaking the exec plugin's protocol v1
// (pipeproc_plugin(7)) over real pipes, as the plugin drives it: batches
// in, emit/done/fail frames out, the child kept alive across batches.
const test = require("node:test");
const assert = require("node:assert");
const { spawn } = require("child_process");
const fs = require("fs");
const path = require("path");
const { tmpdir } = require("./helper");

const HOST = path.join(__dirname, "..", "lib", "exec_host.js");

function b64(fn) {
	return Buffer.from(fn.toString()).toString("base64");
}

function batch(logs) {
	const parts = [Buffer.from("batch " + logs.length + "\n")];
	logs.forEach((l, i) => {
		const body = Buffer.from(typeof l === "string" ? l : JSON.stringify(l));
		parts.push(Buffer.from("log t 1-" + i + " " + body.length + "\n"), body, Buffer.from("\n"));
	});
	return Buffer.concat(parts);
}

// A host child and a reader of its answers: next() resolves with the
// frames of one answer, up to and including done or fail.
function host(args) {
	const child = spawn(process.execPath, [HOST, ...args], { stdio: ["pipe", "pipe", "pipe"] });
	let buf = Buffer.alloc(0);
	let stderr = "";
	const waiters = [];
	const answers = [];
	let current = [];
	child.stderr.on("data", (d) => {
		stderr += d;
	});
	const parse = () => {
		for (;;) {
			const nl = buf.indexOf(10);
			if (nl < 0) {
				return;
			}
			const line = buf.subarray(0, nl).toString();
			const w = line.split(" ");
			if (w[0] === "done") {
				buf = buf.subarray(nl + 1);
				current.push({ kind: "done" });
			} else {
				const len = Number(w[w.length - 1]);
				if (buf.length < nl + 1 + len + 1) {
					return;
				}
				const body = buf.subarray(nl + 1, nl + 1 + len).toString();
				assert.strictEqual(buf[nl + 1 + len], 10, "a body ends with a newline");
				buf = buf.subarray(nl + 2 + len);
				current.push({ kind: w[0], body });
			}
			const last = current[current.length - 1].kind;
			if (last === "done" || last === "fail") {
				answers.push(current);
				current = [];
				while (waiters.length && answers.length) {
					waiters.shift()(answers.shift());
				}
			}
		}
	};
	child.stdout.on("data", (d) => {
		buf = Buffer.concat([buf, d]);
		parse();
	});
	return {
		child,
		stderr: () => stderr,
		send: (b) => child.stdin.write(b),
		next: () => new Promise((resolve, reject) => {
			if (answers.length) {
				resolve(answers.shift());
				return;
			}
			const timer = setTimeout(() => reject(new Error("no answer; stderr: " + stderr)), 10000);
			waiters.push((a) => {
				clearTimeout(timer);
				resolve(a);
			});
		}),
		close: () => new Promise((resolve) => {
			child.on("exit", (code) => resolve(code));
			child.stdin.end();
		}),
	};
}

test("exec_host: an inline (log, done) function emits its output and done", async () => {
	const h = host(["--inline", b64((log, done) => done(null, { n: log.body.n * 2, id: log.id }))]);
	h.send(batch([{ n: 21 }]));
	const a = await h.next();
	assert.deepStrictEqual(a, [{ kind: "emit", body: JSON.stringify({ n: 42, id: "1-0" }) },
		{ kind: "done" }]);
	assert.strictEqual(await h.close(), 0);
});

test("exec_host: a promise-returning processor, an array of outputs, several batches", async () => {
	const h = host(["--inline", b64(async (log) => [{ a: log.body.x }, { b: log.body.x }])]);
	h.send(Buffer.concat([batch([{ x: 1 }, { x: 2 }]), batch([{ x: 3 }])]));
	const a1 = await h.next();
	assert.deepStrictEqual(a1.map((f) => f.kind), ["emit", "emit", "emit", "emit", "done"]);
	assert.deepStrictEqual(a1.slice(0, 4).map((f) => JSON.parse(f.body)),
		[{ a: 1 }, { b: 1 }, { a: 2 }, { b: 2 }]);
	const a2 = await h.next();
	assert.deepStrictEqual(a2.slice(0, 2).map((f) => JSON.parse(f.body)), [{ a: 3 }, { b: 3 }]);
	assert.strictEqual(await h.close(), 0);
});

test("exec_host: frames split into single bytes are still read whole", async () => {
	const h = host(["--inline", b64((log, done) => done(null, log.body))]);
	const b = batch([{ s: "multi\nline \u00e9 body" }]);
	for (let i = 0; i < b.length; i++) {
		h.send(b.subarray(i, i + 1));
	}
	const a = await h.next();
	assert.deepStrictEqual(JSON.parse(a[0].body), { s: "multi\nline \u00e9 body" });
	assert.strictEqual(a[1].kind, "done");
	await h.close();
});

test("exec_host: a falsy result emits nothing; --no-to emits nothing", async () => {
	const h = host(["--inline", b64((log, done) => done())]);
	h.send(batch([{ a: 1 }]));
	assert.deepStrictEqual(await h.next(), [{ kind: "done" }]);
	await h.close();
	const h2 = host(["--inline", b64((log, done) => done(null, { a: 1 })), "--no-to"]);
	h2.send(batch([{ a: 1 }]));
	assert.deepStrictEqual(await h2.next(), [{ kind: "done" }]);
	await h2.close();
});

test("exec_host: errors, rejections and throws fail the batch with their text", async () => {
	const cases = [
		[(log, done) => done(new Error("bad log")), "bad log"],
		[async () => {
			throw new Error("rejected here");
		}, "rejected here"],
		[() => {
			throw new Error("thrown sync");
		}, "thrown sync"],
		[(log, done) => done(null, 42), "invalid_log_format: an output must be an object"],
	];
	for (const [fn, text] of cases) {
		const h = host(["--inline", b64(fn)]);
		h.send(batch([{ a: 1 }]));
		assert.deepStrictEqual(await h.next(), [{ kind: "fail", body: text }]);
		// The child survives a failed batch and answers the next one.
		h.send(batch([{ a: 2 }]));
		assert.strictEqual((await h.next()).pop().kind, "fail");
		assert.strictEqual(await h.close(), 0);
	}
});

test("exec_host: a body that is not JSON fails as malformed_log", async () => {
	const h = host(["--inline", b64((log, done) => done())]);
	h.send(batch(["not json"]));
	const a = await h.next();
	assert.strictEqual(a[0].kind, "fail");
	assert.match(a[0].body, /^malformed_log/);
	await h.close();
});

test("exec_host: a file processor (module.exports or default) and console output on stderr", async () => {
	const dir = tmpdir();
	const f1 = path.join(dir, "p1.js");
	fs.writeFileSync(f1, "module.exports = function (log, done) { console.log('noise'); " +
		"done(null, { seen: log.id }); };\n");
	const f2 = path.join(dir, "p2.js");
	fs.writeFileSync(f2, "exports.default = async (log) => ({ d: log.body.v });\n");
	const h = host(["--file", f1]);
	h.send(batch([{}]));
	assert.deepStrictEqual(await h.next(), [{ kind: "emit", body: '{"seen":"1-0"}' },
		{ kind: "done" }]);
	await h.close();
	assert.match(h.stderr(), /noise/);
	const h2 = host(["--file", f2]);
	h2.send(batch([{ v: 7 }]));
	assert.deepStrictEqual((await h2.next())[0], { kind: "emit", body: '{"d":7}' });
	await h2.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

test("exec_host: a processor that cannot load fails every batch with the reason", async () => {
	const h = host(["--file", "/nonexistent/processor.js"]);
	h.send(batch([{}]));
	const a = await h.next();
	assert.strictEqual(a[0].kind, "fail");
	assert.match(a[0].body, /processor failed to load/);
	await h.close();
	const h2 = host(["--inline", b64("42")]);
	h2.send(batch([{}]));
	assert.match((await h2.next())[0].body, /does not export a function/);
	await h2.close();
});

test("exec_host: a malformed frame from the node ends the child with status 2", async () => {
	const h = host(["--inline", b64((log, done) => done())]);
	const code = new Promise((resolve) => h.child.on("exit", resolve));
	h.send(Buffer.from("garbage here\n"));
	assert.strictEqual(await code, 2);
});
