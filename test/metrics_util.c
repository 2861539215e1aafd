/*
 * metrics_util.c - stats reports, node figures and claims of the metrics
 * tests. See metrics_util.h.
 */
#include "metrics_util.h"

pp_stats_report *
metrics_stats_of(pp_client *c)
{
	pp_stats_report *r = NULL;

	PP_PASS(pp_stats(c, &r));
	PP_ASSERT_TRUE(r != NULL);
	return (r);
}

uint64_t
metrics_node_figure(pp_client *c, size_t offset)
{
	pp_stats_report *r = metrics_stats_of(c);
	uint64_t         v;

	memcpy(&v, (const char *)pp_stats_node(r) + offset, sizeof(v));
	pp_stats_free(r);
	return (v);
}

pp_claim *
metrics_claim(pp_client *c, const char *topic, const char *name,
    const pp_proc_opts *opts, size_t expect)
{
	pp_claim *cl = NULL;

	PP_PASS(pp_proc(c, topic, name, opts, 0, &cl));
	PP_ASSERT_U64_EQ(pp_claim_count(cl), expect);
	return (cl);
}

/* ---- helpers: HTTP ------------------------------------------------------ */

/* A TCP port nobody listens on right now (bound, then released). */
int
metrics_free_port(void)
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
int
metrics_http_request(int port, const char *method, const char *path, char **body,
    char **headers)
{
	struct sockaddr_in sa;
	struct pollfd      pfd;
	char               req[1024], *buf = NULL, *end, *p;
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
