/*
 * metrics_test.c - metrics of a real node (issue 5 item 4): pp_stats()
 * counters, rates, histograms, store size, topics and procs; the reclaim
 * timer, dead letters, GC and retention counted; paging past one page of
 * topics and procs; pp_stats_json(); the stats frames; and GET /metrics
 * over HTTP (pipeproc-node --metrics), fetched with a plain TCP socket and
 * parsed here as Prometheus text, with its error paths (a bad or busy
 * address at start-up, an unknown path).
 *
 * Nothing sleeps for a fixed time: figures the node updates on its own
 * (the timer, GC) are polled with PP_WAIT_UNTIL.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "wire_stats.h"

/* ---- helpers: stats ---------------------------------------------------- */

static pp_stats_report *
stats_of(pp_client *c)
{
	pp_stats_report *r = NULL;

	PP_PASS(pp_stats(c, &r));
	PP_ASSERT_TRUE(r != NULL);
	return (r);
}

/* A node-wide counter, read afresh (for PP_WAIT_UNTIL). */
#define NODE_FIGURE(c, field) node_figure((c), offsetof(pp_node_stats, field))

static uint64_t
node_figure(pp_client *c, size_t offset)
{
	pp_stats_report *r = stats_of(c);
	uint64_t         v;

	memcpy(&v, (const char *)pp_stats_node(r) + offset, sizeof(v));
	pp_stats_free(r);
	return (v);
}

static const pp_topic_stats *
topic_of(const pp_stats_report *r, const char *name)
{
	size_t i;

	for (i = 0; i < pp_stats_topic_count(r); i++) {
		if (strcmp(pp_stats_topic(r, i)->name, name) == 0) {
			return (pp_stats_topic(r, i));
		}
	}
	PP_FAIL_AT("no topic %s in pp_stats()", name);
}

static const pp_proc_stats *
proc_of(const pp_stats_report *r, const char *name)
{
	size_t i;

	for (i = 0; i < pp_stats_proc_count(r); i++) {
		if (strcmp(pp_stats_proc(r, i)->name, name) == 0) {
			return (pp_stats_proc(r, i));
		}
	}
	PP_FAIL_AT("no proc %s in pp_stats()", name);
}

static pp_claim *
claim(pp_client *c, const char *topic, const char *name,
    const pp_proc_opts *opts, size_t expect)
{
	pp_claim *cl = NULL;

	PP_PASS(pp_proc(c, topic, name, opts, 0, &cl));
	PP_ASSERT_U64_EQ(pp_claim_count(cl), expect);
	return (cl);
}

/* ---- helpers: HTTP and Prometheus text ---------------------------------- */

/* A TCP port nobody listens on right now (bound, then released). */
static int
free_port(void)
{
	struct sockaddr_in sa;
	socklen_t          len = sizeof(sa);
	int                fd  = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family      = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	PP_ASSERT_TRUE(fd >= 0);
	PP_ASSERT_INT_EQ(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	PP_ASSERT_INT_EQ(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	return (ntohs(sa.sin_port));
}

/*
 * Sends "METHOD PATH HTTP/1.0" to 127.0.0.1:port and reads the response
 * until the server closes (HTTP/1.0), within a deadline. Returns the
 * status; *body (malloc'd, NUL-terminated) gets what follows the headers
 * and *headers (may be NULL) the header block.
 */
static int
http_request(int port, const char *method, const char *path, char **body,
    char **headers)
{
	struct sockaddr_in sa;
	struct pollfd      pfd;
	char               req[256], *buf = NULL, *end, *p;
	size_t             len = 0, cap = 0;
	uint64_t           deadline = pp_t_mono_ms() + pp_t_scaled(10000);
	ssize_t            n;
	int                fd, status;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family      = AF_INET;
	sa.sin_port        = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd                 = socket(AF_INET, SOCK_STREAM, 0);
	PP_ASSERT_TRUE(fd >= 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		PP_FAIL_AT("connect to port %d: %s", port, strerror(errno));
	}
	pp_t_format(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n",
	    method, path);
	pp_t_write_all(fd, req, strlen(req));
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap != 0 ? cap * 2 : 65536;
			PP_ASSERT_TRUE((buf = realloc(buf, cap)) != NULL);
		}
		pfd = (struct pollfd){ fd, POLLIN, 0 };
		if (pp_t_mono_ms() > deadline) {
			PP_FAIL_AT("no complete HTTP response within 10 s");
		}
		if (poll(&pfd, 1, 100) <= 0) {
			continue;
		}
		if ((n = read(fd, buf + len, cap - len - 1)) <= 0) {
			break;
		}
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1) {
		PP_FAIL_AT("not an HTTP response: %.80s", buf);
	}
	end = strstr(buf, "\r\n\r\n");
	PP_ASSERT_TRUE(end != NULL);
	*end = '\0';
	if (headers != NULL) {
		*headers = strdup(buf);
	}
	p = strdup(end + 4);
	free(buf);
	*body = p;
	return (status);
}

static bool
is_name_char(char ch, bool is_first)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    ch == '_' || ch == ':' || (!is_first && ch >= '0' && ch <= '9');
}

/*
 * Checks the whole exposition line by line: comments are "# HELP name
 * text" or "# TYPE name counter|gauge|histogram", declared once and
 * before their samples; a sample is name{label="value",...} value.
 * Returns the number of samples.
 */
static size_t
prom_check(char *text)
{
	char   typed[128][96], *line, *save = NULL, *p, *v, *endp;
	size_t ntyped = 0, nsamples = 0, i, len;
	char   family[96];
	bool   found;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "# HELP ", 7) == 0) {
			continue;
		}
		if (strncmp(line, "# TYPE ", 7) == 0) {
			p = line + 7;
			len = strcspn(p, " ");
			PP_ASSERT_TRUE(len > 0 && len < sizeof(family));
			PP_ASSERT_TRUE(strcmp(p + len, " counter") == 0 ||
			    strcmp(p + len, " gauge") == 0 ||
			    strcmp(p + len, " histogram") == 0);
			for (i = 0; i < ntyped; i++) {
				if (strncmp(typed[i], p, len) == 0 &&
				    typed[i][len] == '\0') {
					PP_FAIL_AT("TYPE twice: %s", line);
				}
			}
			PP_ASSERT_TRUE(ntyped < 128);
			memcpy(typed[ntyped], p, len);
			typed[ntyped++][len] = '\0';
			continue;
		}
		PP_ASSERT_TRUE(line[0] != '#');
		/* name */
		for (p = line; is_name_char(*p, p == line); p++) {
		}
		if (p == line) {
			PP_FAIL_AT("bad sample line: %s", line);
		}
		len = (size_t)(p - line);
		memcpy(family, line, len);
		family[len] = '\0';
		/* labels */
		if (*p == '{') {
			p++;
			while (*p != '}') {
				while (is_name_char(*p, false)) {
					p++;
				}
				if (p[0] != '=' || p[1] != '"') {
					PP_FAIL_AT("bad label in: %s", line);
				}
				for (p += 2; *p != '"'; p++) {
					if (*p == '\0') {
						PP_FAIL_AT("open label: %s", line);
					}
					p += *p == '\\' ? 1 : 0;
				}
				p++;
				p += *p == ',' ? 1 : 0;
			}
			p++;
		}
		if (*p != ' ') {
			PP_FAIL_AT("no value in: %s", line);
		}
		v = p + 1;
		(void)strtod(v, &endp);
		if (endp == v || *endp != '\0') {
			PP_FAIL_AT("bad value in: %s", line);
		}
		/* Its family was typed before: the name, or the name of a
		 * histogram without _bucket, _sum or _count. */
		found = false;
		for (i = 0; i < ntyped && !found; i++) {
			len   = strlen(typed[i]);
			found = strncmp(family, typed[i], len) == 0 &&
			    (family[len] == '\0' ||
			        strcmp(family + len, "_bucket") == 0 ||
			        strcmp(family + len, "_sum") == 0 ||
			        strcmp(family + len, "_count") == 0);
		}
		if (!found) {
			PP_FAIL_AT("sample before its TYPE: %s", line);
		}
		nsamples++;
	}
	return (nsamples);
}

/* The value of the sample `series` (name and labels exactly). */
static double
prom_value(const char *text, const char *series)
{
	const char *p = text;
	size_t      len = strlen(series);

	while ((p = strstr(p, series)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[len] == ' ') {
			return (strtod(p + len + 1, NULL));
		}
		p += len;
	}
	PP_FAIL_AT("no sample %s", series);
}

/* ---- cases: pp_stats --------------------------------------------------------- */

static void
test_commit_counters(pp_tnode *n)
{
	pp_record              recs[3] = { { "orders", "aa", 2 },
                     { "orders", "bbb", 3 }, { "audit", "c", 1 } };
	pp_stats_report       *r;
	const pp_node_stats   *st;
	const pp_topic_stats  *t;
	pp_id                  ids[3];
	int                    i;

	r = stats_of(n->client);
	st = pp_stats_node(r);
	PP_ASSERT_U64_EQ(st->commits, 0);
	PP_ASSERT_U64_EQ(st->logs, 0);
	PP_ASSERT_U64_EQ(pp_stats_topic_count(r), 0);
	PP_ASSERT_U64_EQ(pp_stats_proc_count(r), 0);
	PP_ASSERT_TRUE(st->started_ms <= st->now_ms);
	PP_ASSERT_U64_CMP(st->store_file_bytes, >, 0);
	PP_ASSERT_U64_CMP(st->store_used_bytes, >, 0);
	PP_ASSERT_U64_CMP(st->map_bytes, >=, st->store_used_bytes);
	PP_ASSERT_U64_EQ(st->max_store_bytes, 0);
	pp_stats_free(r);

	/* Three commits of three logs (6 bytes), each awaited: three
	 * commit requests, each in its own group. */
	for (i = 0; i < 3; i++) {
		PP_PASS(pp_commit(n->client, recs, 3, ids));
	}
	r  = stats_of(n->client);
	st = pp_stats_node(r);
	PP_ASSERT_U64_EQ(st->commits, 3);
	PP_ASSERT_U64_EQ(st->logs, 9);
	PP_ASSERT_U64_EQ(st->bytes, 18);
	PP_ASSERT_U64_CMP(st->write_requests, >=, 3);
	PP_ASSERT_U64_EQ(st->write_latency_us.count, 3);
	PP_ASSERT_U64_CMP(st->write_latency_us.sum, >, 0);
	PP_ASSERT_U64_EQ(st->write_latency_us.le[st->write_latency_us.nbuckets - 1],
	    UINT64_MAX);
	PP_ASSERT_U64_CMP(st->group_sizes.count, >=, 1);
	PP_ASSERT_U64_EQ(st->group_sizes.sum, st->write_requests);
	/* Within the first 10 s the window reaches back to the start. */
	PP_ASSERT_TRUE(st->logs_per_s > 0 && st->commits_per_s > 0 &&
	    st->bytes_per_s > 0);
	PP_ASSERT_U64_CMP(st->rate_window_ms, <=, 10000);
	PP_ASSERT_U64_EQ(pp_stats_topic_count(r), 2);
	/* Name order: audit, orders. */
	PP_ASSERT_STR_EQ(pp_stats_topic(r, 0)->name, "audit");
	PP_ASSERT_TRUE(pp_stats_topic(r, 2) == NULL);
	t = topic_of(r, "orders");
	PP_ASSERT_U64_EQ(t->count, 6);
	PP_ASSERT_U64_EQ(t->bytes, 15);
	PP_ASSERT_U64_EQ(t->next_seq, 6);
	PP_ASSERT_U64_EQ(t->first.seq, 0);
	PP_ASSERT_U64_EQ(t->last.seq, 5);
	PP_ASSERT_U64_EQ(t->last.ms, ids[1].ms);
	PP_ASSERT_U64_EQ(t->max_count, 0);
	pp_stats_free(r);

	/* Retention limits show up. */
	PP_PASS(pp_topic_config(n->client, "orders", 0, 1000, 0));
	r = stats_of(n->client);
	PP_ASSERT_U64_EQ(topic_of(r, "orders")->max_count, 1000);
	pp_stats_free(r);
}

static void
test_procs(pp_tnode *n)
{
	pp_proc_opts         opts = PP_PROC_OPTS_INIT;
	pp_stats_report     *r;
	const pp_proc_stats *p;
	pp_claim            *cl;
	pp_id                first;
	int                  i;

	first = pp_t_commit_str(n->client, "jobs", "j0");
	for (i = 1; i < 5; i++) {
		pp_t_commit_str(n->client, "jobs", "jx");
	}
	opts.count = 2;
	cl         = claim(n->client, "jobs", "worker", &opts, 2);
	PP_PASS(pp_reclaim(n->client, "worker", pp_claim_token(cl), "boom"));
	pp_claim_free(cl);

	r = stats_of(n->client);
	PP_ASSERT_U64_EQ(pp_stats_node(r)->reclaims, 1);
	PP_ASSERT_U64_EQ(pp_stats_node(r)->timer_reclaims, 0);
	PP_ASSERT_U64_EQ(pp_stats_proc_count(r), 1);
	p = proc_of(r, "worker");
	PP_ASSERT_STR_EQ(p->topic, "jobs");
	PP_ASSERT_TRUE(!p->is_disabled && !p->has_claim);
	PP_ASSERT_U64_EQ(p->lag, 5);
	PP_ASSERT_U64_EQ(p->reclaims, 1);
	PP_ASSERT_U64_EQ(p->oldest_unacked_ms, first.ms);
	/* Measured on the node's clock, which is also ours. */
	PP_ASSERT_U64_CMP(p->oldest_unacked_age_ms, <=,
	    pp_t_now_ms() - first.ms + 1);
	pp_stats_free(r);

	/* Claim and ack: lag drops, the reclaims in a row reset. */
	cl = claim(n->client, "jobs", "worker", &opts, 2);
	PP_PASS(pp_ack(n->client, "worker", pp_claim_token(cl), NULL));
	pp_claim_free(cl);
	PP_PASS(pp_proc_disable(n->client, "worker", NULL));
	r = stats_of(n->client);
	p = proc_of(r, "worker");
	PP_ASSERT_U64_EQ(p->lag, 3);
	PP_ASSERT_U64_EQ(p->reclaims, 0);
	PP_ASSERT_TRUE(p->is_disabled);
	PP_ASSERT_U64_CMP(p->last_acked_ms, >, 0);
	pp_stats_free(r);
}

static void
test_timer_and_dead_letters(pp_tnode *n)
{
	pp_proc_opts     opts = PP_PROC_OPTS_INIT;
	pp_stats_report *r;
	pp_claim        *cl;

	pp_t_commit_str(n->client, "mail", "m0");
	pp_t_commit_str(n->client, "mail", "m1");
	opts.count              = 2;
	opts.max_reclaims       = 0;
	opts.reclaim_timeout_ms = 100;
	opts.on_max_reclaims    = PP_ON_MAX_DEADLETTER;
	cl = claim(n->client, "mail", "sender", &opts, 2);
	pp_claim_free(cl);
	/* The timer reclaims; past max_reclaims the logs go to mail.dead. */
	PP_WAIT_UNTIL(NODE_FIGURE(n->client, timer_reclaims) == 1, 5000);
	r = stats_of(n->client);
	PP_ASSERT_U64_EQ(pp_stats_node(r)->reclaims, 1);
	PP_ASSERT_U64_EQ(pp_stats_node(r)->dead_letters, 2);
	/* Two logs committed, two dead letters appended. */
	PP_ASSERT_U64_EQ(pp_stats_node(r)->logs, 4);
	PP_ASSERT_U64_EQ(pp_stats_node(r)->commits, 2);
	PP_ASSERT_U64_EQ(topic_of(r, "mail.dead")->count, 2);
	PP_ASSERT_U64_EQ(proc_of(r, "sender")->lag, 0);
	pp_stats_free(r);
}

static void
test_gc_and_retention(void)
{
	pp_spawn_opts    o;
	pp_stats_report *r;
	pp_tnode         n;
	int              i;

	memset(&o, 0, sizeof(o));
	o.is_gc                = true;
	o.gc_interval_ms       = 100;
	o.gc_min_prune_time_ms = 1; /* 0 would mean the default 30 s */
	pp_t_node_init(&n);
	pp_t_node_start(&n, &o);
	for (i = 0; i < 5; i++) {
		pp_t_commit_str(n.client, "scratch", "s");
	}
	/* No procs: GC collects them by age; each run is counted. */
	PP_WAIT_UNTIL(NODE_FIGURE(n.client, gc_collected) == 5, 5000);
	PP_WAIT_UNTIL(NODE_FIGURE(n.client, gc_runs) >= 2, 5000);
	PP_ASSERT_U64_EQ(NODE_FIGURE(n.client, retention_dropped), 0);
	pp_t_node_stop(&n);

	/* Without GC, retention alone drops what is over the limit. */
	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	for (i = 0; i < 4; i++) {
		pp_t_commit_str(n.client, "capped", "c");
	}
	PP_PASS(pp_topic_config(n.client, "capped", 0, 1, 0));
	PP_WAIT_UNTIL(NODE_FIGURE(n.client, retention_dropped) == 3, 5000);
	r = stats_of(n.client);
	PP_ASSERT_U64_EQ(pp_stats_node(r)->gc_collected, 3);
	PP_ASSERT_U64_EQ(topic_of(r, "capped")->count, 1);
	PP_ASSERT_U64_EQ(topic_of(r, "capped")->next_seq, 4);
	pp_stats_free(r);
	pp_t_node_stop(&n);
}

#define MANY_TOPICS 1234
#define MANY_PROCS 520

static void
test_paging(void)
{
	pp_record       *recs = calloc(MANY_TOPICS, sizeof(*recs));
	char            (*names)[16] = calloc(MANY_TOPICS, sizeof(*names));
	pp_id           *ids = calloc(MANY_TOPICS, sizeof(*ids));
	pp_proc_opts     opts = PP_PROC_OPTS_INIT;
	pp_stats_report *r;
	pp_claim        *cl;
	pp_tnode         n;
	char             name[32];
	size_t           i;

	PP_ASSERT_TRUE(recs != NULL && names != NULL && ids != NULL);
	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	for (i = 0; i < MANY_TOPICS; i++) {
		pp_t_format(names[i], sizeof(names[i]), "t%05zu", i);
		recs[i].topic = names[i];
		recs[i].body  = "x";
		recs[i].len   = 1;
	}
	PP_PASS(pp_commit(n.client, recs, MANY_TOPICS, ids));
	for (i = 0; i < MANY_PROCS; i++) {
		pp_t_format(name, sizeof(name), "p%05zu", i);
		PP_PASS(pp_proc(n.client, "t00000", name, &opts, 0, &cl));
		pp_claim_free(cl);
	}
	r = stats_of(n.client);
	PP_ASSERT_U64_EQ(pp_stats_topic_count(r), MANY_TOPICS);
	PP_ASSERT_U64_EQ(pp_stats_proc_count(r), MANY_PROCS);
	for (i = 0; i < MANY_TOPICS; i++) {
		PP_ASSERT_STR_EQ(pp_stats_topic(r, i)->name, names[i]);
	}
	for (i = 0; i < MANY_PROCS; i++) {
		pp_t_format(name, sizeof(name), "p%05zu", i);
		PP_ASSERT_STR_EQ(pp_stats_proc(r, i)->name, name);
		PP_ASSERT_TRUE(pp_stats_proc(r, i)->has_claim);
	}
	pp_stats_free(r);
	pp_t_node_stop(&n);
	free(recs);
	free(names);
	free(ids);
}

static void
test_json_and_arguments(void)
{
	pp_proc_opts     opts = PP_PROC_OPTS_INIT;
	pp_stats_report *r;
	pp_claim        *cl;
	pp_tnode         n;
	char            *json = NULL;

	PP_FAIL(pp_stats(NULL, &r), PP_ENOTCONN);
	PP_FAIL(pp_stats_json(NULL, &json), PP_EINVAL);
	pp_stats_free(NULL);
	PP_ASSERT_TRUE(pp_stats_node(NULL) == NULL);
	PP_ASSERT_U64_EQ(pp_stats_topic_count(NULL), 0);
	PP_ASSERT_TRUE(pp_stats_proc(NULL, 0) == NULL);

	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	PP_FAIL(pp_stats(n.client, NULL), PP_EINVAL);
	pp_t_commit_str(n.client, "orders", "hello");
	cl = claim(n.client, "orders", "billing", &opts, 1);
	pp_claim_free(cl);
	r = stats_of(n.client);
	PP_FAIL(pp_stats_json(r, NULL), PP_EINVAL);
	PP_PASS(pp_stats_json(r, &json));
	PP_ASSERT_TRUE(json[0] == '{' && json[strlen(json) - 1] == '}');
	PP_ASSERT_TRUE(strstr(json, "\"logs\":1,") != NULL);
	PP_ASSERT_TRUE(strstr(json, "\"bytes\":5,") != NULL);
	PP_ASSERT_TRUE(strstr(json, "\"topics\":[{\"name\":\"orders\","
	    "\"count\":1,\"bytes\":5,") != NULL);
	PP_ASSERT_TRUE(strstr(json, "\"procs\":[{\"name\":\"billing\","
	    "\"topic\":\"orders\",\"status\":\"active\",\"has_claim\":true,"
	    "\"lag\":1,") != NULL);
	PP_ASSERT_TRUE(strstr(json, "\"write_latency_us\":{\"le\":[") != NULL);
	free(json);
	pp_stats_free(r);
	pp_t_node_stop(&n);
}

static void
test_frames(void)
{
	ppi_request req;
	ppi_buf     b;
	char        msg[256];

	/* A request with an unknown part is a protocol error. */
	ppi_buf_init(&b);
	ppi_wire_stats(&b, PPI_STATS_PROCS, "p1");
	PP_PASS(ppi_wire_request_decode(b.data, b.len, &req, msg, sizeof(msg)));
	PP_ASSERT_INT_EQ(req.op, PPI_OP_STATS);
	PP_ASSERT_U64_EQ(req.part, PPI_STATS_PROCS);
	PP_ASSERT_MEM_EQ(req.after.ptr, req.after.len, "p1", 2);
	ppi_wire_request_fini(&req);
	ppi_buf_fini(&b);
	/* {"v":1, "op":"stats", "part":"nodes"} */
	PP_FAIL(ppi_wire_request_decode("\x83\xa1v\x01\xa2op\xa5stats\xa4part"
	                                "\xa5nodes",
	            29, &req, msg, sizeof(msg)),
	    PP_EPROTO);
	ppi_wire_request_fini(&req);
	/* ... and without a part. */
	PP_FAIL(ppi_wire_request_decode("\x82\xa1v\x01\xa2op\xa5stats", 13,
	            &req, msg, sizeof(msg)),
	    PP_EPROTO);
	ppi_wire_request_fini(&req);
}

/* ---- cases: HTTP ---------------------------------------------------------------- */

/* Starts a node with --metrics on port 0 and returns the port it chose. */
static int
exec_metrics_node(pp_tnode *n)
{
	const char *extra[] = { "--metrics", "http://127.0.0.1:0", NULL };
	char        line[256];
	int         port = 0;

	pp_t_node_init(n);
	PP_ASSERT_INT_EQ(pp_t_node_exec(n, extra), 0);
	PP_ASSERT_TRUE(pp_t_read_line(n->out_fd, line, sizeof(line), 10000) > 0);
	if (sscanf(line, "metrics http://127.0.0.1:%d/metrics", &port) != 1 ||
	    port <= 0) {
		PP_FAIL_AT("unexpected line: %s", line);
	}
	return (port);
}

static void
test_http_metrics(void)
{
	pp_proc_opts opts = PP_PROC_OPTS_INIT;
	pp_record    recs[2] = { { "orders", "abcd", 4 }, { "orders", "ef", 2 } };
	pp_claim    *cl;
	pp_client   *c;
	pp_tnode     n;
	pp_id        ids[2];
	char        *body, *headers, series[256];
	int          port, i;

	port = exec_metrics_node(&n);
	c    = pp_t_connect(n.address);
	for (i = 0; i < 5; i++) {
		PP_PASS(pp_commit(c, recs, 2, ids));
	}
	opts.count = 3;
	cl         = claim(c, "orders", "billing", &opts, 3);
	PP_PASS(pp_reclaim(c, "billing", pp_claim_token(cl), NULL));
	pp_claim_free(cl);

	PP_ASSERT_INT_EQ(http_request(port, "GET", "/metrics", &body, &headers),
	    200);
	PP_ASSERT_TRUE(strstr(headers, "Content-Type: text/plain; "
	                               "version=0.0.4") != NULL);
	PP_ASSERT_TRUE(prom_value(body, "pipeproc_logs_total") == 10);
	PP_ASSERT_TRUE(prom_value(body, "pipeproc_commits_total") == 5);
	PP_ASSERT_TRUE(prom_value(body, "pipeproc_bytes_total") == 30);
	PP_ASSERT_TRUE(prom_value(body, "pipeproc_reclaims_total") == 1);
	/* Five commits and the reclaim: six commit requests. */
	PP_ASSERT_TRUE(
	    prom_value(body, "pipeproc_write_latency_seconds_count") == 6);
	PP_ASSERT_TRUE(prom_value(body,
	                   "pipeproc_write_latency_seconds_bucket{le=\"+Inf\"}") ==
	    6);
	PP_ASSERT_TRUE(prom_value(body, "pipeproc_group_commit_size_sum") ==
	    prom_value(body, "pipeproc_write_requests_total"));
	PP_ASSERT_TRUE(prom_value(body, "pipeproc_logs_per_second") > 0);
	PP_ASSERT_TRUE(prom_value(body, "pipeproc_store_file_bytes") > 0);
	PP_ASSERT_TRUE(
	    prom_value(body, "pipeproc_topic_logs{topic=\"orders\"}") == 10);
	PP_ASSERT_TRUE(
	    prom_value(body, "pipeproc_topic_bytes{topic=\"orders\"}") == 30);
	PP_ASSERT_TRUE(prom_value(body, "pipeproc_topic_appended_logs_total"
	                                "{topic=\"orders\"}") == 10);
	pp_t_format(series, sizeof(series),
	    "pipeproc_proc_lag_logs{proc=\"billing\",topic=\"orders\"}");
	PP_ASSERT_TRUE(prom_value(body, series) == 10);
	PP_ASSERT_TRUE(prom_value(body, "pipeproc_proc_reclaims"
	                                "{proc=\"billing\",topic=\"orders\"}") ==
	    1);
	PP_ASSERT_TRUE(prom_value(body, "pipeproc_proc_disabled"
	                                "{proc=\"billing\",topic=\"orders\"}") ==
	    0);
	PP_ASSERT_TRUE(prom_value(body, "pipeproc_proc_oldest_unacked_age_"
	                                "seconds{proc=\"billing\",topic=\"orders\"}") >=
	    0);
	PP_ASSERT_U64_CMP(prom_check(body), >=, 60);
	free(body);
	free(headers);

	/* The same figure through pp_stats(). */
	PP_ASSERT_U64_EQ(NODE_FIGURE(c, logs), 10);

	/* Unknown paths: 404; HEAD works as GET without a body. */
	PP_ASSERT_INT_EQ(http_request(port, "GET", "/nothing", &body, NULL), 404);
	free(body);
	PP_ASSERT_INT_EQ(http_request(port, "GET", "/metrics/x", &body, NULL),
	    404);
	free(body);
	PP_ASSERT_INT_EQ(http_request(port, "HEAD", "/metrics", &body, NULL),
	    200);
	PP_ASSERT_STR_EQ(body, "");
	free(body);
	pp_close(c);
	pp_t_node_kill(&n, SIGTERM);
	PP_ASSERT_INT_EQ(pp_t_node_wait(&n, 10000), 0);
}

static void
test_spawn_option(void)
{
	pp_spawn_opts o;
	pp_tnode      n;
	char          address[64], *body;
	int           port = free_port(), rv, tries;

	memset(&o, 0, sizeof(o));
	/* Someone may take the free port in between: try a few. */
	for (tries = 0; tries < 5; tries++) {
		pp_t_format(address, sizeof(address), "http://127.0.0.1:%d",
		    port);
		o.metrics_address = address;
		pp_t_node_init(&n);
		if ((rv = pp_t_node_spawn(&n, &o)) != PP_EADDRINUSE) {
			break;
		}
		port = free_port();
	}
	PP_PASS(rv);
	pp_t_commit_str(n.client, "t", "x");
	PP_ASSERT_INT_EQ(http_request(port, "GET", "/metrics", &body, NULL), 200);
	PP_ASSERT_TRUE(prom_value(body, "pipeproc_logs_total") == 1);
	free(body);
	pp_t_node_stop(&n);
}

static void
test_bad_addresses(void)
{
	static const char *const bad[] = { "127.0.0.1:9464", "ftp://127.0.0.1:1",
		"http://", "http://127.0.0.1", "http://127.0.0.1:1/other",
		"http://127.0.0.1:99999" };
	struct sockaddr_in sa;
	pp_spawn_opts      o;
	pp_tnode           n;
	socklen_t          len = sizeof(sa);
	char               address[64];
	size_t             i;
	int                fd;

	memset(&o, 0, sizeof(o));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.metrics_address = bad[i];
		pp_t_node_init(&n);
		PP_FAIL(pp_t_node_spawn(&n, &o), PP_EADDR);
		if (strstr(pp_last_errmsg(), "--metrics") == NULL &&
		    strstr(pp_last_errmsg(), "metrics") == NULL) {
			PP_FAIL_AT("%s: unclear error: %s", bad[i],
			    pp_last_errmsg());
		}
	}
	/* A port another socket listens on. */
	memset(&sa, 0, sizeof(sa));
	sa.sin_family      = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd                 = socket(AF_INET, SOCK_STREAM, 0);
	PP_ASSERT_TRUE(fd >= 0);
	PP_ASSERT_INT_EQ(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	PP_ASSERT_INT_EQ(listen(fd, 1), 0);
	PP_ASSERT_INT_EQ(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	pp_t_format(address, sizeof(address), "http://127.0.0.1:%d",
	    ntohs(sa.sin_port));
	o.metrics_address = address;
	pp_t_node_init(&n);
	PP_FAIL(pp_t_node_spawn(&n, &o), PP_EADDRINUSE);
	PP_ASSERT_TRUE(strstr(pp_last_errmsg(), address) != NULL);
	close(fd);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("pp_stats counts commits, logs, bytes, group commits and write "
	  "latency, and describes the store and every topic",
	    test_commit_counters, 0),
	PP_NODE_CASE("pp_stats reports each proc's lag, oldest unacked log, reclaims in "
	  "a row and state",
	    test_procs, 0),
	PP_NODE_CASE("the reclaim timer and dead letters are counted",
	    test_timer_and_dead_letters, 0),
	PP_CASE("GC runs, collected logs and retention drops are counted",
	    test_gc_and_retention, 0),
	PP_CASE("pp_stats pages through 1,234 topics and 520 procs in name order",
	    test_paging, 120),
	PP_CASE("pp_stats_json writes one JSON object and bad arguments are "
	  "refused",
	    test_json_and_arguments, 0),
	PP_CASE("stats requests round-trip and an unknown part is PP_EPROTO",
	    test_frames, 0),
	PP_CASE("GET /metrics serves Prometheus text that parses and matches what "
	  "was committed; unknown paths get 404",
	    test_http_metrics, 0),
	PP_CASE("pp_spawn_opts.metrics_address serves metrics on that port",
	    test_spawn_option, 0),
	PP_CASE("a malformed or busy --metrics address fails the start with "
	  "PP_EADDR or PP_EADDRINUSE and a clear message",
	    test_bad_addresses, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
