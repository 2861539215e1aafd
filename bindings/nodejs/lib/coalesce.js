"use strict";
// The one-log commits a tick makes, handed to the addon together.
//
// `Promise.all` of 100,000 `commit(log)` calls used to cross into the
// addon 100,000 times, each with its own job, promise and hand-back to
// this thread; that, not the commit, was the cost. Now the first commit of
// a tick goes at once, as before (so one `await commit()` at a time pays
// nothing more), and the later ones of the same tick are queued and sent
// at its end (a microtask) as one commitMany: two "\n"-joined texts. Each log is still its own pp_commit_async call
// in the addon, so it stays atomic on its own and fails alone, as before.
// Order is kept: anything else that writes (array commits, ackCommit),
// reads or closes sends the queue first.
const native = require("./native");
const { makeError } = require("./errors");

// A queue this long is sent at once: texts stay a few MB, and the library
// starts sending while this thread still queues.
const MAX_QUEUED = 10000;

// The queue add() is filling: enqueue is one shared executor, not a
// closure per commit (100,000 commits in flight are GC-bound).
let adding = null;
function enqueue(resolve, reject) {
	adding.resolves.push(resolve);
	adding.rejects.push(reject);
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
			q = this._q = { topics: [], bodies: [], resolves: [], rejects: [] };
		}
		adding = q;
		const p = new Promise(enqueue);
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
			for (let i = 0; i < n; i++) {
				q.rejects[i](makeError("PP_ENOTCONN", "no_active_node"));
			}
			return;
		}
		if (n === 1) {
			native.commit1(handle, q.topics[0], q.bodies[0]).then(q.resolves[0], q.rejects[0]);
			return;
		}
		native.commitMany(handle, q.topics.join("\n"), q.bodies.join("\n"), n).then(
			(r) => settle(q, n, r), (err) => {
				for (let i = 0; i < n; i++) {
					q.rejects[i](i === 0 ? err : makeError(err.errno !== undefined ? err.errno : err.code, err.detail));
				}
			});
	}
}

// r: "id,id,..." when every log was committed, else ["id,,id...", codes[]].
function settle(q, n, r) {
	if (typeof r === "string") {
		const ids = r.split(",");
		for (let i = 0; i < n; i++) {
			q.resolves[i](ids[i]);
		}
		return;
	}
	const ids = r[0].split(",");
	const codes = r[1];
	for (let i = 0; i < n; i++) {
		if (codes[i] === 0) {
			q.resolves[i](ids[i]);
		} else {
			q.rejects[i](makeError(codes[i], native.strerror(codes[i])));
		}
	}
}

module.exports = { CommitQueue, MAX_QUEUED };
