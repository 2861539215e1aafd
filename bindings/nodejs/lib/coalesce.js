"use strict";
// The one-log commits a tick makes, handed to the addon together.
//
// `Promise.all` of 100,000 `commit(log)` calls used to cross into the
// addon 100,000 times, each with its own job, promise and hand-back to
// this thread; that, not the commit, was the cost. Now the first commit of
// a tick goes at once, as before (so one `await commit()` at a time pays
// nothing more), and the later ones of the same tick are queued and sent
// at its end (a microtask) as one commitMany: two "\n"-joined texts. The
// addon hands them to pp_commit_async_many, where each log is still its
// own commit, atomic on its own and failing alone, as before.
// Order is kept: anything else that writes (array commits, ackCommit),
// reads or closes sends the queue first.
const native = require("./native");
const { makeError } = require("./errors");

// A queue this long is sent at once: texts stay a few MB, and the library
// starts sending while this thread still queues.
const MAX_QUEUED = 10000;

// The queued commits of a tick. Each commit's promise is
// `batch.promise.then(batch.take, batch.fail)`: the reactions of one
// promise run in the order they were added, so the k-th call of take
// (or fail) belongs to the k-th commit. A commit thus costs one promise
// and one reaction, with no resolving functions, closure or array slots
// of its own: with 100,000 commits in flight, V8's scavenges (which copy
// every live object) were most of the time.
class Batch {
	constructor() {
		this.topics = [];
		this.bodies = [];
		this.ids = null; // string[] once answered
		this.codes = null; // number[] when some failed (0: committed)
		this.k = 0; // reactions run so far
		this.resolve = null;
		this.reject = null;
		this.promise = new Promise((resolve, reject) => {
			this.resolve = resolve;
			this.reject = reject;
		});
		this.take = () => {
			const i = this.k++;
			if (this.codes !== null && this.codes[i] !== 0) {
				throw makeError(this.codes[i], native.strerror(this.codes[i]));
			}
			return this.ids[i];
		};
		// The whole batch failed: each commit gets an Error of its own.
		this.fail = (err) => {
			if (this.k++ === 0) {
				throw err;
			}
			throw makeError(err.errno !== undefined ? err.errno : err.code, err.detail);
		};
	}
}

class CommitQueue {
	constructor(client) {
		this._client = client;
		this._q = null;
		this._inTick = false; // a commit went at once in this tick
		this._endTick = () => {
			this._inTick = false;
			this.flush();
		};
	}

	// A promise of the id of one log (topic checked, body JSON text; the
	// client is connected).
	add(topic, body) {
		if (!this._inTick) {
			this._inTick = true;
			queueMicrotask(this._endTick);
			return native.commit1(this._client._handle, topic, body);
		}
		let q = this._q;
		if (q === null) {
			q = this._q = new Batch();
		}
		const p = q.promise.then(q.take, q.fail);
		q.topics.push(topic);
		q.bodies.push(body);
		if (q.topics.length >= MAX_QUEUED) {
			this.flush();
		}
		return p;
	}

	// Sends what is queued (nothing when the queue is empty).
	flush() {
		const q = this._q;
		if (q === null) {
			return;
		}
		this._q = null;
		const n = q.topics.length;
		const handle = this._client._handle;
		if (!handle) {
			q.reject(makeError("PP_ENOTCONN", "no_active_node"));
			return;
		}
		if (n === 1) {
			native.commit1(handle, q.topics[0], q.bodies[0]).then((id) => {
				q.ids = [id];
				q.resolve();
			}, q.reject);
			return;
		}
		const topics = q.topics.join("\n");
		const bodies = q.bodies.join("\n");
		q.topics = q.bodies = null; // garbage now, not when answered
		native.commitMany(handle, topics, bodies, n).then((r) => {
			// r: "id,id,..." when every log was committed, else
			// ["id,,id...", codes[]].
			if (typeof r === "string") {
				q.ids = r.split(",");
			} else {
				q.ids = r[0].split(",");
				q.codes = r[1];
			}
			q.resolve();
		}, q.reject);
	}
}

module.exports = { CommitQueue, MAX_QUEUED };
