/*
 * state_http_test.c - the node's state over HTTP (issue 13 item 11): GET
 * /healthz, /topics, /topics/NAME, /procs and /procs/NAME on the
 * --metrics server answer the JSON objects the CLI prints (stat,
 * inspect; lib/json.c), paged through any number of topics (following
 * each page's Link header; http_bounds_test.c has the limits); unknown
 * names are 404 and invalid ones 400 with a JSON error, other methods
 * 405; without a host the server listens on the loopback only; and a
 * node that fails to start leaves no socket file behind (and never
 * removes the socket of another, live node).
 *
 * Requests go over a plain TCP socket (metrics_util.c); nothing sleeps
 * for a fixed time.
 */
#include <ifaddrs.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "harness.h"
#include "json.h"
#include "metrics_util.h"
#include "proc_util.h"

#define MANY_TOPICS 1100 /* more than one page (1,000) of topics */

/* Starts n with --metrics `form` (printf'd with a free port) and returns
 * that port; another process may take the port first: a few tries. */
static int
start_with_http(pp_tnode *n, const char *form)
{
	pp_spawn_opts o;
	char          address[64];
	int           port = 0, rv = PP_EADDRINUSE, tries;

	memset(&o, 0, sizeof(o));
	for (tries = 0; tries < 5 && rv == PP_EADDRINUSE; tries++) {
		port = metrics_free_port();
		pp_t_format(address, sizeof(address), form, port);
		o.metrics_address = address;
		pp_t_node_init(n);
		rv = pp_t_node_spawn(n, &o);
	}
	PP_PASS(rv);
	return port;
}

/* GET path must answer `status` with exactly `want` as the body. */
static void
get_is_at(int line, int port, const char *path, int status, const char *want)
{
	char *body = NULL, *headers = NULL;
	int   got  = metrics_http_request(port, "GET", path, &body, &headers);

	if (got != status || strcmp(body, want) != 0) {
		pp_t_fail(__FILE__, line, "GET %s: %d %.300s, expected %d %.300s",
		    path, got, body, status, want);
	} else if (strstr(headers, "application/json") == NULL) {
		pp_t_fail(__FILE__, line, "GET %s: not JSON: %s", path, headers);
	}
	free(body);
	free(headers);
}

#define GET_IS(port, path, status, want)                                       \
	get_is_at(__LINE__, (port), (path), (status), (want))

/* The JSON the CLI prints for a topic's stat / a proc's inspect. */
static char *
topic_json(pp_client *c, const char *topic)
{
	pp_topic_info info;
	ppi_buf       b;

	PP_PASS(pp_topic_stat(c, topic, &info));
	ppi_buf_init(&b);
	ppi_json_topic(&b, &info);
	ppi_buf_append(&b, "", 1);
	return b.data;
}

static char *
proc_json(pp_client *c, const char *name)
{
	pp_proc_list *l = NULL;
	ppi_buf       b;

	PP_PASS(pp_proc_inspect(c, name, &l));
	ppi_buf_init(&b);
	/* No unacked log, so the age (by the clock) is null either way. */
	ppi_json_proc(&b, pp_proc_list_get(l, 0), 0);
	ppi_buf_append(&b, "", 1);
	pp_proc_list_free(l);
	return b.data;
}

static void
test_endpoints(void)
{
	pp_proc_opts o = proc_opts_make(">", 2, 3, -1, PP_ON_MAX_DISABLE);
	pp_tnode     n;
	char        *t, *u, *p, *q, *body, want[4096];
	int          port = start_with_http(&n, "http://127.0.0.1:%d");

	GET_IS(port, "/healthz", 200, "{\"status\":\"ok\"}");
	GET_IS(port, "/topics", 200, "[]");
	GET_IS(port, "/procs", 200, "[]");
	COMMIT_SEQS(n.client, "t", 0, 4, NULL);
	COMMIT_SEQS(n.client, "u", 0, 1, NULL);
	ACK(n.client, "p", CLAIM_EXPECT(n.client, "t", "p", &o, 0, 2));
	ACK(n.client, "p", CLAIM_EXPECT(n.client, "t", "p", &o, 2, 2));
	ACK(n.client, "q", CLAIM_EXPECT(n.client, "u", "q", NULL, 0, 1));

	t = topic_json(n.client, "t");
	u = topic_json(n.client, "u");
	p = proc_json(n.client, "p");
	q = proc_json(n.client, "q");
	GET_IS(port, "/topics/t", 200, t);
	pp_t_format(want, sizeof(want), "[%s,%s]", t, u);
	GET_IS(port, "/topics", 200, want);
	GET_IS(port, "/procs/p", 200, p);
	pp_t_format(want, sizeof(want), "[%s,%s]", p, q);
	GET_IS(port, "/procs", 200, want);
	/* A query is ignored. */
	GET_IS(port, "/procs/p?pretty=1", 200, p);
	/* The ranges of issue 13 item 6 are there. */
	PP_ASSERT_TRUE(strstr(p, "\"has_last_acked\":true") != NULL);

	/* An outstanding claim: its 64-bit token is a JSON string. */
	CLAIM_NOTHING(n.client, "t", "p", &o);
	COMMIT_SEQS(n.client, "t", 4, 1, NULL);
	{
		uint64_t tok = CLAIM_EXPECT(n.client, "t", "p", &o, 4, 1);
		char     tokstr[64];

		pp_t_format(tokstr, sizeof(tokstr),
		    "\"claim_token\":\"%llu\"", (unsigned long long) tok);
		PP_ASSERT_INT_EQ(metrics_http_request(port, "GET", "/procs/p",
		                     &body, NULL),
		    200);
		if (strstr(body, tokstr) == NULL) {
			PP_FAIL_AT("no %s in %s", tokstr, body);
		}
		free(body);
	}
	free(t);
	free(u);
	free(p);
	free(q);
	pp_t_node_stop(&n);
}

static void
test_many_topics(void)
{
	pp_record *recs = calloc(MANY_TOPICS, sizeof(*recs));
	char     (*names)[16] = calloc(MANY_TOPICS, sizeof(*names));
	pp_id     *ids = calloc(MANY_TOPICS, sizeof(*ids));
	pp_tnode   n;
	char      *body, *headers, *at, path[256];
	size_t     i, count = 0;
	int        port = start_with_http(&n, "http://127.0.0.1:%d");

	PP_ASSERT_TRUE(recs != NULL && names != NULL && ids != NULL);
	for (i = 0; i < MANY_TOPICS; i++) {
		pp_t_format(names[i], sizeof(names[i]), "t%05zu", i);
		recs[i] = (pp_record) { names[i], "x", 1 };
	}
	PP_PASS(pp_commit(n.client, recs, MANY_TOPICS, ids));
	/* Every topic once, in name order, across the store's pages and
	 * the HTTP pages (1,000 by default), following each Link. */
	pp_t_format(path, sizeof(path), "/topics");
	while (path[0] != '\0') {
		PP_ASSERT_INT_EQ(metrics_http_request(port, "GET", path, &body,
		                     &headers),
		    200);
		for (at = body; (at = strstr(at, "{\"topic\":\"t")) != NULL;
		     at++) {
			char want[32];

			PP_ASSERT_U64_CMP(count, <, MANY_TOPICS);
			pp_t_format(want, sizeof(want), "{\"topic\":\"%s\"",
			    names[count]);
			if (strncmp(at, want, strlen(want)) != 0) {
				PP_FAIL_AT("item %zu is %.20s, expected %s",
				    count, at, want);
			}
			count++;
		}
		PP_ASSERT_TRUE(body[0] == '[' && body[strlen(body) - 1] == ']');
		path[0] = '\0';
		if ((at = strstr(headers, "Link: <")) != NULL) {
			PP_ASSERT_TRUE(sscanf(at, "Link: <%255[^>]>", path) == 1);
		}
		free(body);
		free(headers);
	}
	PP_ASSERT_U64_EQ(count, MANY_TOPICS);
	free(recs);
	free(names);
	free(ids);
	pp_t_node_stop(&n);
}

static void
test_errors(void)
{
	pp_tnode n;
	char     *body, path[300];
	int       port = start_with_http(&n, "http://127.0.0.1:%d");

	COMMIT_SEQS(n.client, "t", 0, 1, NULL);
	GET_IS(port, "/topics/nope", 404,
	    "{\"error\":\"PP_ENOTOPIC\",\"code\":-8,\"message\":\"topic 'nope' "
	    "does not exist\"}");
	GET_IS(port, "/procs/nope", 404,
	    "{\"error\":\"PP_ENOPROC\",\"code\":-28,\"message\":\"no proc "
	    "'nope'\"}");
	GET_IS(port, "/topics/", 404,
	    "{\"error\":\"PP_EINVAL\",\"code\":-2,\"message\":\"no such path\"}");
	PP_ASSERT_INT_EQ(
	    metrics_http_request(port, "GET", "/topics/a%20b", &body, NULL),
	    400);
	PP_ASSERT_TRUE(strstr(body, "PP_EINVALID_TOPIC") != NULL);
	free(body);
	PP_ASSERT_INT_EQ(
	    metrics_http_request(port, "GET", "/procs/a#b", &body, NULL), 400);
	free(body);
	memset(path, 'n', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	memcpy(path, "/procs/", 7);
	PP_ASSERT_INT_EQ(metrics_http_request(port, "GET", path, &body, NULL),
	    400);
	PP_ASSERT_TRUE(strstr(body, "PP_EINVALID_NAME") != NULL);
	free(body);
	/* Read-only: every other method is refused, and nothing changed. */
	PP_ASSERT_INT_EQ(
	    metrics_http_request(port, "POST", "/topics", &body, NULL), 405);
	free(body);
	PP_ASSERT_INT_EQ(
	    metrics_http_request(port, "DELETE", "/topics/t", &body, NULL),
	    405);
	free(body);
	PP_ASSERT_INT_EQ(
	    metrics_http_request(port, "PUT", "/procs/x", &body, NULL), 405);
	free(body);
	PP_ASSERT_U64_EQ(pp_t_length(n.client, "t"), 1);
	/* Other paths are 404; /metrics is still served. */
	PP_ASSERT_INT_EQ(
	    metrics_http_request(port, "GET", "/topicsX", &body, NULL), 404);
	free(body);
	PP_ASSERT_INT_EQ(
	    metrics_http_request(port, "GET", "/metrics", &body, NULL), 200);
	free(body);
	pp_t_node_stop(&n);
}

/* A local IPv4 address that is not a loopback one, or false. */
static bool
other_address(char *buf, size_t len)
{
	struct ifaddrs *all, *i;
	bool            found = false;

	if (getifaddrs(&all) != 0) {
		return false;
	}
	for (i = all; i != NULL && !found; i = i->ifa_next) {
		if (i->ifa_addr != NULL && i->ifa_addr->sa_family == AF_INET &&
		    (i->ifa_flags & IFF_LOOPBACK) == 0 &&
		    (i->ifa_flags & IFF_UP) != 0) {
			inet_ntop(AF_INET,
			    &((struct sockaddr_in *) i->ifa_addr)->sin_addr, buf,
			    (socklen_t) len);
			found = true;
		}
	}
	freeifaddrs(all);
	return found;
}

/* Without a host, the server listens on 127.0.0.1 only. */
static void
test_loopback_default(void)
{
	static const char *const forms[] = { "http://:%d", "%d" };
	struct sockaddr_in       sa;
	pp_tnode                 n;
	char                     other[64];
	size_t                   k;
	int                      port, fd;

	for (k = 0; k < 2; k++) {
		port = start_with_http(&n, forms[k]);
		GET_IS(port, "/healthz", 200, "{\"status\":\"ok\"}");
		if (other_address(other, sizeof(other))) {
			memset(&sa, 0, sizeof(sa));
			sa.sin_family = AF_INET;
			sa.sin_port   = htons((uint16_t) port);
			inet_pton(AF_INET, other, &sa.sin_addr);
			fd = socket(AF_INET, SOCK_STREAM, 0);
			PP_ASSERT_TRUE(fd >= 0);
			if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) ==
			    0) {
				PP_FAIL_AT("%s: port %d answers on %s",
				    forms[k], port, other);
			}
			close(fd);
		} else {
			pp_t_diag("no non-loopback address to try");
		}
		pp_t_node_stop(&n);
	}
}

static bool
file_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/*
 * A node that fails after it began listening (here: its --metrics port is
 * taken) removes its socket file; one refused because a live node serves
 * the socket leaves that node's file alone.
 */
static void
test_failed_start_leaves_no_socket(void)
{
	struct sockaddr_in sa;
	pp_spawn_opts      o;
	pp_tnode           live, n;
	socklen_t          len = sizeof(sa);
	char               address[64], extra_addr[PP_T_PATH + 16];
	int                fd;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family      = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd                 = socket(AF_INET, SOCK_STREAM, 0);
	PP_ASSERT_TRUE(fd >= 0);
	PP_ASSERT_INT_EQ(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
	PP_ASSERT_INT_EQ(listen(fd, 1), 0);
	PP_ASSERT_INT_EQ(getsockname(fd, (struct sockaddr *) &sa, &len), 0);
	pp_t_format(address, sizeof(address), "http://127.0.0.1:%d",
	    ntohs(sa.sin_port));
	memset(&o, 0, sizeof(o));
	o.metrics_address = address;
	pp_t_node_init(&n);
	PP_FAIL(pp_t_node_spawn(&n, &o), PP_EADDRINUSE);
	PP_ASSERT_TRUE(!file_exists(n.sock));
	close(fd);

	/* Two listeners, the second impossible: the first's file goes. */
	{
		const char *extra[3] = { "--listen", extra_addr, NULL };

		pp_t_node_init(&n);
		pp_t_format(extra_addr, sizeof(extra_addr),
		    "ipc://%s/no/such/dir/sock", n.dir);
		PP_ASSERT_INT_EQ(pp_t_node_exec(&n, extra), -1);
		PP_ASSERT_TRUE(!file_exists(n.sock));
	}

	/* Refused by a live node on the same socket: its file stays. */
	pp_t_node_init(&live);
	pp_t_node_start(&live, NULL);
	pp_t_node_init(&n);
	memset(&o, 0, sizeof(o));
	o.address = live.address;
	PP_FAIL(pp_t_node_spawn(&n, &o), PP_EADDRINUSE);
	PP_ASSERT_TRUE(file_exists(live.sock));
	pp_t_commit_str(live.client, "t", "still served");
	pp_t_node_stop(&live);
}

static const pp_test_case cases[] = {
	PP_CASE("GET /healthz, /topics, /topics/NAME, /procs, /procs/NAME "
	        "answer the CLI's JSON objects",
	    test_endpoints, 0),
	PP_CASE("GET /topics pages through more than a page of topics",
	    test_many_topics, 0),
	PP_CASE("unknown names are 404 and invalid ones 400 with a JSON error; "
	        "other methods are 405",
	    test_errors, 0),
	PP_CASE("--metrics without a host listens on the loopback only",
	    test_loopback_default, 0),
	PP_CASE("a node that fails at startup leaves no socket file, and never "
	        "removes a live node's",
	    test_failed_start_leaves_no_socket, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return pp_test_main(argc, argv, cases);
}
