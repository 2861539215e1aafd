/*
 * source_lag_test.c - a source's lag (issue 12 item 3): the worker
 * running a source reports the newest upstream sequence, the node shows
 * it against the producer table in pp_sources(), pp_stats(), its JSON and
 * /metrics. Driven by the test plugin lag_source (test/plugins/), whose
 * upstream is a file this test writes, so no NATS is needed: unknown
 * before the first report (not 0), the lag while behind, 0 once stored,
 * unchanged across a kill -9 of the worker, unknown again after a node
 * restart until the next report and for a source created anew under the
 * same name; reports for what is not a source, or with a bad key, are
 * refused with clear codes; an idle source whose producer key the node
 * forgot (dedupe window) does not show its whole upstream as lag.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stddef.h>

#include "client.h"
#include "harness.h"
#include "pipeproc_plugin.h"
#include "metrics_util.h"
#include "source_lag.h"
#include "system_util.h"
#include "wire.h"

#define KEY "test/lag"

/* A source as read afresh: the scalars of pp_source_info, and copies of
 * its strings. */
typedef struct seen {
	pp_source_info i;
	char           name[256];
	char           topic[256];
	char           producer[256];
	char           plugin[4200];
} seen;

/* Reads source `name` through pp_sources() into *out; false when the
 * node lists no such source. */
static bool
source_get(pp_client *c, const char *name, seen *out)
{
	pp_source_list       *l;
	const pp_source_info *s;
	size_t                i;
	bool                  is_found = false;

	PP_PASS(pp_sources(c, &l));
	for (i = 0; i < pp_source_list_count(l); i++) {
		s = pp_source_list_get(l, i);
		if (strcmp(s->name, name) != 0) {
			continue;
		}
		out->i = *s;
		snprintf(out->name, sizeof(out->name), "%s", s->name);
		snprintf(out->topic, sizeof(out->topic), "%s", s->topic);
		snprintf(out->producer, sizeof(out->producer), "%s",
		    s->producer);
		snprintf(out->plugin, sizeof(out->plugin), "%s", s->plugin);
		is_found = true;
	}
	PP_ASSERT_TRUE(pp_source_list_get(l, i) == NULL);
	pp_source_list_free(l);
	return is_found;
}

/* True when `name` has a report saying upstream `head` and lag `lag`. */
static bool
lag_is(pp_client *c, const char *name, uint64_t head, uint64_t lag)
{
	seen s;

	return source_get(c, name, &s) && s.i.has_report &&
	    s.i.upstream_seq == head && s.i.lag == lag;
}

/* Writes "HEAD UPTO" to the plugin's file, atomically (rename). */
static void
upstream(const char *path, uint64_t head, uint64_t upto)
{
	char  tmp[PP_T_PATH + 8];
	FILE *f;

	pp_t_format(tmp, sizeof(tmp), "%s.new", path);
	if ((f = fopen(tmp, "w")) == NULL) {
		PP_FAIL_AT("cannot write %s", tmp);
	}
	fprintf(f, "%llu %llu\n", (unsigned long long) head,
	    (unsigned long long) upto);
	fclose(f);
	if (rename(tmp, path) != 0) {
		PP_FAIL_AT("cannot rename %s", tmp);
	}
}

/* Creates source `name` into topic "out" reading the file `path`. */
static void
create(pp_client *c, const char *name, const char *path)
{
	static const char *const to[] = { "out" };
	pp_source_opts           o;
	char                     config[PP_T_PATH + 64];
	const char              *plugin = system_test_plugin("lag_source", 0);

	if (plugin == NULL) {
		PP_FAIL_AT("build/test/plugins/lag_source.so is not built");
	}
	pp_t_format(config, sizeof(config), "file=%s;key=" KEY, path);
	memset(&o, 0, sizeof(o));
	o.to     = to;
	o.nto    = 1;
	o.plugin = plugin;
	o.config = config;
	PP_PASS(pp_source(c, name, &o));
}

/* The lag of source `name` as pp_stats() has it, and its JSON. */
static void
check_stats(pp_client *c, const char *name, bool has_report, uint64_t lag,
    const char *json_part)
{
	pp_stats_report      *r;
	const pp_source_info *s = NULL;
	char                 *json;
	size_t                i;

	PP_PASS(pp_stats(c, &r));
	for (i = 0; i < pp_stats_source_count(r); i++) {
		if (strcmp(pp_stats_source(r, i)->name, name) == 0) {
			s = pp_stats_source(r, i);
		}
	}
	PP_ASSERT_TRUE(s != NULL);
	PP_ASSERT_TRUE(pp_stats_source(r, i) == NULL);
	PP_ASSERT_INT_EQ(s->has_report, has_report);
	PP_ASSERT_U64_EQ(s->lag, lag);
	/* A source is no proc. */
	for (i = 0; i < pp_stats_proc_count(r); i++) {
		PP_ASSERT_TRUE(strcmp(pp_stats_proc(r, i)->name, name) != 0);
	}
	PP_PASS(pp_stats_json(r, &json));
	if (strstr(json, json_part) == NULL) {
		PP_FAIL_AT("stats JSON lacks %s: %s", json_part, json);
	}
	free(json);
	pp_stats_free(r);
}

static void
test_lag(void)
{
	pp_spawn_opts so = system_spawn_opts(1, 1, 0);
	pp_tnode      n;
	seen          s;
	char          path[PP_T_PATH];

	pp_t_node_init(&n);
	pp_t_node_start(&n, &so);
	pp_t_format(path, sizeof(path), "%s/upstream", pp_t_root());
	create(n.client, "lag", path);

	/* Before any report: listed, lag unknown (not 0). */
	PP_ASSERT_TRUE(source_get(n.client, "lag", &s));
	PP_ASSERT_STR_EQ(s.topic, "out");
	PP_ASSERT_TRUE(strstr(s.plugin, "lag_source.so") != NULL);
	PP_ASSERT_STR_EQ(s.producer, "");
	PP_ASSERT_INT_EQ(s.i.has_report, false);
	PP_ASSERT_U64_EQ(s.i.lag, 0);
	check_stats(n.client, "lag", false,  0,
	    "{\"name\":\"lag\",\"kind\":\"source\",\"topic\":\"out\"");
	check_stats(n.client, "lag", false, 0,
	    "\"has_report\":false,\"lag\":null,\"upstream_seq\":null");

	/* Upstream at 40, nothing stored: lag 40. */
	upstream(path, 40, 0);
	PP_WAIT_UNTIL(lag_is(n.client, "lag", 40, 40), 20000);
	PP_ASSERT_TRUE(source_get(n.client, "lag", &s));
	PP_ASSERT_STR_EQ(s.producer, KEY);
	PP_ASSERT_U64_EQ(s.i.stored_seq, 0);
	PP_ASSERT_TRUE(s.i.reported_ms > 0);
	PP_ASSERT_TRUE(s.i.report_age_ms < (uint64_t) pp_t_scaled(20000));
	check_stats(n.client, "lag", true, 40,
	    "\"has_report\":true,\"lag\":40,\"upstream_seq\":40,"
	    "\"stored_seq\":0");

	/* Stored part of the way, then all of it. */
	upstream(path, 40, 25);
	PP_WAIT_UNTIL(lag_is(n.client, "lag", 40, 15), 20000);
	upstream(path, 40, 40);
	PP_WAIT_UNTIL(lag_is(n.client, "lag", 40, 0), 20000);
	PP_ASSERT_U64_EQ(system_length(n.client, "out"), 40);
	PP_ASSERT_TRUE(source_get(n.client, "lag", &s));
	PP_ASSERT_U64_EQ(s.i.stored_seq, 40);

	/* Upstream moves on: lag again, then caught up. */
	upstream(path, 3000, 40);
	PP_WAIT_UNTIL(lag_is(n.client, "lag", 3000, 2960), 20000);
	upstream(path, 3000, 3000);
	PP_WAIT_UNTIL(lag_is(n.client, "lag", 3000, 0), 20000);
	PP_ASSERT_U64_EQ(system_length(n.client, "out"), 3000);
	check_stats(n.client, "lag", true, 0, "\"lag\":0,\"upstream_seq\":3000,"
	    "\"stored_seq\":3000");

	/* A stored sequence above the reported head is lag 0, not less. */
	upstream(path, 2000, 3000);
	PP_WAIT_UNTIL(lag_is(n.client, "lag", 2000, 0), 20000);
	pp_t_node_stop(&n);
}

static void
test_crashes(void)
{
	static const char *const extra[] = { "--workers", "1", NULL };
	pp_spawn_opts so = system_spawn_opts(1, 1, 0);
	pp_tnode      n;
	pp_client    *c;
	pid_t         w[4];
	seen          s;
	char          path[PP_T_PATH];

	pp_t_node_init(&n);
	pp_t_node_start(&n, &so);
	pp_t_format(path, sizeof(path), "%s/upstream", pp_t_root());
	create(n.client, "lag", path);
	upstream(path, 500, 200);
	PP_WAIT_UNTIL(lag_is(n.client, "lag", 500, 300), 20000);

	/* kill -9 of the worker: the node keeps the report... */
	PP_ASSERT_INT_EQ(system_worker_pids(n.pid, w, 4), 1);
	kill(w[0], SIGKILL);
	PP_ASSERT_TRUE(pp_t_wait_pid_gone(w[0], pp_t_scaled(10000)));
	PP_ASSERT_TRUE(lag_is(n.client, "lag", 500, 300));
	/* ... and the worker's successor carries on. */
	upstream(path, 700, 700);
	PP_WAIT_UNTIL(lag_is(n.client, "lag", 700, 0), 30000);
	PP_ASSERT_U64_EQ(system_length(n.client, "out"), 700);

	/* kill -9 of the node: nothing persisted, unknown until the next
	 * report (none while the file is gone), then right again. */
	PP_ASSERT_INT_EQ(remove(path), 0);
	pp_t_node_stop(&n);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, extra), 0);
	c = pp_t_connect(n.address);
	PP_ASSERT_TRUE(source_get(c, "lag", &s));
	PP_ASSERT_INT_EQ(s.i.has_report, false);
	upstream(path, 900, 800);
	PP_WAIT_UNTIL(lag_is(c, "lag", 900, 100), 30000);
	pp_t_node_kill(&n, SIGKILL);
	PP_ASSERT_TRUE(pp_t_node_wait(&n, 10000) != -1);
	pp_close(c);
	PP_ASSERT_INT_EQ(remove(path), 0);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, extra), 0);
	c = pp_t_connect(n.address);
	PP_ASSERT_TRUE(source_get(c, "lag", &s));
	PP_ASSERT_INT_EQ(s.i.has_report, false);
	upstream(path, 900, 900);
	PP_WAIT_UNTIL(lag_is(c, "lag", 900, 0), 30000);
	PP_ASSERT_U64_EQ(system_length(c, "out"), 900);
	pp_t_node_kill(&n, SIGTERM);
	PP_ASSERT_TRUE(pp_t_node_wait(&n, 10000) != -1);
	pp_close(c);
}

static void
test_recreated(void)
{
	pp_spawn_opts so = system_spawn_opts(1, 1, 0);
	pp_tnode      n;
	seen          s;
	char          path[PP_T_PATH], other[PP_T_PATH];

	pp_t_node_init(&n);
	pp_t_node_start(&n, &so);
	pp_t_format(path, sizeof(path), "%s/upstream", pp_t_root());
	pp_t_format(other, sizeof(other), "%s/other", pp_t_root());
	create(n.client, "lag", path);
	upstream(path, 10, 0);
	PP_WAIT_UNTIL(lag_is(n.client, "lag", 10, 10), 20000);
	PP_PASS(pp_source_destroy(n.client, "lag"));
	PP_ASSERT_TRUE(!source_get(n.client, "lag", &s));
	/* The same name anew, reading a file that does not exist yet. */
	create(n.client, "lag", other);
	PP_ASSERT_TRUE(source_get(n.client, "lag", &s));
	PP_ASSERT_INT_EQ(s.i.has_report, false);
	upstream(other, 20, 20);
	PP_WAIT_UNTIL(lag_is(n.client, "lag", 20, 0), 20000);
	pp_t_node_stop(&n);
}

/* The node's last applied sequence of KEY (0: none or forgotten). */
static uint64_t
stored_of(pp_client *c)
{
	pp_producer_info info;

	PP_PASS(pp_producer(c, KEY, &info));
	return info.last_seq;
}

static void
test_forgotten_key(void)
{
	static const char *const extra[] = { "--workers", "1",
		"--dedupe-window", "1000", NULL };
	pp_tnode   n;
	pp_client *c;
	seen       s;
	char       path[PP_T_PATH];

	pp_t_node_init(&n);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, extra), 0);
	c = pp_t_connect(n.address);
	pp_t_format(path, sizeof(path), "%s/upstream", pp_t_root());
	create(c, "lag", path);
	upstream(path, 30, 30);
	PP_WAIT_UNTIL(lag_is(c, "lag", 30, 0), 20000);
	/* The source goes idle; after the dedupe window the node forgets
	 * its key... */
	PP_ASSERT_INT_EQ(remove(path), 0);
	PP_WAIT_UNTIL(stored_of(c) == 0, 20000);
	/* ... but what was stored still is: no lag appears. */
	PP_ASSERT_TRUE(source_get(c, "lag", &s));
	PP_ASSERT_INT_EQ(s.i.has_report, true);
	PP_ASSERT_U64_EQ(s.i.upstream_seq, 30);
	PP_ASSERT_U64_EQ(s.i.stored_seq, 30);
	PP_ASSERT_U64_EQ(s.i.lag, 0);
	PP_ASSERT_U64_EQ(system_length(c, "out"), 30);
	pp_close(c);
	pp_t_node_kill(&n, SIGTERM);
	PP_ASSERT_TRUE(pp_t_node_wait(&n, 10000) != -1);
}

/* A srcreport frame with a key the library would refuse, sent raw. */
static int
raw_report(pp_client *c, const char *name, const char *key)
{
	ppi_buf   req;
	ppi_frame reply;
	char      msg[256];
	int       rv;

	ppi_buf_init(&req);
	ppi_wire_srcreport(&req, name, key, 5);
	rv = ppi_client_call(c, &req, &reply);
	ppi_buf_fini(&req);
	if (rv == 0) {
		rv = ppi_wire_decode_status(reply.data, reply.len, msg,
		    sizeof(msg));
		ppi_frame_free(&reply);
	}
	return rv;
}

static void
test_refused(pp_tnode *n)
{
	static const char *const in[]  = { "in" };
	static const char *const out[] = { "out" };
	pp_system_proc_opts      o;
	char                     path[PP_T_PATH], key[PP_PRODUCER_MAX + 2];

	/* The file never exists: only this test reports. */
	pp_t_format(path, sizeof(path), "%s/upstream", pp_t_root());
	create(n->client, "src", path);
	o = system_opts(in, 1, out, 1, system_plugin("upper", 0), NULL);
	SYSTEM_CREATE(n->client, "sys", &o);

	PP_FAIL(ppi_source_report(n->client, "nope", KEY, 1), PP_ENOSYSPROC);
	PP_FAIL(ppi_source_report(n->client, "sys", KEY, 1), PP_ENOSYSPROC);
	PP_FAIL(ppi_source_report(n->client, "bad name", KEY, 1),
	    PP_EINVALID_NAME);
	PP_FAIL(ppi_source_report(n->client, "src", "", 1), PP_EINVAL);
	PP_FAIL(ppi_source_report(n->client, "src", "with space", 1),
	    PP_EINVAL);
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	PP_FAIL(ppi_source_report(n->client, "src", key, 1), PP_EINVAL);
	/* The node checks too. */
	PP_ASSERT_INT_EQ(raw_report(n->client, "src", "with space"),
	    PP_EINVAL);
	PP_ASSERT_INT_EQ(raw_report(n->client, "src", ""), PP_EINVAL);
	PP_ASSERT_INT_EQ(raw_report(n->client, "", KEY), PP_EINVALID_NAME);
	PP_ASSERT_INT_EQ(raw_report(n->client, "nope", KEY), PP_ENOSYSPROC);
	PP_ASSERT_TRUE(lag_is(n->client, "src", 0, 0) == false);

	/* A good one is shown. */
	PP_PASS(ppi_source_report(n->client, "src", KEY, 7));
	PP_ASSERT_TRUE(lag_is(n->client, "src", 7, 7));
	PP_FAIL(pp_sources(n->client, NULL), PP_EINVAL);
	PP_ASSERT_INT_EQ(pp_source_list_count(NULL), 0);
	PP_ASSERT_TRUE(pp_source_list_get(NULL, 0) == NULL);
	pp_source_list_free(NULL);
	PP_ASSERT_INT_EQ(pp_stats_source_count(NULL), 0);
	PP_ASSERT_TRUE(pp_stats_source(NULL, 0) == NULL);
}

static void
test_metrics(void)
{
	static const char *const extra[] = { "--workers", "0", "--metrics",
		"http://127.0.0.1:0", NULL };
	pp_tnode    n;
	pp_client  *c;
	char        line[256], path[PP_T_PATH], *body;
	int         port;

	pp_t_node_init(&n);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, extra), 0);
	PP_ASSERT_TRUE(pp_t_read_line(n.out_fd, line, sizeof(line),
	                   pp_t_scaled(10000)) > 0);
	if (sscanf(line, "metrics http://127.0.0.1:%d/metrics", &port) != 1) {
		PP_FAIL_AT("no metrics address in '%s'", line);
	}
	c = pp_t_connect(n.address);
	pp_t_format(path, sizeof(path), "%s/upstream", pp_t_root());
	create(c, "quiet", path);
	create(c, "told", path);
	PP_PASS(ppi_source_report(c, "told", KEY, 12));
	PP_ASSERT_INT_EQ(
	    metrics_http_request(port, "GET", "/metrics", &body, NULL), 200);
	if (strstr(body, "pipeproc_source_lag{source=\"told\",topic=\"out\"} "
	                 "12\n") == NULL ||
	    strstr(body, "pipeproc_source_upstream_sequence{source=\"told\"} "
	                 "12\n") == NULL ||
	    strstr(body, "pipeproc_source_report_age_seconds{source="
	                 "\"told\"}") == NULL) {
		PP_FAIL_AT("/metrics lacks the source's lag: %s", body);
	}
	/* Never reported: left out, not shown as 0. */
	PP_ASSERT_TRUE(strstr(body, "source=\"quiet\"") == NULL);
	free(body);
	pp_close(c);
	pp_t_node_kill(&n, SIGTERM);
	PP_ASSERT_TRUE(pp_t_node_wait(&n, 10000) != -1);
}

/* What a plugin built against this header sees from older hosts. */
static void
test_abi(void)
{
	pp_plugin_info info;

	memset(&info, 0, sizeof(info));
	/* A host older than source_size: its info ends before it. */
	info.size        = (uint32_t) offsetof(pp_plugin_info, source_size);
	info.source_size = (uint32_t) sizeof(pp_plugin_source); /* garbage */
	PP_ASSERT_TRUE(!PP_PLUGIN_SOURCE_HAS_REPORT(&info));
	/* A host that knows the field, but not a source (0). */
	info.size        = sizeof(info);
	info.source_size = 0;
	PP_ASSERT_TRUE(!PP_PLUGIN_SOURCE_HAS_REPORT(&info));
	/* A host whose pp_plugin_source ends before report. */
	info.source_size = (uint32_t) offsetof(pp_plugin_source, report);
	PP_ASSERT_TRUE(!PP_PLUGIN_SOURCE_HAS_REPORT(&info));
	/* This host. */
	info.source_size = (uint32_t) sizeof(pp_plugin_source);
	PP_ASSERT_TRUE(PP_PLUGIN_SOURCE_HAS_REPORT(&info));
}

static const pp_test_case cases[] = {
	PP_CASE("PP_PLUGIN_SOURCE_HAS_REPORT is true only for a host whose "
	    "pp_plugin_source has report()", test_abi, 10),
	PP_CASE("a source's lag is unknown before its first report, then "
	    "upstream minus stored, and 0 once stored",
	    test_lag, 120),
	PP_CASE("the lag stays right across a kill -9 of the worker, and is "
	    "unknown after a node restart or kill -9 until the next report",
	    test_crashes, 120),
	PP_CASE("a source created anew under the same name shows no old "
	    "report", test_recreated, 60),
	PP_CASE("an idle source's lag stays 0 after the node forgot its "
	    "producer key (dedupe window)", test_forgotten_key, 60),
	PP_NODE_CASE("reports for no source, a systemProc, a bad name or a "
	    "bad key are refused with clear codes",
	    test_refused, 60),
	PP_CASE("/metrics carries the lag of the sources that reported",
	    test_metrics, 60),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
