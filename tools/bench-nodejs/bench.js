#!/usr/bin/env node
// bench.js - the Node.js binding's benchmarks (issue 11 item 7), in
// pipeproc-bench's JSON lines: each JS workload beside the C workload of
// the same shape, measured by pipeproc-bench ($PIPEPROC_BENCH) in this
// same run, on this machine, right before it.
//
//   node tools/bench-nodejs/bench.js [-q] [-w NAME]...   (make bench runs it)
//   (-w: only the named workloads, e.g. -w js_range, with their C twins)
//
// Workloads (C baseline, target ratio):
//   js_commit_seq     one `await commit` at a time      (commit_seq, 0.8)
//   js_commit_inflight Promise.all of single-log commits (commit_async, 0.5)
//   js_commit_batch   1,000-log array commits            (commit_batch, 0.5)
//   js_range          range() of a whole topic, paged    (range_scan, 0.5)
//   js_range_vs_remote the same js_range figure against range_scan_remote:
//                     C's walk with is_local_reads_off, every page through
//                     the node (a second, transport-bound baseline; no target)
//   js_proc_ack_1     proc + ack, one log a claim        (proc_ack_1)
//   js_proc_ack_100   proc + ack, 100 logs a claim       (proc_ack_100)
//   js_pipeline       a JS processor systemProc (exec)   (pipeline_1w, 0.3)
// Every node is spawned on disk with the default durability (a sync per
// commit group), as the C workloads' nodes are. Progress goes to stderr.
"use strict";
const { execFileSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const PipeProc = require("../../bindings/nodejs");

const quick = process.argv.includes("-q");
const only = process.argv.flatMap((a, i, all) => (a === "-w" && i + 1 < all.length ? [all[i + 1]] : []));
const MEASURE_S = quick ? 0.3 : 2.0;
const INFLIGHT = quick ? 20000 : 100000;
const SCAN_LOGS = quick ? 100000 : 1000000;
const PIPE_LOGS = quick ? 5000 : 50000;
const BODY = { d: "x".repeat(91) }; // 100 bytes of JSON, as BENCH_BODY_BYTES

const WORKLOADS = [
	["js_commit_seq", "commit_seq", 0.8, commitSeq],
	["js_commit_inflight", "commit_async", 0.5, commitInflight],
	["js_commit_batch", "commit_batch", 0.5, commitBatch],
	["js_range", "range_scan", 0.5, rangeScan, [["js_range_vs_remote", "range_scan_remote",
		"range_scan_remote (C, is_local_reads_off: pages through the node; same run, second baseline)"]]],
	["js_proc_ack_1", "proc_ack_1", null, (n) => procAck(n, 1)],
	["js_proc_ack_100", "proc_ack_100", null, (n) => procAck(n, 100)],
	["js_pipeline", "pipeline_1w", 0.3, pipeline],
];

function log(msg) {
	process.stderr.write("bench-nodejs: " + msg + "\n");
}

// The C figures of workloads: pipeproc-bench -w NAME... -r 1, run right
// before their JS twin so that both see the same machine (other load on a
// shared machine drifts within seconds). Returns {NAME: logs/s}.
function cBaselines(cNames) {
	const bench = process.env.PIPEPROC_BENCH;
	const out = {};
	if (!bench) {
		return out;
	}
	const args = ["-r", "1"];
	for (const n of cNames) {
		args.push("-w", n);
	}
	if (quick) {
		args.push("-q");
	}
	let text = "";
	try {
		text = execFileSync(bench, args, { stdio: ["ignore", "pipe", "inherit"] }).toString();
	} catch (e) {
		text = e.stdout ? e.stdout.toString() : "";
	}
	for (const line of text.split("\n")) {
		if (line.trim() !== "") {
			const j = JSON.parse(line);
			if (cNames.includes(j.workload) && !j.error) {
				out[j.workload] = j.logs_per_s || j.ops_per_s;
			}
		}
	}
	return out;
}

async function node(name, options) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ppjs-bench-" + name + "-"));
	const client = PipeProc();
	await client.spawn(Object.assign({ location: path.join(dir, "data"),
		socket: "ipc://" + path.join(dir, "sock"), workers: 0 }, options || {}));
	client.benchDir = dir;
	return client;
}

async function done(client) {
	await client.shutdown();
	fs.rmSync(client.benchDir, { recursive: true, force: true });
}

const now = () => Number(process.hrtime.bigint()) / 1e9;

async function commitSeq() {
	const c = await node("seq");
	const rec = { topic: "bench", body: BODY };
	for (let i = 0; i < 50; i++) {
		await c.commit(rec);
	}
	let n = 0;
	const t0 = now();
	while (now() - t0 < MEASURE_S) {
		await c.commit(rec);
		n++;
	}
	const rate = n / (now() - t0);
	await done(c);
	return rate;
}

async function commitInflight() {
	const c = await node("inflight");
	const rec = { topic: "bench", body: BODY };
	// Untimed warm-up (as the C workloads have): JIT, pool threads, queue.
	const warm = [];
	for (let i = 0; i < INFLIGHT / 5; i++) {
		warm.push(c.commit(rec));
	}
	await Promise.all(warm);
	const t0 = now();
	const ps = new Array(INFLIGHT);
	for (let i = 0; i < INFLIGHT; i++) {
		ps[i] = c.commit(rec);
	}
	await Promise.all(ps);
	const rate = INFLIGHT / (now() - t0);
	await done(c);
	return rate;
}

async function commitBatch() {
	const c = await node("batch");
	const batch = Array.from({ length: 1000 }, () => ({ topic: "bench", body: BODY }));
	await c.commit(batch);
	let n = 0;
	const t0 = now();
	while (now() - t0 < MEASURE_S) {
		await c.commit(batch);
		n += batch.length;
	}
	const rate = n / (now() - t0);
	await done(c);
	return rate;
}

async function rangeScan() {
	const c = await node("range");
	const batch = Array.from({ length: 5000 }, () => ({ topic: "bench", body: BODY }));
	const fills = [];
	for (let i = 0; i < SCAN_LOGS / batch.length; i++) {
		fills.push(c.commit(batch));
	}
	await Promise.all(fills);
	await c.range("bench", { limit: 20000 }); // warm-up, untimed
	const t0 = now();
	const logs = await c.range("bench");
	const rate = logs.length / (now() - t0);
	if (logs.length !== SCAN_LOGS) {
		throw new Error("range read " + logs.length + " logs of " + SCAN_LOGS);
	}
	await done(c);
	return rate;
}

async function procAck(n, count) {
	const c = await node("ack" + count);
	const batch = Array.from({ length: 1000 }, () => ({ topic: "bench", body: BODY }));
	const fills = [];
	const total = count === 1 ? 20000 : 400000;
	for (let i = 0; i < total / 1000; i++) {
		fills.push(c.commit(batch));
	}
	await Promise.all(fills);
	const opts = { name: "bench-ack", offset: ">", count };
	let logs = 0;
	const t0 = now();
	while (now() - t0 < MEASURE_S) {
		const r = await c.proc("bench", opts);
		if (r === undefined) {
			break;
		}
		await c.ack("bench-ack");
		logs += Array.isArray(r) ? r.length : 1;
	}
	const rate = logs / (now() - t0);
	await done(c);
	return rate;
}

async function pipeline() {
	const plugin = require("../../bindings/nodejs/lib/system").execPlugin();
	if (plugin === "exec") {
		throw new Error("the exec plugin is not built (" + plugin + ")");
	}
	const c = await node("pipe", { workers: 1 });
	await c.systemProc({
		name: "bench-pipe", from: "bench", to: "bench.out", count: 100,
		processor: (log, done) => done(null, { d: log.body.d.toUpperCase() }),
	});
	const batch = Array.from({ length: 1000 }, () => ({ topic: "bench", body: BODY }));
	await c.commit(batch.slice(0, 200)); // warm-up: the host child starts
	await c.waitForProcs("bench-pipe", { timeout: 60000 });
	const t0 = now();
	const fills = [];
	for (let i = 0; i < PIPE_LOGS / 1000; i++) {
		fills.push(c.commit(batch));
	}
	await Promise.all(fills);
	await c.waitForProcs("bench-pipe", { timeout: 300000 });
	const rate = PIPE_LOGS / (now() - t0);
	const out = await c.length("bench.out");
	if (out !== PIPE_LOGS + 200) {
		throw new Error("pipeline wrote " + out + " outputs of " + (PIPE_LOGS + 200));
	}
	await done(c);
	return rate;
}

async function main() {
	let failed = 0;
	for (const [name, cName, target, fn, extras] of WORKLOADS) {
		if (only.length > 0 && !only.includes(name)) {
			continue;
		}
		const more = extras || [];
		const cNames = [cName, ...more.map((x) => x[1])];
		log(cNames.join(", ") + " (C, pipeproc-bench -r 1" + (quick ? " -q" : "") + "), then " + name);
		const lines = [{ workload: name }, ...more.map((x) => ({ workload: x[0] }))];
		try {
			const baselines = cBaselines(cNames);
			const rate = await fn();
			lines.forEach((line, i) => {
				const base = baselines[cNames[i]] || null;
				line.ops_per_s = Math.round(rate);
				line.baseline_ops_per_s = base;
				line.ratio = base ? Number((rate / base).toFixed(3)) : null;
				line.baseline = i === 0 ? cName + " (C, same run)" : more[i - 1][2];
			});
			if (target !== null) {
				lines[0].target_ratio = target;
				lines[0].meets_target = lines[0].ratio !== null && lines[0].ratio >= target;
			}
		} catch (e) {
			for (const line of lines) {
				line.error = String(e && e.message ? e.message : e).replace(/"/g, "'");
			}
			failed++;
		}
		for (const line of lines) {
			if (quick) {
				line.quick = true;
			}
			process.stdout.write(JSON.stringify(line) + "\n");
		}
	}
	process.exitCode = failed ? 1 : 0;
}

main();
