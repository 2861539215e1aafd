"use strict";
// A whole range (PEER §6, §7) read in chunks that overlap: while this
// thread parses chunk k into {id, body} objects, an addon thread already
// reads chunk k+1 (one native.range call of CHUNK logs, itself paged
// through the node's bounded pages, as before).
//
// One call for the whole range made the two strictly one after the other:
// the addon read and joined a million logs (about a third of the time),
// then this thread parsed them (the rest). What programs get is the same:
// one array of plain {id, body} objects with parsed bodies. As before, a
// range is not a snapshot: each page is read on its own, so a log
// committed meanwhile may or may not be in it. One difference: a
// shutdown() while a long range is under way now fails it with
// no_active_node at its next chunk, where the one call used to finish.
const native = require("./native");
const shapes = require("./shapes");
const { rethrow } = require("./errors");

// Logs per addon call: large enough that a call's cost is nothing next to
// its logs (~6 MB of text), small enough that the first chunk (which
// nothing overlaps) is a small part of a large range.
const CHUNK = 65536;

// The sequence of the last log of a raw chunk (see shapes.rangeLogs),
// without parsing it.
function lastSeq(raw) {
	let id;
	if (typeof raw[0] === "number") {
		const ids = raw[1];
		id = ids.slice(ids.lastIndexOf(",") + 1);
	} else {
		id = raw[0][raw[0].length - 1];
	}
	return BigInt(id.slice(id.indexOf("-") + 1));
}

function rawCount(raw) {
	return typeof raw[0] === "number" ? raw[0] : raw[0].length;
}

// range(handle, topic, start, end, limit, exclusive, reverse) as the
// addon takes them (start, end: null or a string; limit 0: all) ->
// Promise<[{id, body}]>.
async function readRange(handle, topic, start, end, limit, exclusive, reverse) {
	const parts = [];
	let total = 0;
	let want = limit > 0 ? Math.min(limit, CHUNK) : CHUNK;
	let next = native.range(handle, topic, start, end, want, exclusive, reverse);
	for (;;) {
		const raw = await next.catch(rethrow);
		const n = rawCount(raw);
		next = null;
		total += n;
		// A full chunk may have more after it: ask for the next one now,
		// continuing after this one's last log as the addon does between
		// pages (":S" exclusive when the call is exclusive anyway, else
		// the next sequence inclusive).
		if (n === want && (limit <= 0 || total < limit)) {
			const seq = lastSeq(raw);
			let from = null;
			if (exclusive) {
				from = ":" + seq;
			} else if (!reverse) {
				from = ":" + (seq + 1n);
			} else if (seq > 0n) {
				from = ":" + (seq - 1n);
			}
			if (from !== null) {
				want = limit > 0 ? Math.min(limit - total, CHUNK) : CHUNK;
				next = native.range(handle, topic, from, end, want, exclusive, reverse);
				// Settled below; until then a rejection is not unhandled.
				next.catch(() => {});
			}
		}
		parts.push(shapes.rangeLogs(raw));
		if (next === null) {
			break;
		}
	}
	return parts.length === 1 ? parts[0] : [].concat(...parts);
}

module.exports = { readRange, CHUNK };
