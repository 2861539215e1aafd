#!/usr/bin/env node
"use strict";
// exec_host.js - runs a JS processor for the `exec` plugin (protocol v1,
// pipeproc_plugin(7)): one long-lived child per worker thread.
//
//   node exec_host.js --file /abs/processor.js [--no-to]
//   node exec_host.js --inline <base64 of fn.toString()> [--no-to]
//
// stdin brings claims:   batch <n>\n  then n times  log <topic> <id> <len>\n<body>\n
// stdout answers each:   emit <len>\n<body>\n ...  then  done\n | fail <len>\n<text>\n
//
// Each log goes to the processor as PipeProc calls it (PEER §12.4):
// processor(log, done) with log = {id, body} (body parsed from JSON);
// it finishes with done(err, data) or a returned promise. data falsy:
// nothing is emitted; a non-empty array: one output per element; else
// one output. An error, a rejection, a throw or a processor that cannot
// be loaded fails the batch (PEER §23.14), so the node reclaims it with
// that text. stdout carries only frames: console output goes to stderr.
const fs = require("fs");

const realWrite = (buf) => {
	let off = 0;
	while (off < buf.length) {
		try {
			off += fs.writeSync(1, buf, off, buf.length - off);
		} catch (e) {
			if (e.code !== "EAGAIN") {
				throw e;
			}
		}
	}
};
// Anything the processor prints must not corrupt the frames.
process.stdout.write = (chunk, enc, cb) => process.stderr.write(chunk, enc, cb);

function parseArgs(argv) {
	const out = { file: null, inline: null, hasTo: true };
	for (let i = 0; i < argv.length; i++) {
		if (argv[i] === "--file") {
			out.file = argv[++i];
		} else if (argv[i] === "--inline") {
			out.inline = argv[++i];
		} else if (argv[i] === "--no-to") {
			out.hasTo = false;
		}
	}
	return out;
}

// The processor, or the error that loading it raised (reported per batch).
function loadProcessor(args) {
	try {
		let fn;
		if (args.file) {
			const mod = require(args.file);
			fn = typeof mod === "function" ? mod : mod && mod.default;
		} else if (args.inline) {
			const source = Buffer.from(args.inline, "base64").toString("utf8");
			fn = new Function("require", "return (" + source + ");")(require);
		}
		if (typeof fn !== "function") {
			return { error: "processor does not export a function" };
		}
		return { fn };
	} catch (e) {
		return { error: "processor failed to load: " + (e && e.message ? e.message : String(e)) };
	}
}

// Runs one log through the processor; resolves with its data.
function runOne(fn, log) {
	return new Promise((resolve, reject) => {
		let settled = false;
		const done = (err, data) => {
			if (settled) {
				return;
			}
			settled = true;
			if (err) {
				reject(err);
			} else {
				resolve(data);
			}
		};
		let ret;
		try {
			ret = fn(log, done);
		} catch (e) {
			done(e || new Error("processor threw"));
			return;
		}
		if (ret && typeof ret.then === "function") {
			ret.then((d) => done(null, d), (e) => done(e || new Error("processor rejected")));
		} else if (fn.length < 2) {
			done(null, ret); // a plain function of (log): its value
		}
	});
}

function outputsOf(data) {
	if (!data) {
		return [];
	}
	const list = Array.isArray(data) && data.length > 0 ? data : [data];
	return list.map((body) => {
		if (body === null || typeof body !== "object") {
			throw new Error("invalid_log_format: an output must be an object");
		}
		return Buffer.from(JSON.stringify(body), "utf8");
	});
}

function frame(word, body) {
	return Buffer.concat([Buffer.from(word + " " + body.length + "\n"), body,
		Buffer.from("\n")]);
}

function failFrame(e) {
	const text = e && e.message ? e.message : String(e);
	return frame("fail", Buffer.from(text.replace(/\n/g, " "), "utf8"));
}

async function answer(proc, hasTo, logs) {
	if (proc.error) {
		return failFrame(proc.error);
	}
	const parts = [];
	try {
		for (const raw of logs) {
			let body;
			try {
				body = JSON.parse(raw.body.toString("utf8"));
			} catch (e) {
				throw new Error("malformed_log: log " + raw.id + " is not JSON");
			}
			const data = await runOne(proc.fn, { id: raw.id, body });
			if (hasTo) {
				for (const out of outputsOf(data)) {
					parts.push(frame("emit", out));
				}
			} else {
				outputsOf(data); // still checked
			}
		}
	} catch (e) {
		return failFrame(e);
	}
	parts.push(Buffer.from("done\n"));
	return Buffer.concat(parts);
}

// A streaming parser of the node's frames: push() bytes, get batches.
class Reader {
	constructor(onBatch, onError) {
		this.buf = Buffer.alloc(0);
		this.want = null; // logs left in the batch
		this.logs = [];
		this.pending = null; // {topic, id, len} awaiting its body
		this.onBatch = onBatch;
		this.onError = onError;
	}

	line() {
		const nl = this.buf.indexOf(10);
		if (nl < 0) {
			return null;
		}
		const text = this.buf.subarray(0, nl).toString("utf8");
		this.buf = this.buf.subarray(nl + 1);
		return text;
	}

	push(chunk) {
		this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
		for (;;) {
			if (this.pending) {
				const len = this.pending.len;
				if (this.buf.length < len + 1) {
					return;
				}
				const body = Buffer.from(this.buf.subarray(0, len));
				this.buf = this.buf.subarray(len + 1);
				this.logs.push({ topic: this.pending.topic, id: this.pending.id, body });
				this.pending = null;
				if (--this.want === 0) {
					const logs = this.logs;
					this.logs = [];
					this.want = null;
					this.onBatch(logs);
				}
				continue;
			}
			const text = this.line();
			if (text === null) {
				return;
			}
			const w = text.split(" ");
			if (this.want === null && w[0] === "batch" && w.length === 2 && /^\d+$/.test(w[1])) {
				this.want = Number(w[1]);
				if (this.want === 0) {
					this.want = null;
					this.onBatch([]);
				}
			} else if (this.want !== null && w[0] === "log" && w.length === 4 &&
			    /^\d+$/.test(w[3])) {
				this.pending = { topic: w[1], id: w[2], len: Number(w[3]) };
			} else {
				this.onError("malformed frame from the node: " + text.slice(0, 60));
				return;
			}
		}
	}
}

function main() {
	const args = parseArgs(process.argv.slice(2));
	const proc = loadProcessor(args);
	if (proc.error) {
		process.stderr.write("exec_host: " + proc.error + "\n");
	}
	// Batches are answered strictly in order, one at a time.
	let chain = Promise.resolve();
	const reader = new Reader((logs) => {
		chain = chain.then(() => answer(proc, args.hasTo, logs)).then(realWrite);
	}, (msg) => {
		process.stderr.write("exec_host: " + msg + "\n");
		process.exit(2);
	});
	process.stdin.on("data", (chunk) => reader.push(chunk));
	process.stdin.on("end", () => chain.then(() => process.exit(0)));
}

if (require.main === module) {
	main();
}

module.exports = { Reader, answer, loadProcessor, runOne };
