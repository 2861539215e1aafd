/*
 * metrics_http_test.c - GET /metrics of a real node over HTTP (issue 5
 * item 4; pipeproc-node --metrics and pp_spawn_opts.metrics_address),
 * fetched with a plain TCP socket and parsed here as Prometheus text, with
 * its error paths (a bad or busy address at start-up, an unknown path).
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
#include "metrics_util.h"

/* ---- helpers: HTTP and Prometheus text ---------------------------------- */

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
	cl         = metrics_claim(c, "orders", "billing", &opts, 3);
	PP_PASS(pp_reclaim(c, "billing", pp_claim_token(cl), NULL));
	pp_claim_free(cl);

	PP_ASSERT_INT_EQ(metrics_http_request(port, "GET", "/metrics", &body, &headers),
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
	PP_ASSERT_INT_EQ(metrics_http_request(port, "GET", "/nothing", &body, NULL), 404);
	free(body);
	PP_ASSERT_INT_EQ(metrics_http_request(port, "GET", "/metrics/x", &body, NULL),
	    404);
	free(body);
	PP_ASSERT_INT_EQ(metrics_http_request(port, "HEAD", "/metrics", &body, NULL),
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
	int           port = metrics_free_port(), rv, tries;

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
		port = metrics_free_port();
	}
	PP_PASS(rv);
	pp_t_commit_str(n.client, "t", "x");
	PP_ASSERT_INT_EQ(metrics_http_request(port, "GET", "/metrics", &body, NULL), 200);
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
	PP_CASE("GET /metrics serves Prometheus text that parses and matches "
	    "what was committed; unknown paths get 404",
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
