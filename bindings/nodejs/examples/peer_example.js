// A PipeProc 0.4.1 program as its users write it (PEER §2-§14): nothing
// here knows it runs on pipeproc. It spawns the default node
// (ipc://<tmpdir>/pipeproc.default, data in ./pipeproc_data), commits,
// reads, consumes with a proc and a liveProc, and shuts the node down.
"use strict";
const {PipeProc} = require("pipeproc");
const pipeProcClient = PipeProc();

pipeProcClient.spawn({memory: true, workers: 0}).then(function(status) {
    console.log("spawn:", status);
    return pipeProcClient.commit({
        topic: "my_topic",
        body: {greeting: "hello"}
    });
}).then(function(logId) {
    console.log("committed one:", /^[0-9]{13}-[0-9]+$/.test(logId));
    return pipeProcClient.commit([
        {topic: "my_topic", body: {greeting: "hi"}},
        {topic: "my_topic", body: {greeting: "hey"}}
    ]);
}).then(function(logIds) {
    console.log("committed many:", logIds.length);
    return pipeProcClient.range("my_topic", {limit: 2});
}).then(function(logs) {
    console.log("range:", logs.map(function(l) { return l.body.greeting; }).join(","));
    return pipeProcClient.revrange("my_topic", {limit: 1});
}).then(function(logs) {
    console.log("newest:", logs[0].body.greeting);
    return pipeProcClient.proc("my_topic", {
        name: "my_proc",
        offset: ">",
        count: 1,
        maxReclaims: 3,
        reclaimTimeout: 5000,
        onMaxReclaimsReached: "disable"
    });
}).then(function(log) {
    console.log("proc got:", log.body.greeting);
    return pipeProcClient.ack("my_proc");
}).then(function(ackedRange) {
    console.log("acked:", ackedRange.split("..").length === 2);
    return pipeProcClient.inspectProc("my_proc");
}).then(function(myProc) {
    console.log("status:", myProc.status, "reclaims:", myProc.reclaims);
    return new Promise(function(resolve, reject) {
        const liveProc = pipeProcClient.liveProc({topic: "my_topic", mode: "all"});
        const seen = [];
        liveProc.changes(function(err, result) {
            if (err) return reject(err);
            seen.push(result.body.greeting);
            return this.ack().then(function() {
                if (seen.length === 3) {
                    liveProc.cancel().then(function() { resolve(seen); }, reject);
                }
            });
        });
    });
}).then(function(seen) {
    console.log("liveProc saw:", seen.join(","));
    return pipeProcClient.waitForProcs("my_proc", {timeout: 100}).catch(function(err) {
        return "still " + err.code;
    });
}).then(function(waited) {
    console.log("wait:", waited === undefined ? "done" : waited);
    return pipeProcClient.shutdown();
}).then(function(status) {
    console.log("shutdown:", status);
}).catch(function(err) {
    console.error("failed:", err);
    process.exit(1);
});
