"use strict";
// pipeproc for Node.js: PipeProc's API (PEER §2-§16, with the fixes of
// PEER §23) over libpipeproc. `const PipeProc = require("pipeproc")`
// then `const client = PipeProc()`, exactly as with PipeProc.
//
// Every call that waits runs on the addon's own threads and settles its
// promise through one threadsafe function (src/runtime.c); this file only
// checks arguments, applies defaults and shapes results.
const native = require("./lib/native");
const { makeError, rethrow, fromNative } = require("./lib/errors");
const shapes = require("./lib/shapes");
const { spawnOptions, connectOptions } = require("./lib/options");
const { LiveProc } = require("./lib/live");
const system = require("./lib/system");
const { CommitQueue } = require("./lib/coalesce");
const { readRange } = require("./lib/range");

const notConnected = () => Promise.reject(makeError("PP_ENOTCONN", "no_active_node"));
// An array commit's ids come back as one "id,id,..." text (src/commit.c).
const splitIds = (text) => text.split(",");

// PipeProc's proc options (PEER §8.3) -> the addon's arguments. count:
// a negative count (PipeProc's "every remaining log") is the most a claim
// may hold; every other value reaches the node, which checks it.
function procArgs(options) {
	if (!options || typeof options !== "object" || typeof options.name !== "string") {
		throw makeError("PP_EINVALID_NAME", "proc options need a name");
	}
	let count = options.count === undefined || options.count === null ? 1 : options.count;
	if (typeof count === "number" && count < 0) {
		count = 100000;
	}
	let onMax = shapes.ON_MAX.disable;
	if (options.onMaxReclaimsReached !== undefined) {
		onMax = shapes.ON_MAX[options.onMaxReclaimsReached];
		if (onMax === undefined) {
			throw makeError("PP_EINVALID_OPTION",
				"onMaxReclaimsReached must be disable, continue or deadletter");
		}
	}
	return {
		name: options.name,
		offset: typeof options.offset === "string" && options.offset !== "" ? options.offset : ">",
		count,
		maxReclaims: shapes.maxReclaimsToNode(options.maxReclaims),
		reclaimTimeout: options.reclaimTimeout === undefined ? 10000 : options.reclaimTimeout,
		onMax,
		isArray: typeof count === "number" && count > 1,
	};
}

class PipeProcClient {
	constructor() {
		this._handle = null;
		this._claims = new Map(); // proc name -> [first, last] of its claim
		this._lives = new Set();
		this._opening = false; // a spawn or connect is under way
		this._singles = new CommitQueue(this); // one-log commits of this tick
	}

	// ---- process management (PEER §17) ----
	async spawn(options) {
		if (this._handle || this._opening) {
			return "node_already_active";
		}
		const opts = spawnOptions(options);
		this._opening = true;
		try {
			this._handle = await native.spawn(opts).catch(rethrow);
		} finally {
			this._opening = false;
		}
		this.pipeProcNode = { spawned: true, address: opts.address };
		return "spawned_and_connected";
	}

	async connect(options) {
		if (this._handle || this._opening) {
			return "already_connected";
		}
		const opts = connectOptions(options);
		this._opening = true;
		try {
			this._handle = await native.connect(opts);
		} catch (reason) {
			const err = fromNative(reason);
			if (err.code === "PP_ETIMEDOUT") {
				err.message = "connection timed-out";
			} else if (err.code === "PP_EADDR") {
				err.message = "Invalid connection address: " + opts.address;
			} else if (err.code === "PP_ECONNREFUSED") {
				err.message = "connect ECONNREFUSED " + opts.address;
			}
			throw err;
		} finally {
			this._opening = false;
		}
		this.pipeProcNode = { connected: true, address: opts.address };
		return "connected";
	}

	async shutdown() {
		const handle = this._handle;
		if (!handle) {
			throw makeError("PP_ENOTCONN", "no_active_node");
		}
		this._singles.flush();
		this._handle = null;
		delete this.pipeProcNode;
		for (const live of this._lives) {
			live._stop();
		}
		const wasSpawner = await native.shutdown(handle, true).catch(rethrow);
		return wasSpawner ? "closed" : "disconnected";
	}

	// ---- commit (PEER §5) ----
	commit(logs) {
		if (!this._handle) {
			return notConnected();
		}
		const isArray = Array.isArray(logs);
		let rec, body;
		try {
			if (!isArray) {
				// The hot path: one log, no arrays on either side.
				shapes.checkTopic(logs === null || typeof logs !== "object" ? undefined : logs.topic);
				body = shapes.bodyText(logs.body);
			} else if (logs.length === 0) {
				throw makeError("PP_EEMPTY", "nothing to commit");
			} else {
				rec = shapes.recordTexts(logs);
			}
		} catch (err) {
			return Promise.reject(err);
		}
		if (!isArray) {
			return this._singles.add(logs.topic, body);
		}
		this._singles.flush();
		return native.commitText(this._handle, rec[0], rec[1], logs.length).then(splitIds);
	}

	// ---- reads (PEER §6, §7) ----
	_range(topic, options, reverse) {
		if (!this._handle) {
			return notConnected();
		}
		options = options || {};
		try {
			shapes.checkTopic(topic);
		} catch (err) {
			return Promise.reject(err);
		}
		this._singles.flush();
		const str = (v) => (v === undefined || v === null || v === "" ? null : String(v));
		const limit = typeof options.limit === "number" && options.limit > 0 ? options.limit : 0;
		return readRange(this._handle, topic, str(options.start), str(options.end),
			limit, !!options.exclusive, reverse);
	}

	range(topic, options) {
		return this._range(topic, options, false);
	}

	revrange(topic, options) {
		return this._range(topic, options, true);
	}

	length(topic) {
		if (!this._handle) {
			return notConnected();
		}
		try {
			shapes.checkTopic(topic);
		} catch (err) {
			return Promise.reject(err);
		}
		this._singles.flush();
		return native.length(this._handle, topic).catch(rethrow);
	}

	// ---- procs (PEER §8-§11, §14) ----
	_claimed(name, r, isArray) {
		if (r === null) {
			return undefined;
		}
		// r: [token, count, json, index] or [token, ids[], bodies[], index]
		const out = shapes.claimLogs([r[1], r[2]]);
		this._claims.set(name, [out[0].id, out[out.length - 1].id]);
		return out.length === 1 && !isArray ? out[0] : out;
	}

	proc(topic, options, waitMs) {
		if (!this._handle) {
			return notConnected();
		}
		let a;
		try {
			a = procArgs(options);
			if (typeof topic !== "string") {
				throw makeError("PP_EINVALID_TOPIC", "invalid topic name");
			}
		} catch (err) {
			return Promise.reject(err);
		}
		return native.proc(this._handle, topic, a.name, a.offset, a.count, a.maxReclaims,
			a.reclaimTimeout, a.onMax, waitMs || 0).then(
			(r) => this._claimed(a.name, r, a.isArray), rethrow);
	}

	async ack(procName) {
		if (!this._handle) {
			throw makeError("PP_ENOTCONN", "no_active_node");
		}
		const acked = await native.ack(this._handle, procName).catch(rethrow);
		return this._ackedRange(procName, acked);
	}

	// The range an ack covered: the claim this client saw, else the
	// node's record of the last ack (a claim made by another client).
	async _ackedRange(procName, acked) {
		const claim = this._claims.get(procName);
		this._claims.delete(procName);
		if (claim && claim[1] === acked) {
			return shapes.range(claim[0], claim[1]);
		}
		const p = await this.inspectProc(procName).catch(() => null);
		return p && p.lastAckedRange ? p.lastAckedRange : shapes.range(acked, acked);
	}

	async ackCommit(procName, logs) {
		if (!this._handle) {
			throw makeError("PP_ENOTCONN", "no_active_node");
		}
		const isArray = Array.isArray(logs);
		if (isArray && logs.length === 0) {
			throw makeError("PP_EEMPTY", "nothing to commit", "invalid_ack_or_commit");
		}
		const rec = shapes.records(isArray ? logs : [logs]);
		const claim = this._claims.get(procName);
		this._singles.flush();
		const ids = await native.ackCommit(this._handle, procName, rec[0], rec[1]).catch(rethrow);
		this._claims.delete(procName);
		let ackedLogId = claim ? shapes.range(claim[0], claim[1]) : "";
		if (!ackedLogId) {
			const p = await this.inspectProc(procName).catch(() => null);
			ackedLogId = p ? p.lastAckedRange : "";
		}
		return { ackedLogId, id: isArray ? ids : ids[0] };
	}

	async reclaimProc(procName, error) {
		if (!this._handle) {
			throw makeError("PP_ENOTCONN", "no_active_node");
		}
		await native.reclaim(this._handle, procName,
			error === undefined ? null : String(error)).catch(rethrow);
		this._claims.delete(procName);
		const p = await this.inspectProc(procName).catch(() => null);
		return p ? p.lastClaimedRange : "";
	}

	_admin(fn, name) {
		if (!this._handle) {
			return notConnected();
		}
		return fn(this._handle, name).then(
			(list) => shapes.procObject(list[0]), rethrow);
	}

	inspectProc(name) {
		return this._admin(native.inspectProc, name);
	}

	destroyProc(name) {
		return this._admin(native.destroyProc, name).then((p) => {
			this._claims.delete(name);
			return p;
		});
	}

	disableProc(name) {
		return this._admin(native.disableProc, name);
	}

	resumeProc(name) {
		return this._admin(native.resumeProc, name);
	}

	// PEER §11: procs not created yet are served first (created by a
	// claim), then the node's round robin over the listed ones.
	async availableProc(procList, waitMs) {
		if (!this._handle) {
			throw makeError("PP_ENOTCONN", "no_active_node");
		}
		if (!Array.isArray(procList)) {
			throw makeError("PP_EINVAL", "availableProc needs an array of procs");
		}
		const list = procList.filter((p) => p && p.name && p.topic && p.offset);
		if (list.length === 0) {
			return undefined;
		}
		for (const p of list) {
			const exists = await native.inspectProc(this._handle, p.name).then(
				() => true, (r) => {
					const err = fromNative(r);
					if (err.code === "PP_ENOPROC") {
						return false;
					}
					throw err;
				});
			if (!exists) {
				const log = await this.proc(p.topic, p);
				return log === undefined ? undefined : { procName: p.name, log };
			}
		}
		const r = await native.availableProc(this._handle, list.map((p) => p.name),
			waitMs || 0).catch(rethrow);
		if (r === null) {
			return undefined;
		}
		const entry = list[r[3]];
		const a = procArgs(entry);
		return { procName: entry.name, log: this._claimed(entry.name, r, a.isArray) };
	}

	// PEER §14 with §23.15: done = nothing claimed and the cursor at the
	// end. names: undefined (all), a name or an array; options.timeout ms.
	waitForProcs(names, options) {
		if (!this._handle) {
			return notConnected();
		}
		const list = names === undefined || names === null ? null
			: Array.isArray(names) ? names : [names];
		const timeout = options && typeof options.timeout === "number" ? options.timeout : -1;
		return native.waitForProcs(this._handle, list, timeout).then(() => undefined, rethrow);
	}

	// ---- liveProc (PEER §13) and systemProc (PEER §12) ----
	liveProc(options) {
		if (!options || typeof options.topic !== "string") {
			throw makeError("PP_EINVALID_TOPIC", "liveProc needs a topic");
		}
		return new LiveProc(this, options);
	}

	systemProc(options) {
		if (!this._handle) {
			return notConnected();
		}
		return system.create(this, options);
	}

	// The node's metrics (pp_stats(3)'s JSON, as `pipeproc stats`).
	stats() {
		if (!this._handle) {
			return notConnected();
		}
		return native.stats(this._handle).then((text) => JSON.parse(text), rethrow);
	}

	destroySystemProc(name) {
		if (!this._handle) {
			return notConnected();
		}
		return native.destroySystemProc(this._handle, name).catch(rethrow);
	}
}

function PipeProc() {
	return new PipeProcClient();
}
// Both `require("pipeproc")()` and `require("pipeproc").PipeProc()`.
PipeProc.PipeProc = PipeProc;
PipeProc.PipeProcClient = PipeProcClient;
PipeProc.version = native.version;
PipeProc.default = PipeProc;

module.exports = PipeProc;
