"use strict";
// systemProc (PEER §12) with a JS processor: the node's workers run it
// through the `exec` plugin (pipeproc_plugin(7)), whose child is
// `node lib/exec_host.js ...` (one per worker thread). A file processor is
// passed by absolute path; an inline function by its source text
// (fn.toString()), in the command line while that fits the plugin's
// 4096-byte config, else in a file named by the source's hash.
const crypto = require("crypto");
const fs = require("fs");
const os = require("os");
const path = require("path");
const native = require("./native");
const { makeError, rethrow } = require("./errors");
const shapes = require("./shapes");

const CONFIG_MAX = 4096;
const HOST = path.join(__dirname, "exec_host.js");

function quote(s) {
	return "'" + String(s).replace(/'/g, "'\\''") + "'";
}

// The exec plugin: $PIPEPROC_EXEC_PLUGIN, $PIPEPROC_PLUGINS/exec.so, the
// repository's build, where `make install` puts it (plugindir, compiled
// into the addon), else the name "exec" for the workers' plugin path.
function execPlugin() {
	const list = [];
	if (process.env.PIPEPROC_EXEC_PLUGIN) {
		list.push(process.env.PIPEPROC_EXEC_PLUGIN);
	}
	if (process.env.PIPEPROC_PLUGINS) {
		list.push(path.join(process.env.PIPEPROC_PLUGINS, "exec.so"));
	}
	list.push(path.join(__dirname, "..", "..", "..", "build", "plugins", "exec.so"));
	list.push(path.join(native.plugindir, "exec.so"));
	for (const p of list) {
		if (fs.existsSync(p)) {
			return p;
		}
	}
	return "exec"; // a name: the node's workers look in their plugin path
}

function processorArgs(processor) {
	if (typeof processor === "function") {
		const source = processor.toString();
		const b64 = Buffer.from(source, "utf8").toString("base64");
		if (b64.length < CONFIG_MAX - 512) {
			return "--inline " + b64;
		}
		const sha = crypto.createHash("sha256").update(source).digest("hex");
		const file = path.join(os.tmpdir(), "pipeproc-inline-" + sha + ".js");
		fs.writeFileSync(file, "module.exports = (" + source + ");\n", { mode: 0o600 });
		return "--file " + quote(file);
	}
	if (typeof processor === "string" && processor !== "") {
		const file = path.resolve(processor);
		if (!fs.existsSync(file)) {
			throw makeError("PP_EINVAL", "processor file not found: " + file);
		}
		return "--file " + quote(file);
	}
	throw makeError("PP_EINVAL", "a systemProc needs a processor (file or function)",
		"no_valid_processor_provided");
}

function create(client, options) {
	let from, to, config, a;
	try {
		if (!options || typeof options !== "object" || typeof options.name !== "string") {
			throw makeError("PP_EINVALID_NAME", "systemProc needs a name");
		}
		from = Array.isArray(options.from) ? options.from : [options.from];
		to = options.to === undefined || options.to === null || options.to === "" ? []
			: Array.isArray(options.to) ? options.to : [options.to];
		// `exec`: the shell the plugin runs the command with becomes
		// node itself, so the plugin's signals reach the host directly.
		config = "exec " + quote(process.execPath) + " " + quote(HOST) + " " +
			processorArgs(options.processor) + (to.length === 0 ? " --no-to" : "");
		if (Buffer.byteLength(config) > CONFIG_MAX) {
			throw makeError("PP_EINVAL", "processor path too long");
		}
		a = {
			offset: typeof options.offset === "string" && options.offset !== "" ? options.offset : ">",
			count: options.count === undefined ? 1 : options.count,
			maxReclaims: shapes.maxReclaimsToNode(options.maxReclaims),
			reclaimTimeout: options.reclaimTimeout === undefined ? 10000 : options.reclaimTimeout,
			onMax: options.onMaxReclaimsReached === undefined ? 0
				: shapes.ON_MAX[options.onMaxReclaimsReached],
		};
		if (a.onMax === undefined) {
			throw makeError("PP_EINVALID_OPTION",
				"onMaxReclaimsReached must be disable, continue or deadletter");
		}
	} catch (err) {
		return Promise.reject(err);
	}
	return native.systemProc(client._handle, options.name, from, to, execPlugin(), config,
		a.offset, a.count, a.maxReclaims, a.reclaimTimeout, a.onMax).then((list) => {
		const procs = list.map((raw) => shapes.procObject(raw));
		return Array.isArray(options.from) ? procs : procs[0];
	}, rethrow);
}

module.exports = { create, execPlugin };
