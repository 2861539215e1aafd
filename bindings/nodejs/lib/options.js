"use strict";
// spawn() and connect() options of PipeProc (PEER §17.1, §17.2) checked
// in PipeProc's order and with its messages, then turned into the
// addon's flat option object (pp_spawn_opts / pp_connect_opts).
const fs = require("fs");
const path = require("path");
const { makeError } = require("./errors");

function invalid(text) {
	return makeError("PP_EINVAL", text, text);
}

function tcpAddress(tcp, isTls) {
	if (!tcp || typeof tcp !== "object" || !tcp.host || !tcp.port) {
		throw invalid("tcp connection needs a host and a port");
	}
	const host = String(tcp.host).includes(":") && !String(tcp.host).startsWith("[")
		? "[" + tcp.host + "]" : tcp.host;
	return (isTls ? "tls+tcp://" : "tcp://") + host + ":" + tcp.port;
}

function checkFile(file, text) {
	if (typeof file !== "string" || !fs.existsSync(file)) {
		throw invalid(text);
	}
	return path.resolve(file);
}

// The address PipeProc picks: socket > tcp > the namespace's default
// (left to the library: ipc://$TMPDIR/pipeproc.<namespace>).
function address(options, isTls) {
	if (typeof options.socket === "string" && options.socket !== "") {
		if (isTls && !options.socket.startsWith("tcp://") &&
		    !options.socket.startsWith("tls+tcp://")) {
			throw invalid("Invalid connection address: " + options.socket);
		}
		if (isTls && options.socket.startsWith("tcp://")) {
			return "tls+" + options.socket;
		}
		return options.socket;
	}
	if (options.tcp) {
		return tcpAddress(options.tcp, isTls);
	}
	if (isTls) {
		throw invalid("Invalid connection address: ipc (tls needs tcp)");
	}
	return undefined;
}

// The namespace's default address, as the library makes it (pp_spawn(3)):
// ipc://RUNDIR/pipeproc.<namespace>, RUNDIR $XDG_RUNTIME_DIR/pipeproc,
// else $TMPDIR/pipeproc-<uid>.
function defaultAddress(namespace) {
	const ns = typeof namespace === "string" && namespace !== "" ? namespace : "default";
	const xdg = process.env.XDG_RUNTIME_DIR;
	const rundir = xdg ? path.join(xdg, "pipeproc")
		: path.join(process.env.TMPDIR || "/tmp", "pipeproc-" + process.getuid());
	return "ipc://" + path.join(rundir, "pipeproc." + ns);
}

function integer(v, name) {
	if (v === undefined || v === null) {
		return undefined;
	}
	if (typeof v !== "number" || !Number.isFinite(v)) {
		throw makeError("PP_EINVAL", name + " must be a number");
	}
	return Math.trunc(v);
}

function spawnOptions(options) {
	options = options || {};
	if (options.tcp) {
		tcpAddress(options.tcp, false); // PipeProc checks tcp first
	}
	const out = {};
	const tls = options.tls;
	if (tls) {
		if (!tls.server || !tls.client) {
			throw invalid("tls options require a server and client configuration");
		}
		const ca = checkFile(tls.server.ca, "tls options require a server ca");
		out.tlsCert = checkFile(tls.server.cert, "tls options require a server cert");
		out.tlsKey = checkFile(tls.server.key, "tls options require a server key");
		checkFile(tls.client.ca, "tls options require a client ca");
		out.tlsClientCert = checkFile(tls.client.cert, "tls options require a client cert");
		out.tlsClientKey = checkFile(tls.client.key, "tls options require a client key");
		// One CA signs both sides in pipeproc (pipeproc-node(8)).
		out.tlsCa = ca;
	}
	out.address = address(options, !!tls);
	out.namespace = typeof options.namespace === "string" ? options.namespace : undefined;
	out.memory = !!options.memory;
	if (typeof options.location === "string" && options.location !== "") {
		out.location = path.resolve(options.location);
	}
	// PipeProc: workers 0 -> none, negative -> 1 (PEER §12.3).
	const workers = integer(options.workers, "workers");
	out.workers = workers === undefined ? 0 : workers === 0 ? -1 : Math.max(workers, 1);
	const concurrency = integer(options.workerConcurrency, "workerConcurrency");
	out.workerConcurrency = concurrency === undefined ? 0 : Math.max(concurrency, 1);
	const restart = integer(options.workerRestartAfter, "workerRestartAfter");
	out.workerRestartAfter = restart === undefined ? 0 : Math.max(restart, 0);
	if (options.gc) {
		out.gc = true;
		if (typeof options.gc === "object") {
			out.gcMinPruneTime = integer(options.gc.minPruneTime, "gc.minPruneTime");
			out.gcInterval = integer(options.gc.interval, "gc.interval");
		}
	}
	if (options.tokenFile) {
		out.tokenFile = path.resolve(options.tokenFile);
		out.insecureTcp = !tls && typeof out.address === "string" &&
			out.address.startsWith("tcp://");
	}
	out.requestTimeout = integer(options.requestTimeout, "requestTimeout");
	return out;
}

function connectOptions(options) {
	options = options || {};
	if (options.tcp) {
		tcpAddress(options.tcp, false);
	}
	const out = {};
	const tls = options.tls;
	if (tls) {
		out.tlsCa = checkFile(tls.ca, "tls connect options require a client ca");
		out.tlsClientCert = checkFile(tls.cert, "tls connect options require a client cert");
		out.tlsClientKey = checkFile(tls.key, "tls connect options require a client key");
	}
	out.address = address(options, !!tls);
	if (out.address === undefined) {
		out.address = defaultAddress(options.namespace);
	}
	// PipeProc's timeout (default 1000 ms) bounds the handshake.
	out.timeout = integer(options.timeout, "timeout");
	if (options.token) {
		out.token = String(options.token);
	}
	if (options.tokenFile) {
		out.tokenFile = path.resolve(options.tokenFile);
	}
	out.insecureTcp = !tls && (out.token !== undefined || out.tokenFile !== undefined) &&
		out.address.startsWith("tcp://");
	out.requestTimeout = integer(options.requestTimeout, "requestTimeout");
	return out;
}

module.exports = { spawnOptions, connectOptions };
