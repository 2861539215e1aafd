"use strict";
// liveProc (PEER §13 with §23.13 and §23.22): a proc named
// liveproc-<32 hex digits> whose claims wait in the node until logs
// arrive (woken by the commit itself: no polling), each wait on its own
// addon thread, so a parked liveProc never blocks another call.
//
// As in PipeProc, nothing is acked automatically: the callback settles
// with this.ack(), this.ackCommit() or this.reclaim(); a claim left
// unsettled comes back after its reclaimTimeout. cancel() disables the
// proc (which answers the parked claim at once), waits for the loop to
// end, then destroys the proc; calling it again returns the same promise.
const crypto = require("crypto");
const { makeError } = require("./errors");

const WAIT_MS = 30000; // one parked claim; an empty answer claims again
const BACKOFF_MIN_MS = 50;
const BACKOFF_MAX_MS = 2000;
// Errors after which the loop stops instead of retrying.
const FINAL = new Set(["PP_ENOTCONN", "PP_ECLOSED", "PP_ESHUTDOWN"]);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class LiveProc {
	constructor(client, options) {
		this.client = client;
		this.topic = options.topic;
		this.name = "liveproc-" + crypto.randomBytes(16).toString("hex");
		this.procName = this.name;
		this.options = {
			name: this.name,
			offset: options.mode === "live" ? "$>" : ">",
			count: options.count,
			onMaxReclaimsReached: "continue",
			maxReclaims: options.maxReclaims,
			reclaimTimeout: options.reclaimTimeout,
		};
		this._stopped = false;
		this._loops = [];
		this._cancel = null;
	}

	// changes(cb): cb.call(this, err, result, next); the next claim is made
	// once next() is called or the promise cb returned settles.
	changes(cb) {
		if (typeof cb !== "function") {
			throw makeError("PP_EINVAL", "changes needs a callback");
		}
		this.client._lives.add(this);
		this._loops.push(this._loop(cb));
		return this;
	}

	_deliver(cb, err, result) {
		return new Promise((resolve) => {
			let ret;
			try {
				ret = cb.call(this, err, result, () => resolve());
			} catch (e) {
				resolve();
				return;
			}
			if (ret && typeof ret.then === "function") {
				ret.then(() => resolve(), () => resolve());
			}
		});
	}

	async _loop(cb) {
		let backoff = BACKOFF_MIN_MS;
		while (!this._stopped) {
			let result;
			try {
				result = await this.client.proc(this.topic, this.options, WAIT_MS);
			} catch (err) {
				if (this._stopped || FINAL.has(err.code)) {
					break;
				}
				await this._deliver(cb, err, null);
				await sleep(backoff);
				backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
				continue;
			}
			if (result === undefined) {
				continue;
			}
			backoff = BACKOFF_MIN_MS;
			await this._deliver(cb, null, result);
		}
	}

	// Called by the client's shutdown: the node is going away.
	_stop() {
		this._stopped = true;
		this.client._lives.delete(this);
	}

	cancel() {
		if (this._cancel === null) {
			this._cancel = this._doCancel();
		}
		return this._cancel;
	}

	async _doCancel() {
		this._stopped = true;
		this.client._lives.delete(this);
		const ignoreMissing = (err) => {
			if (err.code !== "PP_ENOPROC" && err.code !== "PP_EPROC_ALREADY_DISABLED") {
				throw err;
			}
		};
		if (this._loops.length > 0) {
			// Disabling answers a parked claim at once. A claim still on
			// its way may create the proc after a disable found none, so
			// disable again until every loop has ended.
			let ended = false;
			const loops = Promise.all(this._loops).then(() => {
				ended = true;
			});
			while (!ended) {
				await this.client.disableProc(this.name).catch(ignoreMissing);
				await Promise.race([loops, sleep(50)]);
			}
		}
		await this.client.destroyProc(this.name).catch(ignoreMissing);
	}

	inspect() {
		return this.client.inspectProc(this.name);
	}

	destroy() {
		return this.client.destroyProc(this.name);
	}

	disable() {
		return this.client.disableProc(this.name);
	}

	resume() {
		return this.client.resumeProc(this.name);
	}

	reclaim(error) {
		return this.client.reclaimProc(this.name, error);
	}

	ack() {
		return this.client.ack(this.name);
	}

	ackCommit(logs) {
		return this.client.ackCommit(this.name, logs);
	}
}

module.exports = { LiveProc };
