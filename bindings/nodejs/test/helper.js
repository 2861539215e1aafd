"use strict";
// Shared by the suites: a fresh spawned node per suite (its own data
// directory and socket in a new temporary directory), and waits on a
// condition with a deadline (never a fixed sleep).
const fs = require("fs");
const os = require("os");
const path = require("path");
const PipeProc = require("..");

function tmpdir(prefix) {
	return fs.mkdtempSync(path.join(os.tmpdir(), prefix || "ppjs-"));
}

// spawn(options): a client of a new node; `dir` is its directory.
async function spawn(options) {
	const dir = tmpdir();
	const client = PipeProc();
	await client.spawn(Object.assign({
		socket: "ipc://" + path.join(dir, "sock"),
		location: path.join(dir, "data"),
		workers: 0,
	}, options || {}));
	client.dir = dir;
	return client;
}

async function stop(client) {
	if (client && client.pipeProcNode) {
		await client.shutdown();
	}
	if (client && client.dir) {
		fs.rmSync(client.dir, { recursive: true, force: true });
	}
}

async function waitFor(what, fn, deadlineMs) {
	const until = Date.now() + (deadlineMs || 15000);
	for (;;) {
		const v = await fn();
		if (v) {
			return v;
		}
		if (Date.now() > until) {
			throw new Error("timed out waiting for " + what);
		}
		await new Promise((r) => setTimeout(r, 25));
	}
}

// rejects(promise, code): the promise rejects with an Error of that code.
async function rejects(assert, promise, code, message) {
	let err = null;
	try {
		await promise;
	} catch (e) {
		err = e;
	}
	assert.ok(err instanceof Error, "expected an Error with code " + code);
	assert.strictEqual(err.code, code, err.message);
	if (message !== undefined) {
		assert.strictEqual(err.message, message);
	}
	return err;
}

module.exports = { PipeProc, spawn, stop, waitFor, rejects, tmpdir };
