/*
 * http_bounds_test.c - the --metrics HTTP server stays bounded (issue
 * stops, "Noticed": the list endpoints built every item into one
 * response, on the one thread that also answers /metrics, and a client
 * could hold its connection forever).
 *
 * - /topics and /procs are pages: ?limit=N (default 1,000, at most
 *   10,000) after ?after=NAME, with a Link header to the next page, so
 *   no request reads more than a page whatever the node holds; a bad
 *   limit or after is 400 with a JSON error.
 * - /metrics writes the samples of at most 10,000 topics (and procs),
 *   and pipeproc_metrics_truncated says when it left some out.
 * - Clients that send half a request, send nothing, or never read their
 *   answer delay nobody's /metrics, are closed by the server after its
 *   request timeout (5 s), and more of them than the connection cap
 *   (128) do not lock others out.
 *
 * Requests go over plain TCP sockets (metrics_util.c); waits poll with
 * deadlines, never fixed sleeps.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "metrics_util.h"
#include "proc_util.h"

#define TOPICS 2500

/* Starts n with --metrics on a free loopback port and returns the port. */
static int
start_with_http(pp_tnode *n)
{
	pp_spawn_opts o;
	char          address[64];
	int           port = 0, rv = PP_EADDRINUSE, tries;

	memset(&o, 0, sizeof(o));
	for (tries = 0; tries < 5 && rv == PP_EADDRINUSE; tries++) {
		port = metrics_free_port();
		pp_t_format(address, sizeof(address), "http://127.0.0.1:%d",
		    port);
		o.metrics_address = address;
		pp_t_node_init(n);
		rv = pp_t_node_spawn(n, &o);
	}
	PP_PASS(rv);
	return port;
}

/* Items (objects with key "topic" or "name") in a JSON list body. */
static size_t
count_items(const char *body, const char *key)
{
	char        pat[32];
	size_t      n = 0;
	const char *at;

	pp_t_format(pat, sizeof(pat), "{\"%s\":", key);
	for (at = body; (at = strstr(at, pat)) != NULL; at++) {
		n++;
	}
	return n;
}

/* GET path: 200, `want` items, and the next page's path in next ("" when
 * there is no Link). */
static void
page_is_at(int line, int port, const char *path, const char *key,
    size_t want, char *next, size_t nextlen)
{
	char       *body, *headers, *at;
	size_t      got;
	int         status;

	status = metrics_http_request(port, "GET", path, &body, &headers);
	got    = count_items(body, key);
	if (status != 200 || got != want) {
		pp_t_fail(__FILE__, line, "GET %s: %d with %zu items, expected "
		    "200 with %zu: %.200s", path, status, got, want, body);
	}
	next[0] = '\0';
	if ((at = strstr(headers, "\r\nLink: <")) != NULL) {
		char fmt[32];

		pp_t_format(fmt, sizeof(fmt), "\r\nLink: <%%%zu[^>]>",
		    nextlen - 1);
		PP_ASSERT_TRUE(sscanf(at, fmt, next) == 1);
		PP_ASSERT_TRUE(strstr(at, ">; rel=\"next\"") != NULL);
	}
	free(body);
	free(headers);
}

#define PAGE_IS(port, path, key, want, next)                                   \
	page_is_at(__LINE__, (port), (path), (key), (want), (next),            \
	    sizeof(next))

static void
test_list_pages(void)
{
	pp_record *recs  = calloc(TOPICS, sizeof(*recs));
	char (*names)[16] = calloc(TOPICS, sizeof(*names));
	pp_id     *ids   = calloc(TOPICS, sizeof(*ids));
	pp_tnode   n;
	char       next[256], want[256];
	size_t     i;
	int        port = start_with_http(&n);

	PP_ASSERT_TRUE(recs != NULL && names != NULL && ids != NULL);
	for (i = 0; i < TOPICS; i++) {
		pp_t_format(names[i], sizeof(names[i]), "t%05zu", i);
		recs[i] = (pp_record) { names[i], "x", 1 };
	}
	PP_PASS(pp_commit(n.client, recs, TOPICS, ids));

	/* The default page is 1,000; each Link continues after the last. */
	PAGE_IS(port, "/topics", "topic", 1000, next);
	PP_ASSERT_STR_EQ(next, "/topics?after=t00999&limit=1000");
	PAGE_IS(port, next, "topic", 1000, next);
	PP_ASSERT_STR_EQ(next, "/topics?after=t01999&limit=1000");
	PAGE_IS(port, next, "topic", 500, next);
	PP_ASSERT_STR_EQ(next, "");
	/* A page of exactly what is left has no Link either. */
	PAGE_IS(port, "/topics?limit=500&after=t01999", "topic", 500, next);
	PP_ASSERT_STR_EQ(next, "");
	/* Any limit up to the maximum; after need not exist. */
	PAGE_IS(port, "/topics?limit=7&after=t00100x", "topic", 7, next);
	PP_ASSERT_STR_EQ(next, "/topics?after=t00107&limit=7");
	PAGE_IS(port, "/topics?limit=10000", "topic", TOPICS, next);
	PP_ASSERT_STR_EQ(next, "");
	PAGE_IS(port, "/topics?after=zzz", "topic", 0, next);
	PP_ASSERT_STR_EQ(next, "");

	/* procs page the same way. */
	COMMIT_SEQS(n.client, "zz", 0, 1, NULL);
	for (i = 0; i < 12; i++) {
		pp_t_format(want, sizeof(want), "p%02zu", i);
		CLAIM_EXPECT(n.client, "zz", want, NULL, 0, 1);
	}
	PAGE_IS(port, "/procs?limit=5", "name", 5, next);
	PP_ASSERT_STR_EQ(next, "/procs?after=p04&limit=5");
	PAGE_IS(port, next, "name", 5, next);
	PAGE_IS(port, next, "name", 2, next);
	PP_ASSERT_STR_EQ(next, "");
	free(recs);
	free(names);
	free(ids);
	pp_t_node_stop(&n);
}

static void
test_bad_queries(void)
{
	static const char *const bad[] = { "/topics?limit=0",
		"/topics?limit=10001", "/topics?limit=", "/topics?limit=1x",
		"/topics?limit=-1", "/topics?limit=99999999999999999999",
		"/procs?after=a%20b", "/procs?after=",
		"/topics?after=a/b&limit=3" };
	pp_tnode n;
	char    *body;
	size_t   i;
	int      port = start_with_http(&n);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (metrics_http_request(port, "GET", bad[i], &body, NULL) !=
		        400 ||
		    strstr(body, "\"error\":\"PP_EINVAL\"") == NULL) {
			PP_FAIL_AT("GET %s: not 400 PP_EINVAL: %s", bad[i], body);
		}
		free(body);
	}
	/* Unknown keys are ignored, as before. */
	PP_ASSERT_INT_EQ(
	    metrics_http_request(port, "GET", "/topics?pretty=1", &body, NULL),
	    200);
	PP_ASSERT_STR_EQ(body, "[]");
	free(body);
	pp_t_node_stop(&n);
}

/* A TCP connection to the loopback port; fails the case otherwise. */
static int
dial(int port)
{
	struct sockaddr_in sa;
	int                fd;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family      = AF_INET;
	sa.sin_port        = htons((uint16_t) port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	PP_ASSERT_TRUE((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) != 0) {
		PP_FAIL_AT("connect to port %d: %s", port, strerror(errno));
	}
	return fd;
}

/* True when the server closed fd (EOF or reset) within timeout_ms;
 * whatever it sent before is skipped. */
static bool
closed_within(int fd, int timeout_ms)
{
	uint64_t      end = pp_t_mono_ms() + (uint64_t) timeout_ms;
	struct pollfd pfd;
	char          buf[65536];
	ssize_t       r;

	while (pp_t_mono_ms() < end) {
		pfd = (struct pollfd) { fd, POLLIN, 0 };
		if (poll(&pfd, 1, 100) <= 0) {
			continue;
		}
		if ((r = read(fd, buf, sizeof(buf))) <= 0) {
			return true;
		}
	}
	return false;
}

/* GET /metrics answers 200, within ms milliseconds. */
static void
metrics_answers_within(int port, int ms)
{
	uint64_t start = pp_t_mono_ms();
	char    *body;

	PP_ASSERT_INT_EQ(
	    metrics_http_request(port, "GET", "/metrics", &body, NULL), 200);
	PP_ASSERT_TRUE(strstr(body, "pipeproc_") != NULL);
	free(body);
	if (pp_t_mono_ms() - start > (uint64_t) pp_t_scaled(ms)) {
		PP_FAIL_AT("/metrics took %llu ms",
		    (unsigned long long) (pp_t_mono_ms() - start));
	}
}

#define STUCK 8

static void
test_stuck_clients(void)
{
	pp_tnode n;
	int      silent[STUCK], half[STUCK], reader;
	int      port = start_with_http(&n);
	size_t   i;
	char     req[128];

	COMMIT_SEQS(n.client, "t", 0, 1, NULL);
	/* Clients that say nothing, half a request, or ask for a page and
	 * never read it. */
	for (i = 0; i < STUCK; i++) {
		silent[i] = dial(port);
		half[i]   = dial(port);
		pp_t_write_all(half[i], "GET /metr", 9);
	}
	reader = dial(port);
	pp_t_format(req, sizeof(req),
	    "GET /topics?limit=10000 HTTP/1.1\r\nHost: x\r\n\r\n");
	pp_t_write_all(reader, req, strlen(req));
	/* Nobody waits for them. */
	metrics_answers_within(port, 2000);
	metrics_answers_within(port, 2000);
	/* The server closes them at its request timeout (5 s). */
	for (i = 0; i < STUCK; i++) {
		if (!closed_within(silent[i], pp_t_scaled(15000)) ||
		    !closed_within(half[i], 1000)) {
			PP_FAIL_AT("stuck connection %zu still open", i);
		}
		close(silent[i]);
		close(half[i]);
	}
	close(reader);
	metrics_answers_within(port, 2000);
	pp_t_node_stop(&n);
}

#define OVER_CAP 160 /* the server keeps at most 128 connections */

static void
test_more_clients_than_the_cap(void)
{
	pp_tnode n;
	int      fds[OVER_CAP];
	int      port = start_with_http(&n);
	size_t   i, closed = 0;

	for (i = 0; i < OVER_CAP; i++) {
		fds[i] = dial(port);
	}
	/* Newcomers push the oldest idle ones out: /metrics is served. */
	metrics_answers_within(port, 2000);
	/* The oldest went first (the server accepts in dial order). */
	for (i = 0; i < OVER_CAP - 128; i++) {
		closed += closed_within(fds[i], pp_t_scaled(2000));
	}
	if (closed < OVER_CAP - 128) {
		PP_FAIL_AT("only %zu of %d idle connections were dropped",
		    closed, OVER_CAP);
	}
	for (i = 0; i < OVER_CAP; i++) {
		close(fds[i]);
	}
	metrics_answers_within(port, 2000);
	pp_t_node_stop(&n);
}

/* Lines of body that start with prefix. */
static size_t
lines_starting(const char *body, const char *prefix)
{
	const char *at = body;
	size_t      n = 0, len = strlen(prefix);

	while (at != NULL && *at != '\0') {
		n += strncmp(at, prefix, len) == 0;
		at = strchr(at, '\n');
		at = at != NULL ? at + 1 : NULL;
	}
	return n;
}

#define METRICS_TOPICS 10050 /* over the 10,000 series /metrics writes */

static void
test_metrics_bounded(void)
{
	pp_record *recs  = calloc(METRICS_TOPICS, sizeof(*recs));
	char (*names)[16] = calloc(METRICS_TOPICS, sizeof(*names));
	pp_id     *ids   = calloc(METRICS_TOPICS, sizeof(*ids));
	pp_tnode   n;
	char      *body;
	size_t     i;
	int        port = start_with_http(&n);

	PP_ASSERT_TRUE(recs != NULL && names != NULL && ids != NULL);
	PP_ASSERT_INT_EQ(
	    metrics_http_request(port, "GET", "/metrics", &body, NULL), 200);
	PP_ASSERT_TRUE(strstr(body, "\npipeproc_metrics_truncated 0\n") != NULL);
	free(body);
	for (i = 0; i < METRICS_TOPICS; i++) {
		pp_t_format(names[i], sizeof(names[i]), "m%05zu", i);
		recs[i] = (pp_record) { names[i], "x", 1 };
	}
	PP_PASS(pp_commit(n.client, recs, METRICS_TOPICS, ids));
	PP_ASSERT_INT_EQ(
	    metrics_http_request(port, "GET", "/metrics", &body, NULL), 200);
	PP_ASSERT_U64_EQ(lines_starting(body, "pipeproc_topic_logs{"), 10000);
	PP_ASSERT_TRUE(strstr(body, "pipeproc_topic_logs{topic=\"m09999\"}") !=
	    NULL);
	PP_ASSERT_TRUE(strstr(body, "\"m10000\"") == NULL);
	PP_ASSERT_TRUE(strstr(body, "\npipeproc_metrics_truncated 1\n") != NULL);
	free(body);
	free(recs);
	free(names);
	free(ids);
	pp_t_node_stop(&n);
}

static const pp_test_case cases[] = {
	PP_CASE("/metrics writes the samples of at most 10,000 topics and "
	        "says it cut",
	    test_metrics_bounded, 0),
	PP_CASE("/topics and /procs are pages with a Link to the next",
	    test_list_pages, 0),
	PP_CASE("a bad limit or after is 400 with PP_EINVAL",
	    test_bad_queries, 0),
	PP_CASE("silent, half-sent and unread requests delay no /metrics "
	        "and are closed at the timeout",
	    test_stuck_clients, 0),
	PP_CASE("more idle clients than the cap do not lock others out",
	    test_more_clients_than_the_cap, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
