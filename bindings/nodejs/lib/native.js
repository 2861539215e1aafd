"use strict";
// Loads the addon: $PIPEPROC_NODEJS_ADDON (tests, `make test`), the copy
// packed beside this package (npm pack), or the repository's build.
const path = require("path");
const fs = require("fs");

function candidates() {
	const list = [];
	if (process.env.PIPEPROC_NODEJS_ADDON) {
		list.push(process.env.PIPEPROC_NODEJS_ADDON);
	}
	list.push(path.join(__dirname, "..", "build", "pipeproc.node"));
	list.push(path.join(__dirname, "..", "..", "..", "build", "nodejs",
		"pipeproc.node"));
	return list;
}

function load() {
	const tried = [];
	for (const file of candidates()) {
		if (fs.existsSync(file)) {
			return require(file);
		}
		tried.push(file);
	}
	throw new Error("pipeproc: the addon pipeproc.node was not found " +
		"(run `make nodejs`); tried " + tried.join(", "));
}

module.exports = load();
