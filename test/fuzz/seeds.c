/*
 * seeds.c - writes the fuzzers' starting corpus with the library's own
 * encoders, so that each harness begins from frames the node and the
 * library really exchange (make fuzz-seeds; the output is checked in
 * under test/fuzz/corpus/).
 *
 *   pipeproc-fuzz-seeds DIR      writes DIR/request/, DIR/reply/, DIR/id/,
 *                                DIR/exec_frame/, DIR/plugin_config/,
 *                                DIR/deadletter/
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "fuzz_reply.h"
#include "wire.h"
#include "wire_stats.h"

static const char *out_dir;

/* Writes `prefix` (when >= 0, one byte) and b as DIR/SUB/NAME. */
static void
put(const char *sub, const char *name, int prefix, ppi_buf *b)
{
	char  path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", out_dir, sub);
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/%s", out_dir, sub, name);
	if (b->is_failed || (f = fopen(path, "wb")) == NULL) {
		perror(path);
		exit(1);
	}
	if (prefix >= 0) {
		fputc(prefix, f);
	}
	fwrite(b->data, 1, b->len, f);
	if (fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	ppi_buf_reset(b);
}

static void
put_text(const char *name, const char *text)
{
	ppi_buf b;

	ppi_buf_init(&b);
	ppi_buf_append(&b, text, strlen(text));
	put("id", name, -1, &b);
	ppi_buf_fini(&b);
}

/* Answers of an exec child (frame.h), behind the harness's three limit
 * bytes: the protocol's own words, as a child writes them. */
static void
put_answer(const char *name, const char *text, size_t len)
{
	ppi_buf b;

	ppi_buf_init(&b);
	ppi_buf_append(&b, "\x40\x40\x08", 3);
	ppi_buf_append(&b, text, len);
	put("exec_frame", name, -1, &b);
	ppi_buf_fini(&b);
}

#define ANSWER(name, text) put_answer(name, text, sizeof(text) - 1)

static void
answers(void)
{
	ANSWER("done", "done\n");
	ANSWER("emit", "emit 5\nHELLO\ndone\n");
	ANSWER("emit_to", "emit_to out 3\nabc\nemit 0\n\ndone\n");
	ANSWER("fail", "fail 4\nboom\n");
	ANSWER("binary", "emit 3\n\0\n\xff\ndone\n");
	ANSWER("cut", "emit 10\nabc");
}

static void
put_config(const char *name, const char *text)
{
	ppi_buf b;

	ppi_buf_init(&b);
	ppi_buf_append(&b, text, strlen(text));
	put("plugin_config", name, -1, &b);
	ppi_buf_fini(&b);
}

/* Plugin configs (the exec plugin's command lines). */
static void
configs(void)
{
	put_config("python", "python3 -u examples/processors/upper.py");
	put_config("timeout", "PIPEPROC_EXEC_TIMEOUT_MS=2500 node host.js x");
	put_config("awk", "awk '/^log/ { print }'");
	put_config("empty", "");
	put_config("assign_only", "A=1 B=2");
	put_config("js_sink", "servers=nats://127.0.0.1:4222,nats://127.0.0.1:4223"
	    "\nsubject=logs.{topic}.{seq}\nstream=LOGS\ntimeout_ms=2000\n");
	put_config("js_source", "servers=nats://127.0.0.1:4222\nstream=LOGS\n"
	    "consumer=b\nbatch=128\nheaders=envelope\n");
}

/* Dead-letter envelopes, as the node writes them (ppi_wire_deadletter). */
static void
deadletters(ppi_buf *b)
{
	ppi_wire_deadletter(b, "p1", "orders", (pp_id){ 1700000000000, 7 }, 3,
	    "boom", "order 7", 7);
	put("deadletter", "plain", -1, b);
	ppi_wire_deadletter(b, "sys__a", "a", (pp_id){ 1, 0 }, 0, "",
	    "\0\xff\n", 3);
	put("deadletter", "binary", -1, b);
	ppi_wire_deadletter(b, "p", "t", (pp_id){ 0, 0 }, 1, "", "", 0);
	put("deadletter", "empty", -1, b);
}

static void
requests(ppi_buf *b)
{
	static const char *const names[] = { "p1", "p2" };
	static const char *const from[] = { "orders" };
	static const char *const to[] = { "out", "audit" };
	pp_record recs[] = {
		{ .topic = "orders", .body = "order 1", .len = 7 },
		{ .topic = "audit", .body = "", .len = 0 },
	};
	pp_proc_opts   po = { .offset = ">", .count = 10, .max_reclaims = 3,
		  .reclaim_timeout_ms = 5000 };
	pp_system_proc_opts so = { .from = from, .nfrom = 1, .to = to,
		.nto = 2, .plugin = "/x/upper.so", .config = "cfg",
		.proc = po };
	ppi_wire_lane  lane = { .cid = 0x1a2e, .rid = 7, .floor = 5 };
	ppi_range_args ra = { .topic = "orders", .start = "1-0", .end = ":9",
		.is_end_excl = true, .limit = 100 };
	ppi_settle st = { .proc = "sys", .token = 42, .recs = recs,
		.count = 2 };

	ppi_wire_hello(b);
	put("request", "hello", -1, b);
	ppi_wire_shutdown(b);
	put("request", "shutdown", -1, b);
	ppi_wire_commit_begin(b, 7, 1, 0, 3);
	ppi_wire_commit_call(b, recs, 2);
	ppi_wire_proc_call(b, PPI_CALL_ACK_COMMIT, "p1", 99, NULL, recs, 1);
	ppi_wire_proc_call(b, PPI_CALL_RECLAIM, "p2", 0, "boom", NULL, 0);
	put("request", "commit", -1, b);
	ppi_wire_range(b, &ra);
	put("request", "range", -1, b);
	ra.is_reverse = true;
	ra.start      = NULL;
	ppi_wire_range(b, &ra);
	put("request", "revrange", -1, b);
	ppi_wire_topic_op(b, PPI_OP_LENGTH, "orders");
	put("request", "length", -1, b);
	ppi_wire_topic_op(b, PPI_OP_STAT, "orders");
	put("request", "stat", -1, b);
	ppi_wire_topics(b, "a");
	put("request", "topics", -1, b);
	ppi_wire_backup(b, "/tmp/backup");
	put("request", "backup", -1, b);
	ppi_wire_topic_config(b, "orders", 1000, 10, 1 << 20);
	put("request", "tconfig", -1, b);
	ppi_wire_topic_delete(b, "orders", true);
	put("request", "tdelete", -1, b);
	ppi_wire_proc(b, "orders", "p1", &po, 250, true, 12345, false, NULL,
	    false);
	put("request", "proc", -1, b);
	ppi_wire_proc(b, "orders", "p1", &po, 250, false, 0, true, &lane, true);
	put("request", "proc_lane", -1, b);
	ppi_wire_proc_admin(b, PPI_OP_PINSPECT, "p1", NULL);
	put("request", "pinspect", -1, b);
	ppi_wire_proc_admin(b, PPI_OP_PDISABLE, "p1", &lane);
	put("request", "pdisable_lane", -1, b);
	ppi_wire_procs(b, NULL);
	put("request", "procs", -1, b);
	ppi_wire_names_op(b, PPI_OP_AVAIL, names, 2, -1);
	put("request", "avail", -1, b);
	ppi_wire_names_op(b, PPI_OP_WAITPROCS, names, 2, 1000);
	put("request", "waitprocs", -1, b);
	ppi_wire_sysproc(b, "sys", &so, "/x/upper.so");
	put("request", "sysproc", -1, b);
	ppi_wire_sysdestroy(b, "sys");
	put("request", "sysdestroy", -1, b);
	ppi_wire_sysclaim(b, 1, 3, 500, &st);
	put("request", "sysclaim", -1, b);
	ppi_wire_stats(b, PPI_STATS_PROCS, "p0");
	put("request", "stats", -1, b);
	ppi_wire_stats(b, PPI_STATS_SOURCES, NULL);
	put("request", "stats_sources", -1, b);
	ppi_wire_srcreport(b, "in", "jetstream/S/c", 1200);
	put("request", "srcreport", -1, b);
}

static void
replies(ppi_buf *b)
{
	static const uint64_t seqs[] = { 4, 5, 6 };
	static const char *const to[] = { "out" };
	static const char *const from[] = { "orders" };
	static const char *const procs[] = { "sys" };
	ppi_wire_entry e[] = { { 1700000000000, 4, "abc", 3 },
		{ 1700000000001, 5, "", 0 } };
	pp_topic_info   ti = { .name = "orders", .count = 2, .bytes = 3,
		  .first = { 1, 0 }, .last = { 2, 1 }, .next_seq = 2 };
	pp_proc_info    pi = { .name = "p1", .topic = "orders", .offset = ">",
		   .last_error = "boom", .opts = { .count = 1 }, .has_claim = true,
		   .claim_token = 77, .system_proc = "", .plugin = "" };
	pp_topic_stats  ts = { .name = "orders" };
	pp_proc_stats   ps = { .name = "p1", .topic = "orders" };
	pp_source_info  src = { .name = "in", .topic = "orders",
		 .plugin = "/x/jetstream.so", .producer = "jetstream/S/c",
		 .has_report = true, .upstream_seq = 1200, .stored_seq = 1000,
		 .lag = 200, .reported_ms = 1700000000000, .report_age_ms = 40 };
	pp_node_stats   ns;
	ppi_wire_sysitem si = { .name = "sys", .plugin = "/x/upper.so",
		.config = "", .to = to, .nto = 1, .from = from, .procs = procs,
		.nfrom = 1, .count = 10 };

	memset(&ns, 0, sizeof(ns));
	ppi_wire_reply_ok(b);
	put("reply", "ok", FUZZ_REPLY_STATUS, b);
	ppi_wire_reply_error(b, PP_ENOTOPIC, "no such topic");
	put("reply", "error", FUZZ_REPLY_STATUS, b);
	ppi_wire_reply_hello(b, 1 << 20, 1234, "/tmp/pipeproc_data",
	    "0123456789abcdef0123456789abcdef");
	put("reply", "hello", FUZZ_REPLY_HELLO, b);
	ppi_wire_reply_commit_begin(b, FUZZ_COMMIT_CALLS);
	ppi_wire_reply_commit_ok(b, 1700000000000, seqs, 1);
	ppi_wire_reply_call(b, 1700000000000, seqs, 3, true, (pp_id){ 9, 9 });
	ppi_wire_reply_commit_err(b, PP_ENOTHING_TO_ACK, "nothing");
	put("reply", "commit", FUZZ_REPLY_COMMIT, b);
	ppi_wire_reply_claim(b, e, 2, 77, 1);
	put("reply", "claim", FUZZ_REPLY_CLAIM, b);
	ppi_wire_reply_range(b, e, 2, true);
	put("reply", "range", FUZZ_REPLY_RANGE, b);
	ppi_wire_reply_count(b, 12);
	put("reply", "count", FUZZ_REPLY_COUNT, b);
	ppi_wire_reply_stat(b, &ti);
	put("reply", "stat", FUZZ_REPLY_STAT, b);
	ppi_wire_reply_topics_begin(b, 1);
	ppi_wire_reply_topics_item(b, &ti);
	ppi_wire_reply_list_end(b, false);
	put("reply", "topics", FUZZ_REPLY_LIST_TOPICS, b);
	ppi_wire_reply_procs_begin(b, 1);
	ppi_wire_reply_procs_item(b, &pi);
	ppi_wire_reply_list_end(b, true);
	put("reply", "procs", FUZZ_REPLY_LIST_PROCS, b);
	ppi_wire_reply_stats_begin(b, 1);
	ppi_wire_reply_stats_topic(b, &ts);
	ppi_wire_reply_list_end(b, false);
	put("reply", "stats_topics", FUZZ_REPLY_LIST_STATS_TOPICS, b);
	ppi_wire_reply_stats_begin(b, 1);
	ppi_wire_reply_stats_proc(b, &ps);
	ppi_wire_reply_list_end(b, false);
	put("reply", "stats_procs", FUZZ_REPLY_LIST_STATS_PROCS, b);
	ppi_wire_reply_stats_begin(b, 2);
	ppi_wire_reply_stats_source(b, &src);
	src.has_report = false;
	src.producer   = "";
	ppi_wire_reply_stats_source(b, &src);
	ppi_wire_reply_list_end(b, false);
	put("reply", "stats_sources", FUZZ_REPLY_LIST_STATS_SOURCES, b);
	ppi_wire_reply_systable(b, 3, &si, 1);
	put("reply", "systable", FUZZ_REPLY_SYSTABLE, b);
	ppi_wire_reply_settle_error(b, PP_ESTALE_CLAIM, "stale");
	put("reply", "settle_error", FUZZ_REPLY_SYSTABLE, b);
	ppi_wire_reply_claim(b, e, 1, 78, 0);
	put("reply", "sysclaim", FUZZ_REPLY_SYSTABLE, b);
	ppi_wire_reply_stats_node(b, &ns);
	put("reply", "stats_node", FUZZ_REPLY_STATS_NODE, b);
}

int
main(int argc, char **argv)
{
	ppi_buf b;

	if (argc != 2) {
		fprintf(stderr, "usage: pipeproc-fuzz-seeds DIR\n");
		return 2;
	}
	out_dir = argv[1];
	if (mkdir(out_dir, 0755) != 0 && errno != EEXIST) {
		perror(out_dir);
		return 1;
	}
	ppi_buf_init(&b);
	requests(&b);
	replies(&b);
	deadletters(&b);
	ppi_buf_fini(&b);
	answers();
	configs();
	put_text("full", "1700000000000-42");
	put_text("max", "18446744073709551615-18446744073709551615");
	put_text("ms", "1700000000000");
	put_text("seq", ":7");
	put_text("zero", "0-0");
	return 0;
}
