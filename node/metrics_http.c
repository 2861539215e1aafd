/*
 * metrics_http.c - pipeproc-node --metrics http://HOST:PORT: GET /metrics
 * in the Prometheus text format and the read-only state endpoints GET
 * /healthz, /topics, /topics/NAME, /procs, /procs/NAME as JSON
 * (state_json.c), served by the node's own small HTTP server (httpd.c).
 * Without a host (--metrics PORT or http://:PORT) it listens on
 * 127.0.0.1 only: the state is not for the network unless asked for.
 *
 * Design notes: this file is the endpoints' table. The server calls
 * on_request on its one thread, which builds the whole answer: every
 * answer is bounded (the metrics are read page by page, the lists are
 * pages of at most STATE_JSON_LIMIT_MAX items), and the server writes it
 * without blocking, with deadlines per connection, so a slow or stuck
 * client never delays another's /metrics (httpd.c). Other paths are 404,
 * other methods than GET and HEAD 405. NNG is used only to parse the URL.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>

#include "httpd.h"
#include "metrics_http.h"
#include "metrics_prom.h"
#include "state_json.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define JSON_TYPE "application/json"

struct metrics_http {
	store *store;
	httpd *server;
};

/* Is `path` (len bytes, no query) one of the endpoints? */
static bool
is_endpoint(const char *path, size_t len)
{
	static const char *const exact[] = { "/metrics", "/healthz",
		"/topics", "/procs" };
	size_t                   i;

	for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++) {
		if (len == strlen(exact[i]) &&
		    memcmp(path, exact[i], len) == 0) {
			return true;
		}
	}
	return (len > 8 && memcmp(path, "/topics/", 8) == 0) ||
	    (len > 7 && memcmp(path, "/procs/", 7) == 0);
}

/* The answer to one request (httpd_handler). */
static void
on_request(
    void *arg, const char *method, const char *target, httpd_response *res)
{
	metrics_http *h   = arg;
	const char   *q   = strchr(target, '?');
	size_t        len = q != NULL ? (size_t) (q - target) : strlen(target);

	res->content_type = JSON_TYPE;
	if (!is_endpoint(target, len)) {
		res->status = 404;
		ppi_buf_printf(&res->body,
		    "{\"error\":\"PP_EINVAL\",\"code\":%d,\"message\":"
		    "\"no such path\"}",
		    PP_EINVAL);
		return;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		res->status = 405;
		ppi_buf_printf(&res->headers, "Allow: GET, HEAD\r\n");
		ppi_buf_printf(&res->body,
		    "{\"error\":\"PP_EPERM\",\"code\":%d,\"message\":"
		    "\"read-only: only GET and HEAD\"}",
		    PP_EPERM);
		return;
	}
	if (len == 8 && memcmp(target, "/metrics", 8) == 0) {
		res->content_type = CONTENT_TYPE;
		res->status       = metrics_prom_write(h->store, &res->body) == 0
		          ? 200
		          : 500;
		return;
	}
	res->status = state_json_get(h->store, target, &res->body,
	    &res->headers);
}

/*
 * Checks the URL: http://HOST:PORT with an optional "/" or "/metrics";
 * PORT alone and http://:PORT mean the loopback host, 127.0.0.1.
 */
static int
parse_url(const char *text, nng_url **url, char *msg, size_t msglen)
{
	char with_host[128];
	int  rv;

	if (text[0] != '\0' && strspn(text, "0123456789") == strlen(text) &&
	    strlen(text) <= 5) {
		snprintf(with_host, sizeof(with_host), "http://127.0.0.1:%s",
		    text);
		text = with_host;
	} else if (strncmp(text, "http://:", 8) == 0 &&
	    strlen(text) < sizeof(with_host) - 9) {
		snprintf(with_host, sizeof(with_host), "http://127.0.0.1%s",
		    text + 7);
		text = with_host;
	}
	if (strncmp(text, "http://", 7) != 0 ||
	    (rv = nng_url_parse(url, text)) != 0) {
		snprintf(msg, msglen,
		    "bad --metrics '%s': expected http://HOST:PORT", text);
		return PP_EADDR;
	}
	if ((*url)->u_hostname[0] == '\0' ||
	    strchr((*url)->u_host, ':') == NULL ||
	    (*url)->u_port[0] == '\0' || strlen((*url)->u_port) > 5 ||
	    strspn((*url)->u_port, "0123456789") != strlen((*url)->u_port) ||
	    atoi((*url)->u_port) > 65535 ||
	    ((*url)->u_path[0] != '\0' && strcmp((*url)->u_path, "/") != 0 &&
	        strcmp((*url)->u_path, "/metrics") != 0)) {
		snprintf(msg, msglen,
		    "bad --metrics '%s': expected http://HOST:PORT (the path "
		    "is always /metrics)",
		    text);
		nng_url_free(*url);
		return PP_EADDR;
	}
	return 0;
}

int
metrics_http_start(store *s, const char *address, metrics_http **out,
    char *url_out, size_t url_len, char *msg, size_t msglen)
{
	metrics_http *h;
	nng_url      *url;
	uint16_t      port = 0;
	char          reason[128];
	int           rv;

	if ((rv = parse_url(address, &url, msg, msglen)) != 0) {
		return rv;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		nng_url_free(url);
		return PP_ENOMEM;
	}
	h->store = s;
	if ((rv = httpd_start(url->u_hostname, url->u_port, NULL, on_request,
	         h, &h->server, &port, reason, sizeof(reason))) != 0) {
		snprintf(msg, msglen, "cannot serve metrics on %s: %s", address,
		    reason);
		nng_url_free(url);
		free(h);
		return rv;
	}
	snprintf(url_out, url_len, "http://%s%s%s:%u/metrics",
	    strchr(url->u_hostname, ':') != NULL ? "[" : "", url->u_hostname,
	    strchr(url->u_hostname, ':') != NULL ? "]" : "", (unsigned) port);
	nng_url_free(url);
	*out = h;
	return 0;
}

void
metrics_http_stop(metrics_http *h)
{
	if (h == NULL) {
		return;
	}
	/* Before the store closes: no answer reads it after this. */
	httpd_stop(h->server);
	free(h);
}
