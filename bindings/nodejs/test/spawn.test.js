"use strict";
// spawn, connect and shutdown (PEER §17 with §23.17): statuses, option
// checks in PipeProc's order and messages, and failures that leave the
// client cleanly disconnected.
const test = require("node:test");
const assert = require("node:assert");
const fs = require("fs");
const path = require("path");
const { PipeProc, spawn, stop, rejects, tmpdir } = require("./helper");

test("spawn twice: node_already_active; a connector shares the node", async () => {
	const client = await spawn();
	try {
		assert.strictEqual(await client.spawn({}), "node_already_active");
		// Two spawns at once: one node, the second is told so.
		const twice = require("./helper").PipeProc();
		const d = require("./helper").tmpdir();
		const o = { memory: true, workers: 0, socket: "ipc://" + path.join(d, "s") };
		assert.deepStrictEqual(await Promise.all([twice.spawn(o), twice.spawn(o)]),
			["spawned_and_connected", "node_already_active"]);
		await twice.shutdown();
		fs.rmSync(d, { recursive: true, force: true });
		const other = PipeProc();
		assert.strictEqual(await other.connect({ socket: "ipc://" + path.join(client.dir, "sock") }),
			"connected");
		assert.ok(other.pipeProcNode);
		assert.strictEqual(await other.connect({}), "already_connected");
		const id = await other.commit({ topic: "shared", body: { from: "other" } });
		assert.deepStrictEqual(await client.range("shared"), [{ id, body: { from: "other" } }]);
		assert.strictEqual(await other.shutdown(), "disconnected");
		assert.strictEqual(other.pipeProcNode, undefined);
		await rejects(assert, other.commit({ topic: "t", body: {} }), "PP_ENOTCONN", "no_active_node");
		// The node is still there for its spawner.
		assert.strictEqual(await client.length("shared"), 1);
	} finally {
		assert.strictEqual(await client.shutdown(), "closed");
		await stop(client);
	}
	await rejects(assert, client.length("shared"), "PP_ENOTCONN", "no_active_node");
});

test("spawn option checks in PipeProc's order and words (PEER §17.1)", async () => {
	const c = PipeProc();
	await rejects(assert, c.spawn({ tcp: { host: "127.0.0.1" } }), "PP_EINVAL",
		"tcp connection needs a host and a port");
	await rejects(assert, c.spawn({ tcp: { port: 1 } }), "PP_EINVAL",
		"tcp connection needs a host and a port");
	await rejects(assert, c.spawn({ tls: { server: {} } }), "PP_EINVAL",
		"tls options require a server and client configuration");
	const dir = tmpdir();
	const f = path.join(dir, "f.pem");
	fs.writeFileSync(f, "x");
	const order = [["ca", "server ca"], ["cert", "server cert"], ["key", "server key"]];
	const server = {};
	for (const [k, text] of order) {
		await rejects(assert, c.spawn({ tls: { server, client: {} } }), "PP_EINVAL",
			"tls options require a " + text);
		server[k] = f;
	}
	const client = {};
	for (const [k, text] of [["ca", "client ca"], ["cert", "client cert"], ["key", "client key"]]) {
		await rejects(assert, c.spawn({ tls: { server, client } }), "PP_EINVAL",
			"tls options require a " + text);
		client[k] = f;
	}
	await rejects(assert, c.connect({ tls: { ca: f, cert: f } }), "PP_EINVAL",
		"tls connect options require a client key");
	await rejects(assert, c.spawn({ socket: "ipc:///x", tls: { server, client } }), "PP_EINVAL",
		"Invalid connection address: ipc:///x");
	assert.strictEqual(c.pipeProcNode, undefined, "a failed spawn leaves nothing behind");
	fs.rmSync(dir, { recursive: true, force: true });
});

test("connect failures: refused, unknown scheme; the client stays usable", async () => {
	const dir = tmpdir();
	const c = PipeProc();
	const addr = "ipc://" + path.join(dir, "nobody");
	await rejects(assert, c.connect({ socket: addr }), "PP_ECONNREFUSED",
		"connect ECONNREFUSED " + addr);
	await rejects(assert, c.connect({ socket: "http://x:1" }), "PP_EADDR",
		"Invalid connection address: http://x:1");
	await rejects(assert, c.commit({ topic: "t", body: {} }), "PP_ENOTCONN", "no_active_node");
	const node = await spawn();
	assert.strictEqual(await c.connect({ socket: "ipc://" + path.join(node.dir, "sock") }), "connected");
	await c.shutdown();
	await stop(node);
	fs.rmSync(dir, { recursive: true, force: true });
});

test("spawn failures: a locked data directory, a missing node program", async () => {
	const a = await spawn();
	const b = PipeProc();
	try {
		await rejects(assert, b.spawn({ location: path.join(a.dir, "data"),
			socket: "ipc://" + path.join(a.dir, "sock2"), workers: 0 }), "PP_ELOCKED");
		assert.strictEqual(b.pipeProcNode, undefined);
		const saved = process.env.PIPEPROC_NODE;
		process.env.PIPEPROC_NODE = "/nonexistent/pipeproc-node";
		try {
			const err = await rejects(assert, b.spawn({ memory: true, workers: 0,
				socket: "ipc://" + path.join(a.dir, "sock3") }), "PP_ESPAWN");
			assert.match(err.detail || err.message, /nonexistent/);
		} finally {
			process.env.PIPEPROC_NODE = saved;
		}
	} finally {
		await stop(a);
	}
});

test("memory and disk: data on disk survives a restart, memory does not", async () => {
	const dir = tmpdir();
	const opts = { location: path.join(dir, "data"), socket: "ipc://" + path.join(dir, "s"), workers: 0 };
	let c = PipeProc();
	await c.spawn(opts);
	const id = await c.commit({ topic: "keep", body: { k: 1 } });
	await c.shutdown();
	c = PipeProc();
	await c.spawn(opts);
	assert.deepStrictEqual(await c.range("keep"), [{ id, body: { k: 1 } }]);
	await c.shutdown();
	c = PipeProc();
	await c.spawn(Object.assign({}, opts, { memory: true }));
	await rejects(assert, c.range("keep"), "PP_ENOTOPIC");
	await c.shutdown();
	fs.rmSync(dir, { recursive: true, force: true });
});

test("tcp://127.0.0.1 without credentials, as PipeProc programs spawn and connect (item 5)", async () => {
	const net = require("net");
	const port = await new Promise((resolve) => {
		const srv = net.createServer().listen(0, "127.0.0.1", () => {
			const p = srv.address().port;
			srv.close(() => resolve(p));
		});
	});
	const dir = tmpdir();
	const a = PipeProc();
	assert.strictEqual(await a.spawn({ tcp: { host: "127.0.0.1", port }, workers: 0,
		location: path.join(dir, "data") }), "spawned_and_connected");
	try {
		const b = PipeProc();
		assert.strictEqual(await b.connect({ tcp: { host: "127.0.0.1", port } }), "connected");
		const id = await b.commit({ topic: "tcp", body: { over: "loopback" } });
		assert.deepStrictEqual(await a.range("tcp"), [{ id, body: { over: "loopback" } }]);
		assert.strictEqual(await b.shutdown(), "disconnected");
	} finally {
		await a.shutdown();
		fs.rmSync(dir, { recursive: true, force: true });
	}
});

test("the default address: a connect with no options finds a spawn with no address", async () => {
	const dir = tmpdir();
	const saved = process.env.TMPDIR;
	const savedXdg = process.env.XDG_RUNTIME_DIR;
	process.env.TMPDIR = dir; // the library and the wrapper both read it
	delete process.env.XDG_RUNTIME_DIR;
	const a = PipeProc();
	try {
		await a.spawn({ memory: true, workers: 0, namespace: "ns1" });
		const b = PipeProc();
		assert.strictEqual(await b.connect({ namespace: "ns1" }), "connected");
		await b.commit({ topic: "d", body: {} });
		assert.strictEqual(await a.length("d"), 1);
		await b.shutdown();
	} finally {
		await a.shutdown();
		process.env.TMPDIR = saved;
		if (savedXdg !== undefined) {
			process.env.XDG_RUNTIME_DIR = savedXdg;
		}
		fs.rmSync(dir, { recursive: true, force: true });
	}
});
