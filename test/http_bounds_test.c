/*
 * http_bounds_test.c - the --metrics HTTP server stays bounded (before,
 * the list endpoints built every item into one
 * response, on the one thread that also answers /metrics, and a client
 * could hold its connection forever).
 *
 * - /topics and /procs are pages: ?limit=N (default 1,000, at most
 *   10,000) after ?after=NAME, with a Link header to the next page, so
 *   no request reads more than a page whatever the node holds; a bad
 *   limit or after is 400 with a JSON error.
 * - /metrics writes the samples of at most 10,000 topics (and procs),
 *   and pipeproc_metrics_truncated says when it left some out.
 * - Errors from the server itself are JSON too: 404, 405 with Allow;
 *   HEAD answers headers only; every answer closes its connection.
 * - Clients that send half a request, send nothing, or never read their
 *   answer, and many idle connections (160), delay nobody's /metrics:
 *   NNG's server handles every connection asynchronously. The node
 *   stops, or is killed and restarts on the same port with nothing
 *   acknowledged lost, while they still hang on.
 *
 * Not asserted any more: that the server closes stuck connections after
 * a request timeout and evicts the oldest at a cap of 128. Those were
 * the deadlines of the node's own server (node/httpd.c), replaced by
 * NNG's, which in 1.5.2 has neither: a documented limit (DESIGN §9,
 * pipeproc-node(8): bind --metrics to the loopback or a trusted
 * network).
 *
 * Requests go over plain TCP sockets (metrics_util.c); waits poll with
 * deadlines, never fixed sleeps.
 */
#include <poll.h>
#include <signal.h>
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

/* A TCP connection to the loopback port, with a receive buffer of
 * rcvbuf bytes (0: the default); fails the case otherwise. */
static int
dial_with(int port, int rcvbuf)
{
	struct sockaddr_in sa;
	int                fd;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family      = AF_INET;
	sa.sin_port        = htons((uint16_t) port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	PP_ASSERT_TRUE((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	if (rcvbuf > 0) {
		PP_ASSERT_INT_EQ(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		                     sizeof(rcvbuf)),
		    0);
	}
	if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) != 0) {
		PP_FAIL_AT("connect to port %d: %s", port, strerror(errno));
	}
	return fd;
}

static int
dial(int port)
{
	return dial_with(port, 0);
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

/* Clients that say nothing, half a request, or ask for a page and never
 * read it (with a small receive buffer, so that a page of many topics
 * stays stuck in the server's write): STUCK of each. */
struct stuck {
	int silent[STUCK];
	int half[STUCK];
	int reader[STUCK];
};

static void
stuck_open(struct stuck *st, int port)
{
	char   req[128];
	size_t i;

	for (i = 0; i < STUCK; i++) {
		st->silent[i] = dial(port);
		st->half[i]   = dial(port);
		pp_t_write_all(st->half[i], "GET /metr", 9);
	}
	pp_t_format(req, sizeof(req),
	    "GET /topics?limit=10000 HTTP/1.1\r\nHost: x\r\n\r\n");
	for (i = 0; i < STUCK; i++) {
		st->reader[i] = dial_with(port, 4096);
		pp_t_write_all(st->reader[i], req, strlen(req));
	}
}

static void
stuck_close(struct stuck *st)
{
	size_t i;

	for (i = 0; i < STUCK; i++) {
		close(st->silent[i]);
		close(st->half[i]);
		close(st->reader[i]);
	}
}

/* Commits `count` topics "t00000"... of one log each. */
static void
commit_topics(pp_client *c, size_t count)
{
	pp_record *recs  = calloc(count, sizeof(*recs));
	char (*names)[16] = calloc(count, sizeof(*names));
	pp_id     *ids   = calloc(count, sizeof(*ids));
	size_t     i;

	PP_ASSERT_TRUE(recs != NULL && names != NULL && ids != NULL);
	for (i = 0; i < count; i++) {
		pp_t_format(names[i], sizeof(names[i]), "t%05zu", i);
		recs[i] = (pp_record) { names[i], "x", 1 };
	}
	PP_PASS(pp_commit(c, recs, count, ids));
	free(recs);
	free(names);
	free(ids);
}

static void
test_stuck_clients(void)
{
	pp_tnode     n;
	struct stuck st;
	char        *body;
	int          port = start_with_http(&n);

	/* A page of them is some 400 KiB: more than the readers take. */
	commit_topics(n.client, TOPICS);
	PP_ASSERT_INT_EQ(metrics_http_request(port, "GET",
	                     "/topics?limit=10000", &body, NULL),
	    200);
	PP_ASSERT_U64_CMP(strlen(body), >, 256 * 1024);
	free(body);
	stuck_open(&st, port);
	/* Nobody waits for them, again and again. */
	metrics_answers_within(port, 2000);
	metrics_answers_within(port, 2000);
	metrics_answers_within(port, 2000);
	/* Once they go, nothing is left behind that stops the server. */
	stuck_close(&st);
	metrics_answers_within(port, 2000);
	pp_t_node_stop(&n);
}

static void
test_stop_with_stuck_clients(void)
{
	pp_tnode     n;
	struct stuck st;
	size_t       i;
	int          port = start_with_http(&n);
	pid_t        pid  = n.pid;

	stuck_open(&st, port);
	metrics_answers_within(port, 2000);
	/* A clean stop closes every connection, stuck ones too. */
	PP_PASS(pp_shutdown(n.client));
	pp_close(n.client);
	n.client = NULL;
	if (!pp_t_wait_pid_gone(pid, pp_t_scaled(10000))) {
		PP_FAIL_AT("node %d still runs with stuck HTTP clients",
		    (int) pid);
	}
	for (i = 0; i < STUCK; i++) {
		PP_ASSERT_TRUE(closed_within(st.silent[i], 1000));
		PP_ASSERT_TRUE(closed_within(st.half[i], 1000));
		PP_ASSERT_TRUE(closed_within(st.reader[i], 1000));
	}
	stuck_close(&st);
}

static void
test_kill_with_stuck_clients(void)
{
	pp_spawn_opts o;
	pp_tnode      n;
	struct stuck  st;
	char          address[64], *body;
	pp_id         ids[3];
	pp_record     recs[3] = { { "k", "a", 1 }, { "k", "b", 1 },
		        { "k", "c", 1 } };
	int           port = start_with_http(&n);
	pid_t         pid  = n.pid;

	PP_PASS(pp_commit(n.client, recs, 3, ids)); /* acknowledged */
	stuck_open(&st, port);
	metrics_answers_within(port, 2000);
	kill(pid, SIGKILL);
	PP_ASSERT_TRUE(pp_t_wait_pid_gone(pid, pp_t_scaled(10000)));
	pp_close(n.client);
	n.client = NULL;
	/* The same data and port, while the stuck clients still hang on
	 * to their (now dead) connections. */
	memset(&o, 0, sizeof(o));
	pp_t_format(address, sizeof(address), "http://127.0.0.1:%d", port);
	o.metrics_address = address;
	PP_PASS(pp_t_node_spawn(&n, &o));
	metrics_answers_within(port, 2000);
	PP_ASSERT_INT_EQ(
	    metrics_http_request(port, "GET", "/topics/k", &body, NULL), 200);
	PP_ASSERT_TRUE(strstr(body, "\"count\":3") != NULL);
	free(body);
	stuck_close(&st);
	pp_t_node_stop(&n);
}

#define IDLE 160 /* more than the 128 the node's own server kept */

static void
test_many_idle_clients(void)
{
	pp_tnode n;
	int      fds[IDLE];
	int      port = start_with_http(&n);
	size_t   i;

	for (i = 0; i < IDLE; i++) {
		fds[i] = dial(port);
	}
	/* They hold descriptors, not the server: /metrics is served. */
	metrics_answers_within(port, 2000);
	for (i = 0; i < IDLE; i++) {
		close(fds[i]);
	}
	metrics_answers_within(port, 2000);
	pp_t_node_stop(&n);
}

/* Reads fd to EOF within 10 s into a NUL-terminated malloc'd string. */
static char *
read_to_eof(int fd)
{
	uint64_t      end = pp_t_mono_ms() + (uint64_t) pp_t_scaled(10000);
	struct pollfd pfd;
	size_t        len = 0, cap = 65536;
	char         *buf = malloc(cap);
	ssize_t       r;

	PP_ASSERT_TRUE(buf != NULL);
	for (;;) {
		if (pp_t_mono_ms() > end) {
			PP_FAIL_AT("the server did not close the connection");
		}
		pfd = (struct pollfd) { fd, POLLIN, 0 };
		if (poll(&pfd, 1, 100) <= 0) {
			continue;
		}
		if (len + 1 == cap) {
			cap *= 2;
			PP_ASSERT_TRUE((buf = realloc(buf, cap)) != NULL);
		}
		if ((r = read(fd, buf + len, cap - len - 1)) <= 0) {
			break;
		}
		len += (size_t) r;
	}
	buf[len] = '\0';
	return buf;
}

static void
test_errors_are_json(void)
{
	pp_tnode n;
	char    *body, *headers;
	char     req[128];
	int      fd, port = start_with_http(&n);

	PP_ASSERT_INT_EQ(
	    metrics_http_request(port, "GET", "/nothing", &body, &headers),
	    404);
	PP_ASSERT_STR_EQ(body,
	    "{\"error\":\"PP_EINVAL\",\"code\":-2,\"message\":\"no such "
	    "path\"}");
	PP_ASSERT_TRUE(strstr(headers, "Content-Type: application/json") !=
	    NULL);
	free(body);
	free(headers);
	PP_ASSERT_INT_EQ(
	    metrics_http_request(port, "DELETE", "/metrics", &body, &headers),
	    405);
	PP_ASSERT_TRUE(strstr(body, "\"error\":\"PP_EPERM\"") != NULL);
	PP_ASSERT_TRUE(strstr(headers, "Allow: GET, HEAD") != NULL);
	free(body);
	free(headers);
	/* HEAD: the headers of GET, with its length, and no body. */
	PP_ASSERT_INT_EQ(
	    metrics_http_request(port, "HEAD", "/healthz", &body, &headers),
	    200);
	PP_ASSERT_STR_EQ(body, "");
	PP_ASSERT_TRUE(strstr(headers, "Content-Length: 15") != NULL);
	free(body);
	free(headers);
	/* HTTP/1.1 keeps nothing open: the answer closes the connection. */
	fd = dial(port);
	pp_t_format(req, sizeof(req),
	    "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
	pp_t_write_all(fd, req, strlen(req));
	body = read_to_eof(fd);
	PP_ASSERT_TRUE(strncmp(body, "HTTP/1.1 200", 12) == 0);
	PP_ASSERT_TRUE(strstr(body, "{\"status\":\"ok\"}") != NULL);
	free(body);
	close(fd);
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

#define BURST 96 /* requests at once: more than the 32 that may wait */

/* BURST requests for /metrics sent at once; every one is answered, 200
 * or 503 PP_EBUSY (JSON). Returns how many were 503. */
static size_t
burst(int port)
{
	static const char req[] = "GET /metrics HTTP/1.0\r\n\r\n";
	int               fds[BURST];
	char             *got;
	size_t            i, busy = 0;

	for (i = 0; i < BURST; i++) {
		fds[i] = dial(port);
	}
	for (i = 0; i < BURST; i++) {
		pp_t_write_all(fds[i], req, sizeof(req) - 1);
	}
	for (i = 0; i < BURST; i++) {
		got = read_to_eof(fds[i]);
		if (strncmp(got, "HTTP/1.1 503", 12) == 0) {
			PP_ASSERT_TRUE(strstr(got, "Content-Type: application/json") !=
			    NULL);
			PP_ASSERT_TRUE(strstr(got, "{\"error\":\"PP_EBUSY\"") !=
			    NULL);
			busy++;
		} else if (strncmp(got, "HTTP/1.1 200", 12) != 0 ||
		    strstr(got, "\npipeproc_metrics_truncated 1\n") == NULL) {
			PP_FAIL_AT("request %zu: %.200s", i, got);
		}
		free(got);
		close(fds[i]);
	}
	return busy;
}

static void
test_too_many_waiting(void)
{
	pp_tnode n;
	size_t   rounds, busy = 0;
	int      port = start_with_http(&n);

	/* Each scrape takes a while with this many topics, so a burst
	 * overflows the queue; bursts are repeated in case one is served
	 * faster than it arrives. */
	commit_topics(n.client, METRICS_TOPICS);
	for (rounds = 0; rounds < 5 && busy == 0; rounds++) {
		busy = burst(port);
	}
	if (busy == 0) {
		PP_FAIL_AT("no 503 in %zu bursts of %d", rounds, BURST);
	}
	pp_t_diag("burst %zu: %zu of %d got 503", rounds, busy, BURST);
	PP_ASSERT_U64_CMP(busy, <=, BURST - 1);
	/* Once they are answered, the queue is free again. */
	metrics_answers_within(port, 5000);
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
	PP_CASE("silent, half-sent and unread requests delay no /metrics",
	    test_stuck_clients, 0),
	PP_CASE("the node stops at once with stuck clients and closes them",
	    test_stop_with_stuck_clients, 0),
	PP_CASE("a node killed with stuck clients restarts on the same port "
	        "with every acknowledged log",
	    test_kill_with_stuck_clients, 0),
	PP_CASE("160 idle clients do not keep others from /metrics",
	    test_many_idle_clients, 0),
	PP_CASE("more requests than may wait get 503 PP_EBUSY, the rest "
	        "their answer",
	    test_too_many_waiting, 0),
	PP_CASE("unknown paths and other methods get JSON errors; HEAD has "
	        "no body; answers close their connection",
	    test_errors_are_json, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
