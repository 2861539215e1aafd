"use strict";
// Errors are made here, in JS: an Error whose `code` is the PP_E name of
// the failure and whose message is PipeProc's text where PEER §21 gives
// one (so programs matching on PipeProc's messages keep working), else
// the library's text with the node's detail.
const native = require("./native");

// PP_E name -> PipeProc's errStatus (PEER §21, §23.8).
const PIPEPROC_TEXT = {
	PP_ENOTCONN: "no_active_node",
	PP_EINVALID_TOPIC: "invalid_topic_format",
	PP_EINVALID_BODY: "invalid_log_format",
	PP_EEMPTY: "uncommited",
	PP_ENOTOPIC: "invalid_topic",
	PP_EINVALID_ID: "invalid_range_offset",
	PP_ENOPROC: "invalid_proc",
	PP_EPROC_DISABLED: "proc_is_disabled",
	PP_EPROC_EXISTS: "proc_name_not_unique",
	PP_EPROC_ALREADY_DISABLED: "proc_already_disabled",
	PP_EPROC_ALREADY_ACTIVE: "proc_already_active",
	PP_ENOTHING_TO_RECLAIM: "nothing_to_reclaim",
	PP_ENOTHING_TO_ACK: "nothing_to_ack",
};

const names = new Map();
function errname(code) {
	let name = names.get(code);
	if (name === undefined) {
		name = native.errname(code);
		names.set(code, name);
	}
	return name;
}

// makeError(code, detail[, text]): code is a PP_E* number or name.
function makeError(code, detail, text) {
	const errno = typeof code === "number" ? code : undefined;
	const name = typeof code === "number" ? errname(code) : code;
	const message = text || PIPEPROC_TEXT[name] ||
		(detail ? detail : (errno !== undefined ? native.strerror(errno) : name));
	const err = new Error(message);
	err.code = name;
	if (errno !== undefined) {
		err.errno = errno;
	}
	if (detail && detail !== message) {
		err.detail = detail;
	}
	return err;
}

// The addon rejects with [code, detail]; anything else passes through.
function fromNative(reason) {
	if (Array.isArray(reason) && typeof reason[0] === "number") {
		return makeError(reason[0], reason[1]);
	}
	return reason;
}

function rethrow(reason) {
	throw fromNative(reason);
}

// The addon makes every rejection through this, so callers get Errors
// made here without a .catch() per call.
native.setErrorFactory((code, detail) => makeError(code, detail));

module.exports = { makeError, fromNative, rethrow, errname, PIPEPROC_TEXT };
