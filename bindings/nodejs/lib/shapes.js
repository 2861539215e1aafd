"use strict";
// Result shapes of PipeProc (PEER §5.3, §8.2, §8.4) from the addon's raw
// values, and the checks on what goes in (PEER §4, §5.1).
const { makeError } = require("./errors");

const TOPIC_RE = /^[A-Za-z0-9_.-]{1,200}$/;

// The last topic that passed: commits in a loop mostly name one topic.
let lastGoodTopic = null;

function checkTopic(topic) {
	if (topic === lastGoodTopic) {
		return;
	}
	if (typeof topic !== "string" || !TOPIC_RE.test(topic)) {
		throw makeError("PP_EINVALID_TOPIC", "invalid topic name: " +
			String(topic));
	}
	lastGoodTopic = topic;
}

// A body is a non-null object (arrays included), stored as JSON text.
function bodyText(body) {
	if (body === null || typeof body !== "object") {
		throw makeError("PP_EINVALID_BODY", "a log body must be an object");
	}
	return JSON.stringify(body);
}

// [{topic, body}] -> [topics[], bodies[]], topics checked first (§5.1).
function records(logs) {
	const topics = new Array(logs.length);
	const bodies = new Array(logs.length);
	for (let i = 0; i < logs.length; i++) {
		const log = logs[i];
		checkTopic(log === null || typeof log !== "object" ? undefined : log.topic);
		topics[i] = log.topic;
	}
	for (let i = 0; i < logs.length; i++) {
		bodies[i] = bodyText(logs[i].body);
	}
	return [topics, bodies];
}

// [{topic, body}] -> ["t\nt\n...", JSON text of [body, ...]]: an array
// commit as two strings (the addon splits them, src/split.h), topics
// checked first (§5.1), then every body is an object. A topic cannot
// hold "\n" (checkTopic), so the join is unambiguous.
function recordTexts(logs) {
	const topics = new Array(logs.length);
	const bodies = new Array(logs.length);
	for (let i = 0; i < logs.length; i++) {
		const log = logs[i];
		checkTopic(log === null || typeof log !== "object" ? undefined : log.topic);
		topics[i] = log.topic;
	}
	for (let i = 0; i < logs.length; i++) {
		const body = logs[i].body;
		if (body === null || typeof body !== "object") {
			throw makeError("PP_EINVALID_BODY", "a log body must be an object");
		}
		bodies[i] = body;
	}
	return [topics.join("\n"), JSON.stringify(bodies)];
}

function parseBody(text) {
	try {
		return JSON.parse(text);
	} catch (e) {
		throw makeError("PP_EINVALID_BODY", "stored body is not JSON",
			"malformed_log");
	}
}

// A range's result: [count, "id,id,...", JSON text of [body, ...]] (built
// by the addon from bodies that are JSON already), or [ids[], bodies[]].
// Parsing the bodies alone and pairing them with the split ids here is
// about a third faster than parsing one text of {id, body} objects.
function rangeLogs(r) {
	if (typeof r[0] !== "number") {
		return logs(r[0], r[1]);
	}
	const count = r[0];
	let bodies;
	try {
		bodies = JSON.parse(r[2]);
	} catch (e) {
		bodies = null;
	}
	// A stored body that is not JSON (written by another client) fails
	// the parse, or changes the count: PipeProc's malformed_log.
	if (!Array.isArray(bodies) || bodies.length !== count) {
		throw makeError("PP_EINVALID_BODY", "a stored body is not JSON", "malformed_log");
	}
	const ids = count === 0 ? [] : r[1].split(",");
	const out = new Array(count);
	for (let i = 0; i < count; i++) {
		out[i] = { id: ids[i], body: bodies[i] };
	}
	return out;
}

// A claim's logs: [count, JSON text of [{id, body}]] (json.h), or
// [ids[], bodies[]].
function claimLogs(r) {
	if (typeof r[0] !== "number") {
		return logs(r[0], r[1]);
	}
	let out;
	try {
		out = JSON.parse(r[1]);
	} catch (e) {
		out = null;
	}
	if (!Array.isArray(out) || out.length !== r[0]) {
		throw makeError("PP_EINVALID_BODY", "a stored body is not JSON", "malformed_log");
	}
	return out;
}

function logs(ids, bodies) {
	const out = new Array(ids.length);
	for (let i = 0; i < ids.length; i++) {
		out[i] = { id: ids[i], body: parseBody(bodies[i]) };
	}
	return out;
}

const ON_MAX = { disable: 0, continue: 1, deadletter: 2 };
const ON_MAX_NAMES = ["disable", "continue", "deadletter"];

// PipeProc disables on the M-th reclaim in a row (PEER §9.3), and so does
// the node (issue 13 item 5): M travels as it is, -1 (never) too.
// undefined is PipeProc's default, 10; 0 is falsy there and the library's
// "not given" here, which is 10 as well.
function maxReclaimsToNode(m) {
	if (m === undefined || m === null) {
		return 10;
	}
	return m; // a bad value is the node's to name
}

function maxReclaimsFromNode(v) {
	return v;
}

function range(first, last) {
	return first === undefined ? "" : first + ".." + last;
}

// The library's proc record -> PipeProc's proc object (§8.2), in its key
// order. The node keeps the last acked range and the claim before the
// latest (pp_proc_info); while a claim is outstanding lastClaimedRange is
// that claim, else it is the last acked range (PipeProc's reclaim and ack
// both leave it so).
function procObject(raw) {
	const lastAcked = raw.hasLastAcked ? range(raw.lastAckedFirst, raw.lastAckedLast) : "";
	const claimed = raw.hasClaim ? range(raw.claimFirst, raw.claimLast) : lastAcked;
	const previous = raw.hasPrevClaim ? range(raw.prevClaimFirst, raw.prevClaimLast) : "";
	return {
		name: raw.name,
		topic: raw.topic,
		offset: raw.offset,
		createdAt: raw.createdAt,
		lastClaimedAt: raw.lastClaimedAt,
		lastAckedAt: raw.lastAckedAt,
		lastClaimedRange: claimed,
		lastAckedRange: lastAcked,
		previousClaimedRange: previous,
		status: raw.disabled ? "disabled" : "active",
		reclaims: raw.reclaims,
		maxReclaims: maxReclaimsFromNode(raw.maxReclaims),
		reclaimTimeout: raw.reclaimTimeout,
		onMaxReclaimsReached: ON_MAX_NAMES[raw.onMaxReclaims] || "disable",
		count: raw.count,
		lastError: raw.lastError,
		lag: raw.lag,
	};
}

module.exports = { checkTopic, bodyText, records, recordTexts, logs, rangeLogs, claimLogs, parseBody, procObject,
	ON_MAX, range, maxReclaimsToNode };
